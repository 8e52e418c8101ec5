import { hash } from 'node:crypto';
import { parseSleepStage, quantityTypes } from '../../contracts/health-types.ts';
import {
  earliestSampleMs,
  type CanonicalSample,
  type HealthKitSampleInput,
} from '../../contracts/healthkit-upload.ts';
import { parseInstant, zoneOffsetMinutes, type Instant } from '../../contracts/time.ts';

/**
 * The import's hot path through the JSON upload's validation, for the records Apple writes: the same
 * results as parseInstant, canonicalizeSample, sampleId and zoneOffsetMinutes (contracts/), computed
 * without their per-call costs (a regular expression with nine captures per date, a SHA-256 object per id,
 * an Intl formatter per offset: 13 us a record when the user has a time zone). Anything unusual is handed to the contract functions themselves, so
 * their rules and messages stay the only ones; mapping.test.ts checks the equivalence on random and edge
 * inputs.
 */

/** Longest interval one sample may span, and the allowed clock skew: canonicalizeSample's limits. */
const maxSampleSpanMs = 36 * 3600_000;
const futureSkewMs = 24 * 3600_000;

/**
 * The date part ("2019-01-01 ") and offset part (" -0500") of the last date read, and what parseInstant
 * made of that day's midnight (NaN when it refused it). The parts are short flat strings, which
 * startsWith and endsWith compare fastest.
 */
let dayPrefix = '\uffff';
let offsetSuffix = '\uffff';
let dayMs = Number.NaN;
let dayOffset = 0;

/** Value of the two ASCII digits at s[i], or 100 when either is not a digit. */
function twoDigits(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : 100;
}

/**
 * parseInstant for the form every date of an export has, `2019-01-01 10:00:00 -0500`: the date and offset
 * part is read once (by parseInstant, on that day's midnight) and reused while it repeats, the time of day
 * is added. Equal to parseInstant(text) for every input: Date.UTC is linear in the time of day, and with
 * seconds below 60 the time stays on the same day, so parseInstant's day-of-month check gives the same
 * answer as for midnight; other forms and a leap second go to parseInstant.
 */
export function parseExportInstant(text: string): Instant | undefined {
  if (
    text.length !== 25 ||
    text.charCodeAt(10) !== 32 ||
    text.charCodeAt(13) !== 58 ||
    text.charCodeAt(16) !== 58 ||
    text.charCodeAt(19) !== 32
  )
    return parseInstant(text);
  const h = twoDigits(text, 11);
  const mi = twoDigits(text, 14);
  const sec = twoDigits(text, 17);
  if (h > 23 || mi > 59 || sec > 59) return parseInstant(text);
  if (!text.startsWith(dayPrefix) || !text.endsWith(offsetSuffix)) {
    dayPrefix = text.slice(0, 11);
    offsetSuffix = text.slice(19);
    const midnight = parseInstant(`${dayPrefix}00:00:00${offsetSuffix}`);
    dayMs = midnight ? midnight.ms : Number.NaN;
    dayOffset = midnight ? midnight.offsetMinutes : 0;
  }
  if (Number.isNaN(dayMs)) return undefined;
  return { ms: dayMs + ((h * 60 + mi) * 60 + sec) * 1000, offsetMinutes: dayOffset };
}

/** '0'.repeat(n) for n < 12. */
const zeros = Array.from({ length: 12 }, (_, n) => '0'.repeat(n));

/**
 * value.toPrecision(12), which costs about half a microsecond for the integers most samples hold (heart
 * rates, step counts): for an integer below 10^12 in magnitude it is the digits padded with zeros (-0 has
 * no sign, as in toPrecision). Other values go to toPrecision.
 */
export function precision12(value: number): string {
  if (Number.isInteger(value) && value > -1e12 && value < 1e12) {
    const digits = String(Math.abs(value));
    const body = digits.length < 12 ? `${digits}.${zeros[12 - digits.length] as string}` : digits;
    return value < 0 ? `-${body}` : body;
  }
  return value.toPrecision(12);
}

/**
 * sampleId (contracts/healthkit-upload.ts) with the one-shot crypto.hash: the same digest of the same
 * string, without building a Hash object per sample.
 */
