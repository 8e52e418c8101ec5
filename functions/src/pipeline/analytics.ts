/**
 * The analyze stage's computation, pure: per-day series documents of a window in, analysis metrics out.
 * Stored samples (the `samples` maps ingest writes) become per-minute arrays through the core's
 * buildMinuteSeries (source priority, proportional spreading, DST-aware days; analytics/window.ts), then one
 * module per domain runs the core analytics:
 *
 * - analytics/activity.ts: activitySummary on the minute step series (steps only);
 * - analytics/sleep.ts: HealthKit sleep stages when present, else the movement series scored;
 * - analytics/circadian.ts: IS/IV/RA/L5/M10 on the movement series;
 * - analytics/vitals.ts: heart rate and HRV means;
 * - analytics/trends.ts: trends and anomalies of the daily values against the baseline.
 *
 * The movement series is device activity counts (`activity_counts`, from actigraphy uploads) when the window
 * has any, as the scorers and IS/IV/L5/M10 were validated on counts; otherwise steps. A count minute without
 * a value is missing (the device did not record), never 0. Which series was used is recorded in the
 * provenance (`parameters.movementSeries`).
 */
import type { AnalysisMetrics, AnalysisWindow, SeriesDoc } from '@clarity/core';
import { activityMetrics } from './analytics/activity.ts';
import { circadianRhythm } from './analytics/circadian.ts';
import { sleepMetrics } from './analytics/sleep.ts';
import { dailySeries, trendsAndAnomalies, type Baseline } from './analytics/trends.ts';
import { heartRateMetrics, hrvMetrics } from './analytics/vitals.ts';
import { windowSeries } from './analytics/window.ts';

export type { Baseline } from './analytics/trends.ts';
export { dailyMetricValues } from './analytics/daily-values.ts';
export { stageNights, type StageNight } from './analytics/sleep.ts';
export {
  countMinutes,
  movementSeries,
  stepMinutes,
  windowDays,
  windowMinutes,
  type MovementSeriesName,
  type WindowMinutes,
} from './analytics/window.ts';

export interface AnalysisResult {
  metrics: AnalysisMetrics;
  coverage: { days: number; minutesWithData: Record<string, number> };
  degraded: string[];
}

export function computeAnalysis(
  docs: readonly SeriesDoc[],
  window: AnalysisWindow,
  timezone: string,
  baseline: Baseline = { dailySteps: [], nightlySleep: [] },
): AnalysisResult {
  const ws = windowSeries(docs, window, timezone);
  const { days, byMetric } = ws.minutes;
  const minutesWithData: Record<string, number> = {};
  for (const [metric, arr] of byMetric)
    minutesWithData[metric] = arr.reduce((a, d) => a + (d?.coverage ?? 0), 0);

  const activity = activityMetrics(ws);
  const sleep = sleepMetrics(ws);
  const degraded: string[] = [];
  if (!activity) degraded.push(ws.movement.any ? 'no step data in window' : 'no movement data in window');
  if (!sleep) degraded.push('no sleep data in window');
  const { trends, anomalies } = trendsAndAnomalies(dailySeries(days, activity, sleep, baseline));
  return {
    metrics: {
      activity,
      sleep,
      circadian: circadianRhythm(ws),
      heartRate: heartRateMetrics(ws.minutes),
      hrv: hrvMetrics(ws.minutes),
      trends,
      anomalies,
    },
    coverage: { days: days.length, minutesWithData },
    degraded,
  };
}
