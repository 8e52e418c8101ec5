/**
 * A stored analysis (users/{uid}/analyses/{id}: window, zone, metrics) as export analysis results, each
 * with the provenance of the metric group it belongs to: sleep (TST per night and mean, efficiency), rhythm
 * (IS, IV, RA), heart rate (mean, resting), HRV (mean SDNN), activity (mean daily steps).
 */
import type { AnalysisMetrics, AnalysisWindow } from '../contracts/pipeline.ts';
import { addDays, zoneOffsetMinutes } from '../contracts/time.ts';
import { localMidnight } from '../importers/minute-series.ts';
import type { AnalysisKey } from './codes.ts';
import type { ExportAnalysisResult } from './model.ts';

export interface StoredAnalysis {
  id: string;
  window: AnalysisWindow;
  timezone: string;
  metrics: AnalysisMetrics;
}

export function analysisResults(a: StoredAnalysis): ExportAnalysisResult[] {
  const tz = a.timezone;
  const span = (start: string, end: string): { startMs: number; endMs: number; offsetMinutes: number } => {
    const startMs = localMidnight(start, tz);
    return {
      startMs,
      endMs: localMidnight(addDays(end, 1), tz),
      offsetMinutes: zoneOffsetMinutes(startMs, tz),
    };
  };
  const whole = span(a.window.start, a.window.end);
  const out: ExportAnalysisResult[] = [];
  const add = (
    key: AnalysisKey,
    value: number | null | undefined,
    provenance: ExportAnalysisResult['provenance'],
    when = whole,
    suffix = '',
  ): void => {
    if (value === null || value === undefined || !Number.isFinite(value)) return;
    out.push({ id: `${a.id}-${key.replaceAll('_', '-')}${suffix}`, key, value, provenance, ...when });
  };
  const m = a.metrics;
  if (m.sleep) {
    add('total_sleep_time', m.sleep.meanTotalSleepMinutes, m.sleep.provenance);
    add('sleep_efficiency', m.sleep.meanEfficiency, m.sleep.provenance);
    // A night is dated by its morning and runs noon to noon.
    for (const n of m.sleep.nightly) {
      const startMs = localMidnight(addDays(n.date, -1), tz) + 12 * 3_600_000;
      const night = { startMs, endMs: startMs + 86_400_000, offsetMinutes: zoneOffsetMinutes(startMs, tz) };
      add('total_sleep_time', n.value, m.sleep.provenance, night, `-${n.date}`);
    }
  }
  if (m.circadian) {
    add('interdaily_stability', m.circadian.IS, m.circadian.provenance);
    add('intradaily_variability', m.circadian.IV, m.circadian.provenance);
    add('relative_amplitude', m.circadian.RA, m.circadian.provenance);
  }
  if (m.heartRate) {
    add('mean_heart_rate', m.heartRate.meanBpm, m.heartRate.provenance);
    add('resting_heart_rate', m.heartRate.restingBpm, m.heartRate.provenance);
  }
  if (m.hrv) add('sdnn', m.hrv.meanSdnnMs, m.hrv.provenance);
  if (m.activity) add('mean_daily_steps', m.activity.meanDailySteps, m.activity.provenance);
  return out;
}
