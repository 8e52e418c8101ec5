/**
 * Epoch series (local device time) -> one-minute samples on the absolute minute grid of the user's zone,
 * ready for the per-day series documents.
 *
 * - Placement: the series start (local wall-clock time) is placed in `timezone`. With clock 'device' the
 *   epochs then follow at exact `epochSeconds` steps (an actigraph's clock ignores DST); with clock 'wall'
 *   each epoch's own local time is placed in the zone (Fitbit hours are wall-clock hours).
 * - Each epoch [t, t + e) adds its value to the minutes it overlaps, in proportion to the overlap: epochs
 *   shorter than a minute are summed into their minute (6 x 10 s, 2 x 30 s), longer ones are spread evenly
 *   (a 120-s epoch gives half to each minute).
 * - A minute is emitted only when non-missing epochs cover all 60 s of it. A minute touched by a missing
 *   epoch, or only partly recorded (the first/last minute of an unaligned recording), is not emitted: it
 *   stays missing (null in the day's minute series), never a partial sum or 0. The epochs that fed only
 *   such minutes are reported as `incompleteEpochs`.
 */
import type { EpochSeries } from '../../contracts/epoch-series.ts';
import type { CanonicalSample } from '../../contracts/healthkit-upload.ts';
import type { QuantityTypeId } from '../../contracts/health-types.ts';
import { quantityTypes } from '../../contracts/health-types.ts';
import { zoneOffsetMinutes } from '../../contracts/time.ts';
import { localIsoToMs } from '../../readers/local-time.ts';
import { buildMinuteSeries, type MinuteSeriesDoc } from '../minute-series.ts';
import type { DeviceClock } from './read.ts';

const MIN = 60_000;
const HOUR = 3_600_000;

/** Offsets of one zone, cached per UTC hour (zones change offset on the hour or half hour at most). */
class ZoneOffsets {
  private readonly cache = new Map<number, number>();
  private readonly zone: string;
  constructor(zone: string) {
    this.zone = zone;
  }
  at(ms: number): number {
    // Half-hour granularity: a few zones switch on the half hour.
    const key = Math.floor(ms / (HOUR / 2));
    let off = this.cache.get(key);
    if (off === undefined) this.cache.set(key, (off = zoneOffsetMinutes(key * (HOUR / 2), this.zone)));
    return off;
  }
  /** The instant a naive local time (ms as if UTC) has in the zone; a skipped time moves forward. */
  instant(naiveMs: number): number {
    const off1 = this.at(naiveMs);
    const t = naiveMs - off1 * MIN;
    const off2 = this.at(t);
    return off2 === off1 ? t : naiveMs - off2 * MIN;
  }
}

export interface MinuteConversion {
  /** Start instants (UTC ms) of the emitted minutes, ascending. */
  minuteStarts: number[];
  /** Their values (sum of the epoch shares). */
  values: number[];
  /** First and last epoch index that fed each minute. */
  firstEpoch: number[];
  lastEpoch: number[];
  /** Non-missing epochs that fed no emitted minute (their minutes were only partly recorded). */
  incompleteEpochs: number;
  /** Epochs with a value / missing epochs in the series. */
  epochsWithData: number;
  missingEpochs: number;
}

export interface EpochMinuteOptions {
  /** IANA zone the local times are placed in. */
  timezone: string;
  /** default 'device' (see the module comment). */
  clock?: DeviceClock;
}

interface Acc {
  sum: number;
  covered: number;
  missing: boolean;
  first: number;
  last: number;
}

export function epochsToMinutes(series: EpochSeries, options: EpochMinuteOptions): MinuteConversion {
  const zone = new ZoneOffsets(options.timezone);
  const clock = options.clock ?? 'device';
  const e = Math.round(series.epochSeconds * 1000);
  if (!(e > 0)) throw new RangeError('epochSeconds must be positive');
  const naive0 = localIsoToMs(series.start);
  const t0 = zone.instant(naive0);
  const acc = new Map<number, Acc>();
  const n = series.values.length;
  let epochsWithData = 0;
  let missingEpochs = 0;
  const fed = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const isMissing = series.missing[i] === 1 || Number.isNaN(series.values[i]);
    if (isMissing) missingEpochs++;
    else epochsWithData++;
    // Missing wall-clock epochs are not placed: their local time may not exist (a spring-forward hour).
    if (isMissing && clock === 'wall') continue;
    const a = clock === 'device' ? t0 + i * e : zone.instant(naive0 + i * e);
    const b = a + e;
    const v = series.values[i] as number;
    for (let m = Math.floor(a / MIN) * MIN; m < b; m += MIN) {
      const ov = Math.min(b, m + MIN) - Math.max(a, m);
      if (ov <= 0) continue;
      let c = acc.get(m);
      if (!c) acc.set(m, (c = { sum: 0, covered: 0, missing: false, first: i, last: i }));
      c.last = i;
      if (isMissing) {
        c.missing = true;
        continue;
      }
      c.sum += ov === e ? v : (v * ov) / e;
      c.covered += ov;
    }
  }
  const out: MinuteConversion = {
    minuteStarts: [],
    values: [],
    firstEpoch: [],
    lastEpoch: [],
    incompleteEpochs: 0,
    epochsWithData,
    missingEpochs,
  };
  for (const m of [...acc.keys()].sort((x, y) => x - y)) {
    const c = acc.get(m) as Acc;
    if (c.missing || c.covered < MIN) continue;
    out.minuteStarts.push(m);
    out.values.push(c.sum);
    out.firstEpoch.push(c.first);
    out.lastEpoch.push(c.last);
    for (let i = c.first; i <= c.last; i++) fed[i] = 1;
  }
  for (let i = 0; i < n; i++) {
    if (!fed[i] && series.missing[i] !== 1 && !Number.isNaN(series.values[i])) out.incompleteEpochs++;
  }
  return out;
}

export interface MinuteSampleSpec {
  type: Extract<QuantityTypeId, 'ClarityActivityCount' | 'HKQuantityTypeIdentifierStepCount'>;
  source: string;
  device?: string | null;
}

/** The emitted minutes as canonical one-minute samples (offset = the zone's at each minute). */
export function minuteSamples(
  conv: MinuteConversion,
  spec: MinuteSampleSpec,
  timezone: string,
): CanonicalSample[] {
  const zone = new ZoneOffsets(timezone);
  const q = quantityTypes[spec.type];
  return conv.minuteStarts.map((m, k) => ({
    type: spec.type,
    metric: q.metric,
    startMs: m,
    endMs: m + MIN,
    offsetMinutes: zone.at(m),
    value: conv.values[k] as number,
    unit: q.canonicalUnit,
    stage: null,
    source: spec.source,
    device: spec.device ?? null,
  }));
}

/** Convenience: the per-day minute series (users/{uid}/series/{metric}_{date} minuteSeries) of an epoch series. */
export function epochMinuteSeries(
  series: EpochSeries,
  spec: MinuteSampleSpec & EpochMinuteOptions,
): MinuteSeriesDoc[] {
  const conv = epochsToMinutes(series, spec);
  return buildMinuteSeries(minuteSamples(conv, spec, spec.timezone), { timezone: spec.timezone });
}
