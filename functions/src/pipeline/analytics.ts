/**
 * The analyze stage's computation, pure: per-day series documents of a window in, analysis metrics out.
 * Stored samples (the `samples` maps ingest writes) become per-minute arrays through the core's
 * buildMinuteSeries (source priority, proportional spreading, DST-aware days), then the core analytics run:
 *
 * - activity: activitySummary on the minute step series (Tudor-Locke 2018 cadence cut-points). A minute
 *   without a step sample on a day with step data counts as 0 steps: HealthKit writes step samples only
 *   while walking, so absence means no steps, not missing data. Days without any step data are missing.
 * - movement series for sleep scoring and circadian measures: device activity counts (`activity_counts`,
 *   from actigraphy uploads) when the window has any, as the scorers and IS/IV/L5/M10 were validated on
 *   counts; otherwise steps. A count minute without a value is missing (the device did not record), never 0.
 *   Which series was used is recorded in the provenance (`parameters.movementSeries`).
 * - sleep: from HealthKit sleep stages when present (asleep minutes per noon-to-noon night); otherwise scored
 *   from the movement series, then Tudor-Locke periods: Actiwatch counts with Oakley (Actiware, threshold
 *   40), other counts with Cole-Kripke as ActiLife runs it (counts/100, cap 300), steps with Cole-Kripke at
 *   divisor 5, labelled an estimate (the scorers were validated on wrist activity counts, not on steps).
 * - circadian: IS/IV/RA/L5/M10 (circadianMetrics, 60-min bins) on the movement series; on counts, Choi 2011
 *   non-wear is masked first (an actigraph's off-wrist zeros would otherwise read as rest).
 * - heart rate / HRV: means of the minute means; HRV is the mean of HealthKit SDNN readings (they are
 *   already SDNN values, so hrvTimeDomain, which needs NN intervals, does not apply).
 * - trends: Theil-Sen slope + Mann-Kendall test over the daily values; anomalies: robustAnomalies of each
 *   day against the trailing baseline built from the user's earlier analyses plus this window.
 */
import {
  addDays,
  activitySummary,
  buildMinuteSeries,
  choiNonWear,
  circadianMetrics,
  coleKripke,
  createEpochSeries,
  mannKendall,
  maskEpochs,
  oakley,
  robustAnomalies,
  theilSen,
  tudorLocke,
  type AnalysisMetrics,
  type AnalysisWindow,
  type EpochSeries,
  type MinuteSeriesDoc,
  type Provenance,
  type SeriesDoc,
  type SleepPeriod,
} from '@clarity/core';
import { samplesOf } from '../store/series-samples.ts';

/** Days of the window, inclusive. */
export function windowDays(w: AnalysisWindow): string[] {
  const out: string[] = [];
  for (let d = w.start; d <= w.end && out.length <= 366; d = addDays(d, 1)) out.push(d);
  return out;
}

export interface WindowMinutes {
  days: string[];
  /** Per metric, per day of the window: the minute series document, or undefined for a day without data. */
  byMetric: Map<string, (MinuteSeriesDoc | undefined)[]>;
}

export function windowMinutes(
  docs: readonly SeriesDoc[],
  window: AnalysisWindow,
  timezone: string,
): WindowMinutes {
  const days = windowDays(window);
  const index = new Map(days.map((d, i) => [d, i]));
  const byMetric = new Map<string, (MinuteSeriesDoc | undefined)[]>();
  for (const m of buildMinuteSeries(samplesOf(docs), { timezone })) {
    const i = index.get(m.date);
    if (i === undefined) continue;
    let arr = byMetric.get(m.metric);
    if (!arr) byMetric.set(m.metric, (arr = new Array<MinuteSeriesDoc | undefined>(days.length)));
    arr[i] = m;
  }
  return { days, byMetric };
}

/**
 * The window's movement (steps) as one minute series: 1440 slots per day (DST days are cut or padded at the
 * end of the day so days stay aligned), 0 for minutes without a sample on days with data, NaN otherwise.
 */
