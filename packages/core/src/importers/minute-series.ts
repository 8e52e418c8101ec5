/**
 * Per-minute series of one metric over one local day, built from canonical samples (pure functions).
 *
 * A day is the user's local calendar day in an IANA zone, so it has 1440 minutes, or 1380/1500 on the days
 * clocks spring forward/fall back (slot i is the absolute minute [startMs + i min, startMs + (i+1) min);
 * on a fall-back day the repeated hour has its own 60 slots). null means no data for that minute.
 *
 * - Cumulative metrics (steps, distance, energy): each sample is spread over the minutes it covers in
 *   proportion to the overlap; a zero-length sample falls in the minute of its start. Where several sources
 *   have data in a minute, only the highest-priority one counts (rankSource; default Watch, then iPhone,
 *   then other apps), so a phone and a watch counting the same steps are not added up.
 * - Instant metrics (heart rate, HRV, SpO2, respiratory rate, resting/walking HR): mean, min and max of the
 *   samples whose start falls in the minute, over all sources.
 * - Sleep: one stage per minute: among the stage samples overlapping the minute, asleep/awake stages win
 *   over inBed; then the highest-priority source; then the largest overlap; ties go to the more specific
 *   stage (deep, REM, core, unspecified, awake). Stages are coded as HKCategoryValueSleepAnalysis raw
 *   values (index into sleepStages: 0 inBed, 1 asleepUnspecified, 2 awake, 3 asleepCore, 4 asleepDeep, 5 asleepREM).
 *
 * The lead stores one document per metric and day as users/{uid}/series/{metric}_{YYYY-MM-DD}
 * (seriesDocId); the largest, a 1500-minute stats document, is about 40 KB, far below Firestore's 1 MiB.
 */
import { z } from 'zod';
import type { CanonicalSample } from '../contracts/healthkit-upload.ts';
import { quantityTypes, sleepStages, type MetricId, type SleepStage } from '../contracts/health-types.ts';
import { addDays, localDate, zoneOffsetMinutes } from '../contracts/time.ts';

export const metricIds = [
  'heart_rate',
  'resting_heart_rate',
  'walking_heart_rate',
  'hrv_sdnn',
  'steps',
  'distance',
  'active_energy',
  'basal_energy',
  'oxygen_saturation',
  'respiratory_rate',
  'sleep',
  'activity_counts',
] as const satisfies readonly MetricId[];

const minuteValues = z.array(z.number().finite().nullable());

const seriesBase = z.object({
  /** An analytics metric (metricIds) or any other stored HealthKit type's metric. */
  metric: z.string().min(1).max(120),
  /** Local calendar date, YYYY-MM-DD. */
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  /** IANA zone the day was cut in. */
  timezone: z.string().min(1).max(64),
  /** UTC epoch ms of the day's local midnight (slot 0). */
  startMs: z.number().int(),
  /** Slots in the day: 1440, or 1380/1500 on DST switch days (1410/1470 in half-hour-DST zones). */
  minutes: z.number().int().min(1380).max(1500),
  /** Unit of the values (null for sleep states). */
  unit: z.string().max(20).nullable(),
  /** Sources whose data the arrays hold (after priority resolution), sorted. */
  sources: z.array(z.string().max(200)).max(100),
  /** Minutes with data. */
  coverage: z.number().int().min(0),
});

export const sumSeriesSchema = seriesBase.extend({ kind: z.literal('sum'), values: minuteValues });
export const statsSeriesSchema = seriesBase.extend({
  kind: z.literal('stats'),
  mean: minuteValues,
  min: minuteValues,
  max: minuteValues,
});
export const stateSeriesSchema = seriesBase.extend({
  kind: z.literal('state'),
  states: z.array(z.number().int().min(0).max(5).nullable()),
  stateLabels: z.array(z.enum(sleepStages)),
});

