/**
 * Activity: activitySummary on the minute step series (Tudor-Locke 2018 cadence cut-points). A minute
 * without a step sample on a day with step data counts as 0 steps: HealthKit writes step samples only while
 * walking, so absence means no steps, not missing data. Days without any step data are missing.
 */
import { activitySummary, type AnalysisMetrics } from '@clarity/core';
import { finite, mean, plainProvenance } from './values.ts';
import type { WindowSeries } from './window.ts';

export function activityMetrics(ws: WindowSeries): AnalysisMetrics['activity'] {
  if (!ws.steps.any) return null;
  const a = activitySummary(ws.steps.series);
  const valid = a.days.filter((d) => d.valid);
  return {
    meanDailySteps: finite(a.meanDailyTotal),
    meanDailyMvpaMinutes: mean(valid.map((d) => d.moderate + d.vigorous)),
    meanDailySedentaryMinutes: mean(valid.map((d) => d.sedentary)),
    validDays: a.totals.validDays,
    dailySteps: ws.minutes.days.map((date) => {
      const day = a.days.find((d) => d.date === date);
      return { date, value: day && day.valid ? day.total : null };
    }),
    provenance: plainProvenance(a.provenance),
  };
}