export function movementMinutes(w: WindowMinutes): Float64Array {
  const out = new Float64Array(w.days.length * 1440).fill(Number.NaN);
  const steps = w.byMetric.get('steps') ?? [];
  w.days.forEach((_, d) => {
    const doc = steps[d];
    if (!doc || doc.kind !== 'sum') return;
    for (let i = 0; i < 1440; i++) out[d * 1440 + i] = i < doc.values.length ? (doc.values[i] ?? 0) : 0;
  });
  return out;
}

/**
 * The window's device activity counts as one minute series (1440 slots per day, like movementMinutes):
 * minutes without a value are missing (NaN), since an actigraph records every minute it is worn.
 */
export function countMinutes(w: WindowMinutes): Float64Array {
  const out = new Float64Array(w.days.length * 1440).fill(Number.NaN);
  const counts = w.byMetric.get('activity_counts') ?? [];
  w.days.forEach((_, d) => {
    const doc = counts[d];
    if (!doc || doc.kind !== 'sum') return;
    for (let i = 0; i < Math.min(1440, doc.values.length); i++) {
      const v = doc.values[i];
      if (v !== null && v !== undefined) out[d * 1440 + i] = v;
    }
  });
  return out;
}

export type MovementSeriesName = 'activity_counts' | 'steps';

/** The series sleep scoring and circadian measures run on: counts when the window has any, else steps. */
export function movementSeries(w: WindowMinutes): { name: MovementSeriesName; values: Float64Array } {
  const counts = countMinutes(w);
  if (counts.some((v) => !Number.isNaN(v))) return { name: 'activity_counts', values: counts };
  return { name: 'steps', values: movementMinutes(w) };
}

const finite = (v: number | undefined | null): number | null =>
  v === undefined || v === null || !Number.isFinite(v) ? null : v;

function mean(values: number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

function plainProvenance(
  p: Provenance,
): AnalysisMetrics['circadian'] extends infer C ? (C extends { provenance: infer P } ? P : never) : never {
  // Provenance parameters can hold typed arrays or NaN: keep JSON-safe scalars and short arrays only.
  const parameters: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p.parameters)) {
    if (typeof v === 'number') parameters[k] = Number.isFinite(v) ? v : null;
    else if (typeof v === 'string' || typeof v === 'boolean' || v === null) parameters[k] = v;
    else if (
      Array.isArray(v) &&
      v.length <= 16 &&
      v.every((x) => typeof x === 'number' || typeof x === 'string')
    )
      parameters[k] = v;
    else if (v && typeof v === 'object' && !ArrayBuffer.isView(v))
      parameters[k] = JSON.parse(JSON.stringify(v)) as unknown;
  }
  return {
    algorithm: p.algorithm,
    ...(p.variant ? { variant: p.variant } : {}),
    parameters,
    ...(p.epochSeconds ? { epochSeconds: p.epochSeconds } : {}),
    coverage: { ...p.coverage },
  };
}

function sumProvenance(algorithm: string, total: number, valid: number, parameters: Record<string, unknown>) {
  return { algorithm, parameters, coverage: { total, valid, fraction: total === 0 ? 0 : valid / total } };
}

const asleepStates = new Set([1, 3, 4, 5]);

