/**
 * Local wall-clock arithmetic for device files. Actigraphs record local device time with no zone, so times
 * are handled as "naive" instants: a local ISO string `YYYY-MM-DDTHH:mm:ss` maps to milliseconds as if it
 * were UTC. This keeps epoch arithmetic exact (no DST jumps invented by the host's zone).
 */

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/;

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Naive milliseconds of a local ISO string (seconds optional; a trailing `Z` or offset is not accepted). */
export function localIsoToMs(iso: string): number {
  const m = ISO_RE.exec(iso);
  if (!m) throw new RangeError(`not a local ISO date-time: ${iso}`);
  return Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6] ?? 0),
  );
}

/** `YYYY-MM-DDTHH:mm:ss` of naive milliseconds (sub-second part dropped). */
export function msToLocalIso(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** Naive milliseconds from calendar parts, or NaN when the parts are not a real date/time. */
export function partsToMs(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
): number {
  if (![year, month, day, hour, minute, second].every(Number.isInteger)) return NaN;
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    hour < 0 ||
    minute < 0 ||
    second < 0
  )
    return NaN;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 31 Feb into March; a real date round-trips.
  return new Date(ms).getUTCDate() === day ? ms : NaN;
}

/** Local ISO timestamp of epoch `index` of a series starting at `start`. */
export function epochTime(start: string, epochSeconds: number, index: number): string {
  return msToLocalIso(localIsoToMs(start) + index * epochSeconds * 1000);
}

/** Seconds since local midnight of naive milliseconds. */
export function secondsOfDay(ms: number): number {
  const day = 86_400_000;
  return (((ms % day) + day) % day) / 1000;
}