/** The per-day document (users/{uid}/series/{metric}_{YYYY-MM-DD}); every array has `minutes` entries. */
export const minuteSeriesDocSchema = z
  .discriminatedUnion('kind', [sumSeriesSchema, statsSeriesSchema, stateSeriesSchema])
  .superRefine((doc, ctx) => {
    const arrays: [string, unknown[]][] =
      doc.kind === 'sum'
        ? [['values', doc.values]]
        : doc.kind === 'stats'
          ? [
              ['mean', doc.mean],
              ['min', doc.min],
              ['max', doc.max],
            ]
          : [['states', doc.states]];
    for (const [name, a] of arrays) {
      if (a.length !== doc.minutes)
        ctx.addIssue({ code: 'custom', path: [name], message: `must have ${doc.minutes} entries` });
    }
  });

export type MinuteSeriesDoc = z.infer<typeof minuteSeriesDocSchema>;
export type SumSeriesDoc = z.infer<typeof sumSeriesSchema>;
export type StatsSeriesDoc = z.infer<typeof statsSeriesSchema>;
export type StateSeriesDoc = z.infer<typeof stateSeriesSchema>;

/** Firestore document id of a series document. */
export function seriesDocId(metric: MetricId, date: string): string {
  return `${metric}_${date}`;
}

/** Lower rank wins. */
export type SourceRanker = (source: string, device: string | null) => number;

/**
 * Default source priority: an Apple Watch (by source name or device description) first, then an iPhone,
 * then anything else (third-party apps). A deployment can pass its own ranking, e.g. from user settings.
 */
export const defaultSourceRank: SourceRanker = (source, device) => {
  const s = `${source} ${device ?? ''}`.toLowerCase();
  if (s.includes('watch')) return 0;
  if (s.includes('iphone')) return 1;
  return 2;
};

const MIN = 60_000;

/** UTC ms of local midnight starting `date` in `timeZone`. */
export function localMidnight(date: string, timeZone: string): number {
  const guess = Date.parse(`${date}T00:00:00Z`);
  const off1 = zoneOffsetMinutes(guess, timeZone);
  const t = guess - off1 * MIN;
  const off2 = zoneOffsetMinutes(t, timeZone);
  return off2 === off1 ? t : guess - off2 * MIN;
}

/** The minute grid of a local day: its first instant and its number of minutes (1380, 1440 or 1500). */
export function dayGrid(date: string, timeZone: string): { startMs: number; minutes: number } {
  const startMs = localMidnight(date, timeZone);
  const next = localMidnight(addDays(date, 1), timeZone);
  return { startMs, minutes: Math.round((next - startMs) / MIN) };
}

/** Local date (in timeZone) of an instant. */
export function zoneDate(ms: number, timeZone: string): string {
  return localDate(ms, zoneOffsetMinutes(ms, timeZone));
}

type Kind = 'sum' | 'stats' | 'state';

/** undefined: no minute view (category types other than sleep keep their samples only). */
function kindOf(s: CanonicalSample): Kind | undefined {
  if (s.metric === 'sleep') return 'state';
  if (s.category !== undefined && s.category !== null) return undefined;
  if (s.value === null) return undefined;
  const spec = (quantityTypes as Record<string, { aggregation: string } | undefined>)[s.type];
  return spec?.aggregation === 'cumulative' ? 'sum' : 'stats';
}

/** Local dates a sample touches: from its start's date to its last instant's date. */
function datesOf(s: CanonicalSample, tz: string, kind: Kind): string[] {
  const first = zoneDate(s.startMs, tz);
  if (kind === 'stats' || s.endMs <= s.startMs) return [first];
  const last = zoneDate(s.endMs - 1, tz);
  const out = [first];
  for (let d = first; d < last && out.length < 3;) {
    d = addDays(d, 1);
    out.push(d);
  }
  return out;
}

// Tie order for sleep stages in one minute: more specific first.
const stageTieOrder: Record<SleepStage, number> = {
  asleepDeep: 0,
  asleepREM: 1,
  asleepCore: 2,
  asleepUnspecified: 3,
  awake: 4,
  inBed: 5,
};