function sleepFromStages(w: WindowMinutes): AnalysisMetrics['sleep'] {
  const docs = w.byMetric.get('sleep') ?? [];
  if (!docs.some((d) => d)) return null;
  // Noon-to-noon nights: the night ending on day d covers the second half of day d-1 and the first of d.
  const nightly: { date: string; value: number | null }[] = [];
  const effs: number[] = [];
  const onsets: number[] = [];
  for (let d = 0; d < w.days.length; d++) {
    let asleep = 0;
    let recorded = 0;
    let onset: number | undefined;
    const halves: [MinuteSeriesDoc | undefined, number, number][] = [
      [d > 0 ? docs[d - 1] : undefined, 720, 1440],
      [docs[d], 0, 720],
    ];
    halves.forEach(([doc, from, to], half) => {
      if (!doc || doc.kind !== 'state') return;
      for (let i = from; i < Math.min(to, doc.states.length); i++) {
        const s = doc.states[i];
        if (s === null || s === undefined) continue;
        recorded++;
        if (asleepStates.has(s)) {
          asleep++;
          onset ??= half === 0 ? i - 1440 : i;
        }
      }
    });
    const date = w.days[d] as string;
    if (recorded === 0) continue;
    nightly.push({ date, value: asleep });
    effs.push(asleep / recorded);
    if (onset !== undefined) onsets.push(onset);
  }
  const totals = nightly.map((n) => n.value ?? 0);
  const onsetMean = mean(onsets);
  return {
    basis: 'healthkit_stages',
    nights: nightly.length,
    meanTotalSleepMinutes: mean(totals),
    meanEfficiency: mean(effs),
    meanOnsetClock: onsetMean === null ? null : clock(onsetMean),
    nightly,
    provenance: sumProvenance('healthkit-sleep-stages', w.days.length, nightly.length, {
      night: 'noon-to-noon, dated by the morning',
      asleepStages: ['asleepUnspecified', 'asleepCore', 'asleepDeep', 'asleepREM'],
      efficiency: 'asleep minutes / minutes with any stage recorded',
    }),
  };
}

