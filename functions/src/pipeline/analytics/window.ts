/**
 * A window's stored series as minute arrays: the per-day minute series documents (the core's
 * buildMinuteSeries over the stored samples) and the movement series the other domains read.
 */
import {
  addDays,
  buildMinuteSeries,
  createEpochSeries,
  type AnalysisWindow,
  type EpochSeries,
  type MinuteSeriesDoc,
  type SeriesDoc,
} from '@clarity/core';
import { samplesOf } from '../../store/series-samples.ts';

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
  /** Per metric, the day before the window (the evening of the first noon-to-noon night). */
  dayBefore: Map<string, MinuteSeriesDoc>;
}

export function windowMinutes(
  docs: readonly SeriesDoc[],
  window: AnalysisWindow,
  timezone: string,
): WindowMinutes {
  const days = windowDays(window);
  const index = new Map(days.map((d, i) => [d, i]));
  const byMetric = new Map<string, (MinuteSeriesDoc | undefined)[]>();
  const dayBefore = new Map<string, MinuteSeriesDoc>();
  const previous = addDays(window.start, -1);
  for (const m of buildMinuteSeries(samplesOf(docs), { timezone })) {
    if (m.date === previous) dayBefore.set(m.metric, m);
    const i = index.get(m.date);
    if (i === undefined) continue;
    let arr = byMetric.get(m.metric);
    if (!arr) byMetric.set(m.metric, (arr = new Array<MinuteSeriesDoc | undefined>(days.length)));
    arr[i] = m;
  }
  return { days, byMetric, dayBefore };
}

/**
 * The window's steps as one minute series: 1440 slots per day (DST days are cut or padded at the end of the
 * day so days stay aligned), 0 for minutes without a sample on days with data, NaN otherwise.
 */
export function stepMinutes(w: WindowMinutes): Float64Array {
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
 * The window's device activity counts as one minute series (1440 slots per day, like stepMinutes):
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
  return { name: 'steps', values: stepMinutes(w) };
}

/** A window's minute values as an epoch series starting at local midnight of its first day. */
export function minuteEpochSeries(
  window: AnalysisWindow,
  timezone: string,
  values: Float64Array,
  name: MovementSeriesName,
): EpochSeries {
  return createEpochSeries({
    start: `${window.start}T00:00:00`,
    epochSeconds: 60,
    values,
    timezone,
    quantity: name === 'steps' ? 'steps' : 'counts',
    source: { format: name === 'steps' ? 'healthkit-steps' : 'activity_counts' },
  });
}

/** Every minute series of a window, read once: what each domain module takes. */
export interface WindowSeries {
  window: AnalysisWindow;
  minutes: WindowMinutes;
  /** Steps only (activity). */
  steps: { values: Float64Array; series: EpochSeries; any: boolean };
  /** Counts when the window has any, else steps (sleep scoring and circadian measures). */
  movement: { name: MovementSeriesName; series: EpochSeries; any: boolean; countSources: string[] };
}

export function windowSeries(
  docs: readonly SeriesDoc[],
  window: AnalysisWindow,
  timezone: string,
): WindowSeries {
  const minutes = windowMinutes(docs, window, timezone);
  const stepValues = stepMinutes(minutes);
  const steps = minuteEpochSeries(window, timezone, stepValues, 'steps');
  const moving = movementSeries(minutes);
  const countSources = [
    ...new Set((minutes.byMetric.get('activity_counts') ?? []).flatMap((d) => d?.sources ?? [])),
  ].sort();
  return {
    window,
    minutes,
    steps: { values: stepValues, series: steps, any: stepValues.some((v) => !Number.isNaN(v)) },
    movement: {
      name: moving.name,
      series:
        moving.name === 'steps' ? steps : minuteEpochSeries(window, timezone, moving.values, moving.name),
      any: moving.values.some((v) => !Number.isNaN(v)),
      countSources,
    },
  };
}
