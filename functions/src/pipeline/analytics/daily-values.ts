/**
 * One value per day for one metric, the way the analysis computes its daily numbers; used by
 * GET /v1/health/trends so the API and the analysis cannot disagree.
 */
import { stageNights } from './sleep.ts';
import type { WindowMinutes } from './window.ts';

/**
 * Cumulative metrics: the day's total of the minute series (one source per minute by priority, samples that
 * cross midnight split in proportion); instantaneous ones: the mean of the day's minute means; sleep: the
 * asleep minutes of the noon-to-noon night dated by that morning. null for a day without data.
 */
export function dailyMetricValues(
  w: WindowMinutes,
  metric: string,
): { date: string; value: number | null }[] {
  if (metric === 'sleep') {
    const nights = new Map(stageNights(w).map((n) => [n.date, n.asleep]));
    return w.days.map((date) => ({ date, value: nights.get(date) ?? null }));
  }
  const docs = w.byMetric.get(metric) ?? [];
  return w.days.map((date, d) => {
    const doc = docs[d];
    let sum = 0;
    let n = 0;
    if (doc?.kind === 'sum' || doc?.kind === 'stats') {
      for (const v of doc.kind === 'sum' ? doc.values : doc.mean) {
        if (v === null || v === undefined) continue;
        sum += v;
        n++;
      }
    }
    if (n === 0) return { date, value: null };
    return { date, value: doc?.kind === 'sum' ? sum : sum / n };
  });
}