function clock(minuteOfDay: number): string {
  const m = ((Math.round(minuteOfDay) % 1440) + 1440) % 1440;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/** Cole-Kripke count divisor used on step series (ActiLife uses 100 on counts). */
export const stepsDivisor = 5;

/**
 * The epoch scorer for a movement series, by what recorded it (packages/core/README.md, sleep scoring): Actiwatch counts
 * with Oakley's weights at Actiware's medium threshold (40), the scorer made for that device; other
 * (ActiGraph-scale) counts with Cole-Kripke as ActiLife runs it (counts/100, cap 300); steps with
 * Cole-Kripke at divisor 5 (steps run about 20 times lower than an Actiwatch's counts): not validated,
 * labelled an estimate.
 */
function scoreMovement(
  series: EpochSeries,
  name: MovementSeriesName,
  countSources: readonly string[],
): { scoring: ReturnType<typeof coleKripke>; scorer: string; note?: string } {
  if (name === 'steps')
    return {
      scoring: coleKripke(series, { divisor: stepsDivisor }),
      scorer: `cole-kripke (actilife weights) on minute step counts, divisor ${stepsDivisor}`,
      note: 'scorer validated on wrist activity counts; estimate only',
    };
  if (countSources.length > 0 && countSources.every((s) => /^actiwatch/i.test(s)))
    return {
      scoring: oakley(series, { threshold: 40 }),
      scorer: 'oakley 1997 (actiware, medium threshold 40) on minute Actiwatch activity counts',
    };
  return {
    scoring: coleKripke(series),
    scorer: 'cole-kripke (actilife: counts/100, cap 300) on minute activity counts',
  };
}

function sleepFromMovement(
  series: EpochSeries,
  days: string[],
  name: MovementSeriesName,
  countSources: readonly string[],
): AnalysisMetrics['sleep'] {
  const { scoring, scorer, note } = scoreMovement(series, name, countSources);
  const found = tudorLocke(scoring);
  // One sleep per night: the longest period ending on each day (naps and fragments are not nights).
  const byNight = new Map<string, SleepPeriod>();
  for (const p of found.periods) {
    const date = days[Math.min(days.length - 1, Math.floor(p.endIndex / 1440))] as string;
    const cur = byNight.get(date);
    if (!cur || p.totalSleepMinutes > cur.totalSleepMinutes) byNight.set(date, p);
  }
  if (byNight.size === 0) return null;
  const periods = { ...found, periods: [...byNight.values()] };
  const nightly = [...byNight.entries()].map(([date, p]) => ({ date, value: p.totalSleepMinutes }));
  const onsets = periods.periods.map((p) => {
    const m = /T(\d{2}):(\d{2})/.exec(p.onset);
    const min = m ? Number(m[1]) * 60 + Number(m[2]) : 0;
    return min >= 720 ? min - 1440 : min;
  });
  const onsetMean = mean(onsets);
  return {
    basis: 'movement_scoring',
    nights: periods.periods.length,
    meanTotalSleepMinutes: mean(periods.periods.map((p) => p.totalSleepMinutes)),
    meanEfficiency: finite(mean(periods.periods.map((p) => p.efficiency / 100))),
    meanOnsetClock: onsetMean === null ? null : clock(onsetMean),
    nightly,
    provenance: {
      ...plainProvenance(periods.provenance),
      parameters: {
        ...plainProvenance(periods.provenance).parameters,
        movementSeries: name,
        scorer,
        ...(note ? { note } : {}),
        ...(name === 'activity_counts' ? { countSources: [...countSources] } : {}),
        nightRule: 'longest Tudor-Locke period ending on each day',
      },
    },
  };
}

export interface AnalysisResult {
  metrics: AnalysisMetrics;
  coverage: { days: number; minutesWithData: Record<string, number> };
  degraded: string[];
}

export interface Baseline {
  /** Earlier daily values per metric, oldest first, one per day (null for missing). */
  dailySteps: (number | null)[];
  nightlySleep: (number | null)[];
}

export function computeAnalysis(
  docs: readonly SeriesDoc[],
  window: AnalysisWindow,
  timezone: string,
  baseline: Baseline = { dailySteps: [], nightlySleep: [] },
): AnalysisResult {
  const w = windowMinutes(docs, window, timezone);
  const degraded: string[] = [];
  const minutesWithData: Record<string, number> = {};
  for (const [metric, arr] of w.byMetric)
    minutesWithData[metric] = arr.reduce((a, d) => a + (d?.coverage ?? 0), 0);

  const movement = movementMinutes(w);
  const hasMovement = movement.some((v) => !Number.isNaN(v));
  const series = createEpochSeries({
    start: `${window.start}T00:00:00`,
    epochSeconds: 60,
    values: movement,
    timezone,
    quantity: 'steps',
    source: { format: 'healthkit-steps' },
  });
  // Sleep scoring and circadian measures: counts when present, else the steps series above.
  const moving = movementSeries(w);
  const hasMoving = moving.values.some((v) => !Number.isNaN(v));
  const scored =
    moving.name === 'steps'
      ? series
      : createEpochSeries({
          start: `${window.start}T00:00:00`,
          epochSeconds: 60,
          values: moving.values,
          timezone,
          quantity: 'counts',
          source: { format: 'activity_counts' },
        });

  let activity: AnalysisMetrics['activity'] = null;
  if (hasMovement) {
    const a = activitySummary(series);
    const valid = a.days.filter((d) => d.valid);
    activity = {
      meanDailySteps: finite(a.meanDailyTotal),
      meanDailyMvpaMinutes: mean(valid.map((d) => d.moderate + d.vigorous)),
      meanDailySedentaryMinutes: mean(valid.map((d) => d.sedentary)),
      validDays: a.totals.validDays,
      dailySteps: w.days.map((date) => {
        const day = a.days.find((d) => d.date === date);
        return { date, value: day && day.valid ? day.total : null };
      }),
      provenance: plainProvenance(a.provenance),
    };
  } else if (!hasMoving) degraded.push('no movement data in window');
  else degraded.push('no step data in window');

  const countSources = [
    ...new Set((w.byMetric.get('activity_counts') ?? []).flatMap((d) => d?.sources ?? [])),
  ].sort();
  const sleep =
    sleepFromStages(w) ?? (hasMoving ? sleepFromMovement(scored, w.days, moving.name, countSources) : null);
  if (!sleep) degraded.push('no sleep data in window');

  let circadian: AnalysisMetrics['circadian'] = null;
  if (hasMoving && w.days.length >= 2) {
    let input = scored;
    const masking: Record<string, unknown> = {};
    if (moving.name === 'activity_counts') {
      const nonWear = choiNonWear(scored);
      input = maskEpochs(scored, nonWear.mask);
      masking.nonWear = 'choi-2011 (actilife 90/30/2 min), masked before binning';
      masking.nonWearMinutes = nonWear.nonWearEpochs;
    }
    const c = circadianMetrics(input);
    const p = plainProvenance(c.provenance);
    circadian = {
      IS: finite(c.IS),
      IV: finite(c.IV),
      RA: finite(c.RA),
      L5Start: c.L5Start,
      M10Start: c.M10Start,
      provenance: { ...p, parameters: { ...p.parameters, movementSeries: moving.name, ...masking } },
    };
  }

  const minuteMeans = (metric: string): number[] => {
    const vals: number[] = [];
    for (const doc of w.byMetric.get(metric) ?? []) {
      if (doc?.kind !== 'stats') continue;
      for (const v of doc.mean) if (v !== null) vals.push(v);
    }
    return vals;
  };
  const hr = minuteMeans('heart_rate');
  const rhr = minuteMeans('resting_heart_rate');
  const heartRate: AnalysisMetrics['heartRate'] =
    hr.length + rhr.length > 0
      ? {
          meanBpm: mean(hr),
          restingBpm: mean(rhr),
          provenance: sumProvenance('mean of minute means', w.days.length * 1440, hr.length, {
            source: 'HealthKit heart rate samples',
          }),
        }
      : null;
  const sdnn = minuteMeans('hrv_sdnn');
  const hrv: AnalysisMetrics['hrv'] =
    sdnn.length > 0
      ? {
          meanSdnnMs: mean(sdnn),
          provenance: sumProvenance('mean of HealthKit SDNN readings', sdnn.length, sdnn.length, {
            note: 'readings are device-computed SDNN over ~1 min windows',
          }),
        }
      : null;

  const trends: AnalysisMetrics['trends'] = [];
  const anomalies: AnalysisMetrics['anomalies'] = [];
  const daily: [string, { date: string; value: number | null }[], (number | null)[]][] = [];
  if (activity) daily.push(['steps', activity.dailySteps, baseline.dailySteps]);
  if (sleep) {
    const byDate = new Map(sleep.nightly.map((n) => [n.date, n.value]));
    daily.push([
      'sleep',
      w.days.map((date) => ({ date, value: byDate.get(date) ?? null })),
      baseline.nightlySleep,
    ]);
  }
  for (const [metric, values, earlier] of daily) {
    const ys = values.map((v) => v.value ?? Number.NaN);
    const observed = ys.filter((v) => !Number.isNaN(v)).length;
    if (observed >= 4) {
      const ts = theilSen(ys);
      const mk = mannKendall(ys);
      trends.push({
        metric,
        slopePerDay: finite(ts.slope),
        direction: mk.trend,
        pValue: finite(mk.p),
        n: mk.n,
      });
    }
    const all = [...earlier.map((v) => v ?? Number.NaN), ...ys];
    const an = robustAnomalies(all);
    for (const i of an.anomalies) {
      const local = i - earlier.length;
      const p = an.points[i];
      if (local < 0 || !p) continue;
      anomalies.push({
        metric,
        date: values[local]?.date as string,
        value: finite(p.value),
        baselineMedian: finite(p.median),
        z: finite(p.z),
        direction: p.direction ?? (p.z > 0 ? 'high' : 'low'),
      });
    }
  }

  return {
    metrics: { activity, sleep, circadian, heartRate, hrv, trends, anomalies },
    coverage: { days: w.days.length, minutesWithData },
    degraded,
  };
}
