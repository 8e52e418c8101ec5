/**
 * Instants as health data carries them: an absolute time plus the UTC offset the device was in, because
 * "which day was this" is a question about local time. Accepts ISO 8601 with an offset
 * (`2026-11-20T07:01:00-05:00`, `...Z`, fractional seconds) and Apple Health export's
 * `2026-11-20 07:01:00 -0500`. A time without an offset is refused: guessing a zone silently moves data
 * across midnight.
 */
export interface Instant {
  ms: number;
  offsetMinutes: number;
}

const isoRe = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)? ?(Z|[+-]\d{2}:?\d{2})$/;

export function parseInstant(text: string): Instant | undefined {
  const m = isoRe.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, off] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
    string?,
    string?,
    string?,
  ];
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return undefined;
  let offsetMinutes = 0;
  if (off !== undefined && off !== 'Z') {
    const sign = off.startsWith('-') ? -1 : 1;
    const digits = off.slice(1).replace(':', '');
    offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
    if (Math.abs(offsetMinutes) > 14 * 60) return undefined;
  }
  const millis = frac === undefined ? 0 : Math.round(Number(`0${frac}`) * 1000);
  const utc = Date.UTC(year, month - 1, day, hour, minute, second) + millis - offsetMinutes * 60_000;
  // Date.UTC rolls 31 Feb over into March; refuse such dates rather than move them.
  if (new Date(utc + offsetMinutes * 60_000).getUTCDate() !== day) return undefined;
  return { ms: utc, offsetMinutes };
}

/** `YYYY-MM-DD` of the local calendar day an instant falls on, in its own offset. */
export function localDate(ms: number, offsetMinutes: number): string {
  return new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 10);
}

// Building an Intl.DateTimeFormat costs far more than formatting with one (it dominated minute-series
// building, which asks for an offset per sample): one formatter per zone, kept.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    // Bounded: zones come from user input; a flood of distinct valid names must not grow it forever.
    if (formatters.size >= 512) formatters.clear();
    formatters.set(timeZone, f);
  }
  return f;
}

/** Offset in minutes of an IANA zone at an instant (DST aware), via Intl. */
export function zoneOffsetMinutes(ms: number, timeZone: string): number {
  const parts = formatterFor(timeZone).formatToParts(new Date(ms));
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value);
  const asUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60_000);
}

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const DAY_MS = 86_400_000;

/** The calendar date `n` days after `date` (negative: before); both `YYYY-MM-DD`. */
export function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** Whole days from `start` to `end` (`YYYY-MM-DD`); negative when `end` comes first. */
export function daysBetween(start: string, end: string): number {
  return Math.round((Date.parse(`${end}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / DAY_MS);
}
