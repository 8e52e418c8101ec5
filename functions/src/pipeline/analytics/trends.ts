/**
 * Trends and anomalies of the daily values (steps per day, sleep per night): Theil-Sen slope and
 * Mann-Kendall test over the window's days (4 or more observed); robustAnomalies of each day against the
 * trailing baseline built from the user's earlier analyses plus this window.
 */
import { mannKendall, robustAnomalies, theilSen, type AnalysisMetrics } from '@clarity/core';
import { finite } from './values.ts';

export interface Baseline {
  /** Earlier daily values per metric, oldest first, one per day (null for missing). */
  dailySteps: (number | null)[];
  nightlySleep: (number | null)[];
}

type Daily = { date: string; value: number | null }[];

/** The daily series trends run on, each with its earlier values: steps per day, then sleep per night. */
export function dailySeries(
  days: readonly string[],
  activity: AnalysisMetrics['activity'],
  sleep: AnalysisMetrics['sleep'],
  baseline: Baseline,
): [string, Daily, (number | null)[]][] {
  const daily: [string, Daily, (number | null)[]][] = [];
  if (activity) daily.push(['steps', activity.dailySteps, baseline.dailySteps]);
  if (sleep) {
    const byDate = new Map(sleep.nightly.map((n) => [n.date, n.value]));
    daily.push([
      'sleep',
      days.map((date) => ({ date, value: byDate.get(date) ?? null })),
      baseline.nightlySleep,
    ]);
  }
  return daily;
}

export function trendsAndAnomalies(
  daily: readonly [string, Daily, (number | null)[]][],
): Pick<AnalysisMetrics, 'trends' | 'anomalies'> {
  const trends: AnalysisMetrics['trends'] = [];
  const anomalies: AnalysisMetrics['anomalies'] = [];
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
  return { trends, anomalies };
}
