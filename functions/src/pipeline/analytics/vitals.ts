/**
 * Heart rate and HRV: means of the minute means; HRV is the mean of HealthKit SDNN readings (they are
 * already SDNN values, so hrvTimeDomain, which needs NN intervals, does not apply).
 */
import type { AnalysisMetrics } from '@clarity/core';
import { mean, sumProvenance } from './values.ts';
import type { WindowMinutes } from './window.ts';

/** Every recorded minute mean of a stats metric (heart rate, resting heart rate, SDNN) in the window. */
function minuteMeans(w: WindowMinutes, metric: string): number[] {
  const vals: number[] = [];
  for (const doc of w.byMetric.get(metric) ?? []) {
    if (doc?.kind !== 'stats') continue;
    for (const v of doc.mean) if (v !== null) vals.push(v);
  }
  return vals;
}

export function heartRateMetrics(w: WindowMinutes): AnalysisMetrics['heartRate'] {
  const hr = minuteMeans(w, 'heart_rate');
  const rhr = minuteMeans(w, 'resting_heart_rate');
  if (hr.length + rhr.length === 0) return null;
  return {
    meanBpm: mean(hr),
    restingBpm: mean(rhr),
    provenance: sumProvenance('mean of minute means', w.days.length * 1440, hr.length, {
      source: 'HealthKit heart rate samples',
    }),
  };
}

export function hrvMetrics(w: WindowMinutes): AnalysisMetrics['hrv'] {
  const sdnn = minuteMeans(w, 'hrv_sdnn');
  if (sdnn.length === 0) return null;
  return {
    meanSdnnMs: mean(sdnn),
    provenance: sumProvenance('mean of HealthKit SDNN readings', sdnn.length, sdnn.length, {
      note: 'readings are device-computed SDNN over ~1 min windows',
    }),
  };
}