export function fastSampleId(
  uid: string,
  s: Pick<CanonicalSample, 'type' | 'startMs' | 'endMs' | 'source' | 'value' | 'stage' | 'category'>,
): string {
  const v = s.stage ?? s.category ?? (s.value === null ? '' : precision12(s.value));
  return hash(
    'sha256',
    `${uid}\u0000${s.type}\u0000${s.startMs}\u0000${s.endMs}\u0000${s.source}\u0000${v}`,
    'hex',
  ).slice(0, 32);
}

/** Hours remembered per zone (about eleven years of hourly entries) before the memory is cleared. */
const maxZoneHours = 100_000;

/**
 * zoneOffsetMinutes (contracts/time.ts) for one zone, for many instants: the offset remembered per UTC
 * hour, so formatToParts runs about twice per hour of data instead of once per record. When the offsets
 * at the start and at the last second of an hour agree, every instant of that hour has that offset
 * (zoneOffsetMinutes reads whole seconds, and no zone changes its offset twice within an hour); otherwise
 * each instant of that hour is computed.
 */
export class ZoneOffsets {
  private readonly zone: string;
  /** UTC hour number to its offset, or NaN when the offset changes within the hour. */
  private readonly hours = new Map<number, number>();

  constructor(zone: string) {
    this.zone = zone;
  }

  at(ms: number): number {
    const hour = Math.floor(ms / 3600_000);
    let offset = this.hours.get(hour);
    if (offset === undefined) {
      const first = zoneOffsetMinutes(hour * 3600_000, this.zone);
      offset = zoneOffsetMinutes(hour * 3600_000 + 3599_000, this.zone) === first ? first : Number.NaN;
      if (this.hours.size >= maxZoneHours) this.hours.clear();
      this.hours.set(hour, offset);
    }
    return Number.isNaN(offset) ? zoneOffsetMinutes(ms, this.zone) : offset;
  }
}

/**
 * canonicalizeSample for a sample that passes every check, or undefined when any check fails (or the
 * input is unusual: a unit looked up off the table's own keys, a leap second), so that the caller asks
 * canonicalizeSample itself for the issues. The input has passed the shape check (passesSampleShape).
 */
export function fastCanonical(
  s: HealthKitSampleInput,
  nowMs: number,
  zone: ZoneOffsets | undefined,
): CanonicalSample | undefined {
  const start = parseExportInstant(s.startDate);
  // Instant samples (heart rate, SpO2) often end when they start: one parse for both.
  const end = s.endDate === s.startDate ? start : parseExportInstant(s.endDate);
  if (!start || !end) return undefined;
  const span = end.ms - start.ms;
  if (span < 0 || span > maxSampleSpanMs || end.ms > nowMs + futureSkewMs || start.ms < earliestSampleMs)
    return undefined;
  const type = s.type;
  let value: number | null = null;
  let unit: string | null = null;
  let stage: CanonicalSample['stage'] = null;
  let metric: CanonicalSample['metric'];
  if (Object.hasOwn(quantityTypes, type)) {
    const spec = quantityTypes[type] as (typeof quantityTypes)[string];
    const units = spec.units;
    // Affine units (degF) go through canonicalizeSample.
    if (s.unit === undefined || !Object.hasOwn(units, s.unit) || spec.offsets?.[s.unit] !== undefined)
      return undefined;
    if (typeof s.value !== 'number' || !Number.isFinite(s.value)) return undefined;
    const v = s.value * (units[s.unit] as number);
    if (v < spec.range[0] || v > spec.range[1]) return undefined;
    if (type === 'HKQuantityTypeIdentifierHeartRate' && span > 3600_000) return undefined;
    metric = spec.metric;
    value = v;
    unit = spec.canonicalUnit;
  } else if (type === 'HKCategoryTypeIdentifierSleepAnalysis') {
    const parsed = parseSleepStage(s.value);
    if (!parsed || span === 0) return undefined;
    metric = 'sleep';
    stage = parsed;
  } else return undefined;
  return {
    type,
    metric,
    startMs: start.ms,
    endMs: end.ms,
    offsetMinutes: zone ? zone.at(start.ms) : start.offsetMinutes,
    value,
    unit,
    stage,
    source: s.sourceName,
    device: s.device ?? null,
  };
}