export interface MinuteSeriesOptions {
  /** IANA zone of the user's days. */
  timezone: string;
  /** Source priority for cumulative metrics and sleep (lower wins); default defaultSourceRank. */
  rankSource?: SourceRanker;
}

/**
 * Builds the per-day minute series of every metric and local day the samples touch, sorted by metric then
 * date. Samples may come in any order and from several sources.
 */
export function buildMinuteSeries(
  samples: readonly CanonicalSample[],
  options: MinuteSeriesOptions,
): MinuteSeriesDoc[] {
  const tz = options.timezone;
  const rank = options.rankSource ?? defaultSourceRank;
  const groups = new Map<
    string,
    { metric: MetricId; date: string; kind: Kind; unit: string | null; samples: CanonicalSample[] }
  >();
  for (const s of samples) {
    const kind = kindOf(s);
    if (kind === undefined) continue;
    for (const date of datesOf(s, tz, kind)) {
      const key = `${s.metric}\u0000${date}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { metric: s.metric, date, kind, unit: s.unit, samples: [] }));
      g.samples.push(s);
    }
  }
  const docs: MinuteSeriesDoc[] = [];
  for (const g of groups.values()) {
    const grid = dayGrid(g.date, tz);
    const base = {
      metric: g.metric,
      date: g.date,
      timezone: tz,
      startMs: grid.startMs,
      minutes: grid.minutes,
    };
    if (g.kind === 'sum')
      docs.push({ ...base, ...sumMinutes(g.samples, grid, rank), unit: g.unit, kind: 'sum' });
    else if (g.kind === 'stats')
      docs.push({ ...base, ...statsMinutes(g.samples, grid), unit: g.unit, kind: 'stats' });
    else
      docs.push({
        ...base,
        ...stateMinutes(g.samples, grid, rank),
        unit: null,
        kind: 'state',
        stateLabels: [...sleepStages],
      });
  }
  return docs.sort((a, b) =>
    a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : a.date < b.date ? -1 : a.date > b.date ? 1 : 0,
  );
}

interface Grid {
  startMs: number;
  minutes: number;
}

/** Calls fn(minute index, overlap ms) for each minute of the grid that [start, end) overlaps. */
function forOverlaps(start: number, end: number, grid: Grid, fn: (i: number, overlap: number) => void): void {
  const gridEnd = grid.startMs + grid.minutes * MIN;
  const a = Math.max(start, grid.startMs);
  const b = Math.min(end, gridEnd);
  if (b <= a) return;
  for (let i = Math.floor((a - grid.startMs) / MIN); i < grid.minutes; i++) {
    const m0 = grid.startMs + i * MIN;
    if (m0 >= b) break;
    const ov = Math.min(b, m0 + MIN) - Math.max(a, m0);
    if (ov > 0) fn(i, ov);
  }
}

/** Spreads cumulative samples over minutes, keeping per minute only the best-ranked source with data. */
export function sumMinutes(
  samples: readonly CanonicalSample[],
  grid: Grid,
  rank: SourceRanker = defaultSourceRank,
): { values: (number | null)[]; sources: string[]; coverage: number } {
  const perSource = new Map<string, { rank: number; amount: Float64Array; has: Uint8Array }>();
  for (const s of samples) {
    if (s.value === null) continue;
    let ps = perSource.get(s.source);
    if (!ps) {
      ps = {
        rank: rank(s.source, s.device),
        amount: new Float64Array(grid.minutes),
        has: new Uint8Array(grid.minutes),
      };
      perSource.set(s.source, ps);
    }
    const p = ps;
    const value = s.value;
    if (s.endMs <= s.startMs) {
      const i = Math.floor((s.startMs - grid.startMs) / MIN);
      if (i >= 0 && i < grid.minutes) {
        p.amount[i] = (p.amount[i] as number) + value;
        p.has[i] = 1;
      }
      continue;
    }
    const span = s.endMs - s.startMs;
    forOverlaps(s.startMs, s.endMs, grid, (i, ov) => {
      p.amount[i] = (p.amount[i] as number) + (value * ov) / span;
      p.has[i] = 1;
    });
  }
  // Best rank first; equal ranks in name order, so the choice does not depend on input order.
  const ordered = [...perSource.entries()].sort((x, y) => x[1].rank - y[1].rank || (x[0] < y[0] ? -1 : 1));
  const values: (number | null)[] = new Array<number | null>(grid.minutes).fill(null);
  const used = new Set<string>();
  let coverage = 0;
  for (let i = 0; i < grid.minutes; i++) {
    for (const [name, ps] of ordered) {
      if (ps.has[i]) {
        values[i] = ps.amount[i] as number;
        used.add(name);
        coverage++;
        break;
      }
    }
  }
  return { values, sources: [...used].sort(), coverage };
}

/** Per-minute mean, min and max of instant samples (by the minute of their start), over all sources. */
export function statsMinutes(
  samples: readonly CanonicalSample[],
  grid: Grid,
): {
  mean: (number | null)[];
  min: (number | null)[];
  max: (number | null)[];
  sources: string[];
  coverage: number;
} {
  const n = grid.minutes;
  const sum = new Float64Array(n);
  const count = new Uint32Array(n);
  const min: (number | null)[] = new Array<number | null>(n).fill(null);
  const max: (number | null)[] = new Array<number | null>(n).fill(null);
  const used = new Set<string>();
  for (const s of samples) {
    if (s.value === null) continue;
    const i = Math.floor((s.startMs - grid.startMs) / MIN);
    if (i < 0 || i >= n) continue;
    sum[i] = (sum[i] as number) + s.value;
    count[i] = (count[i] as number) + 1;
    const lo = min[i];
    const hi = max[i];
    if (lo === null || lo === undefined || s.value < lo) min[i] = s.value;
    if (hi === null || hi === undefined || s.value > hi) max[i] = s.value;
    used.add(s.source);
  }
  const mean: (number | null)[] = new Array<number | null>(n).fill(null);
  let coverage = 0;
  for (let i = 0; i < n; i++) {
    const c = count[i] as number;
    if (c > 0) {
      mean[i] = (sum[i] as number) / c;
      coverage++;
    }
  }
  return { mean, min, max, sources: [...used].sort(), coverage };
}

/** One sleep stage per minute (see the module comment for the rule). */
export function stateMinutes(
  samples: readonly CanonicalSample[],
  grid: Grid,
  rank: SourceRanker = defaultSourceRank,
): { states: (number | null)[]; sources: string[]; coverage: number } {
  interface Best {
    asleep: boolean;
    rank: number;
    overlap: number;
    tie: number;
    stage: SleepStage;
    source: string;
  }
  const best: (Best | undefined)[] = new Array<Best | undefined>(grid.minutes);
  const better = (a: Best, b: Best | undefined): boolean => {
    if (!b) return true;
    if (a.asleep !== b.asleep) return a.asleep;
    if (a.rank !== b.rank) return a.rank < b.rank;
    if (a.overlap !== b.overlap) return a.overlap > b.overlap;
    if (a.tie !== b.tie) return a.tie < b.tie;
    return a.source < b.source;
  };
  for (const s of samples) {
    const stage = s.stage;
    if (stage === null) continue;
    const r = rank(s.source, s.device);
    forOverlaps(s.startMs, s.endMs, grid, (i, ov) => {
      const cand: Best = {
        asleep: stage !== 'inBed',
        rank: r,
        overlap: ov,
        tie: stageTieOrder[stage],
        stage,
        source: s.source,
      };
      if (better(cand, best[i])) best[i] = cand;
    });
  }
  const states: (number | null)[] = new Array<number | null>(grid.minutes).fill(null);
  const used = new Set<string>();
  let coverage = 0;
  for (let i = 0; i < grid.minutes; i++) {
    const b = best[i];
    if (!b) continue;
    states[i] = sleepStages.indexOf(b.stage);
    used.add(b.source);
    coverage++;
  }
  return { states, sources: [...used].sort(), coverage };
}
