/**
 * Open mHealth export (pure): the same samples as the FHIR export, as OMH data points (header + body), one
 * JSON object per line (NDJSON).
 *
 * - omh:heart-rate:2.0: each heart-rate sample (beats/min), date_time or time_interval.
 * - omh:step-count:3.0: each step sample with a time_interval; one-minute device steps (Fitbit) as day totals
 *   (descriptive_statistic "sum") rather than 1 440 points a day.
 * - omh:sleep-episode:1.1: each sleep episode of stage samples (total_sleep_time), and each scored sleep
 *   period of an analysis (total sleep time, WASO, latency, awakenings, efficiency).
 * - omh:physical-activity:1.2: each workout (activity name, distance, kcal burned).
 * Other metrics (activity counts, SpO2…) have no schema among these four and are not in this export.
 */
import { localDate, zoneOffsetMinutes } from '../contracts/time.ts';
import {
  decimal,
  fhirId,
  hash,
  isoWithOffset,
  sleepEpisodes,
  type ExportInput,
  type ExportSample,
} from './model.ts';

export interface OmhDataPoint {
  header: {
    id: string;
    creation_date_time: string;
    schema_id: { namespace: 'omh'; name: string; version: string };
    acquisition_provenance: { source_name: string; modality: 'sensed' | 'self-reported' };
    user_id: string;
  };
  body: Record<string, unknown>;
}

const MIN = 60_000;

type TimeFrame =
  { date_time: string } | { time_interval: { start_date_time: string; end_date_time: string } };

function timeFrame(startMs: number, endMs: number, off: number): TimeFrame {
  return startMs === endMs
    ? { date_time: isoWithOffset(startMs, off) }
    : {
        time_interval: {
          start_date_time: isoWithOffset(startMs, off),
          end_date_time: isoWithOffset(endMs, off),
        },
      };
}

export function omhRecords(input: ExportInput): OmhDataPoint[] {
  const created = new Date(input.generatedMs).toISOString();
  const user = fhirId(input.subject.id);
  const point = (
    name: string,
    version: string,
    id: string,
    source: string,
    body: Record<string, unknown>,
  ): OmhDataPoint => ({
    header: {
      id,
      creation_date_time: created,
      schema_id: { namespace: 'omh', name, version },
      acquisition_provenance: { source_name: source, modality: 'sensed' },
      user_id: user,
    },
    body,
  });
  const out: OmhDataPoint[] = [];
  const minuteSteps = new Map<string, ExportSample[]>();
  for (const s of input.samples) {
    if (s.metric === 'heart_rate' && s.value !== null) {
      out.push(
        point('heart-rate', '2.0', s.id, s.source, {
          heart_rate: { value: decimal(s.value), unit: 'beats/min' },
          effective_time_frame: timeFrame(s.startMs, s.endMs, s.offsetMinutes),
        }),
      );
    } else if (s.metric === 'steps' && s.value !== null) {
      if (s.endMs - s.startMs === MIN && s.startMs % MIN === 0) {
        const k = `${s.source}\u0000${localDate(s.startMs, s.offsetMinutes)}`;
        const l = minuteSteps.get(k);
        if (l) l.push(s);
        else minuteSteps.set(k, [s]);
        continue;
      }
      // A step count is a total over time: an instant sample gets the minute it falls in.
      const end = s.endMs > s.startMs ? s.endMs : s.startMs + MIN;
      out.push(
        point('step-count', '3.0', s.id, s.source, {
          step_count: { value: decimal(s.value), unit: 'steps' },
          effective_time_frame: timeFrame(s.startMs, end, s.offsetMinutes),
        }),
      );
    }
  }
  for (const [k, day] of minuteSteps) {
    const [source, date] = k.split('\u0000') as [string, string];
    const start = Math.min(...day.map((s) => s.startMs));
    const end = Math.max(...day.map((s) => s.endMs));
    const off = zoneOffsetMinutes(start, input.timezone);
    out.push(
      point('step-count', '3.0', `steps-day-${hash(source, 8)}-${date}`, source, {
        step_count: { value: decimal(day.reduce((a, s) => a + (s.value as number), 0)), unit: 'steps' },
        effective_time_frame: timeFrame(start, end, off),
        descriptive_statistic: 'sum',
      }),
    );
  }
  for (const e of sleepEpisodes(input.samples))
    out.push(
      point('sleep-episode', '1.1', `sleep-${hash(e.source, 8)}-${e.startMs}`, e.source, {
        effective_time_frame: timeFrame(e.startMs, e.endMs, e.offsetMinutes),
        total_sleep_time: { value: e.asleep, unit: 'min' },
      }),
    );
  for (const a of input.analyses ?? []) {
    if (a.key !== 'total_sleep_time' || a.startMs === undefined || a.endMs === undefined) continue;
    const related = (key: string): number | undefined =>
      (input.analyses ?? []).find((b) => b.key === key && b.startMs === a.startMs && b.endMs === a.endMs)
        ?.value;
    const waso = related('waso');
    const latency = related('sleep_onset_latency');
    const awakenings = related('awakenings');
    const eff = related('sleep_efficiency');
    out.push(
      point('sleep-episode', '1.1', `sleep-${a.id}`, a.provenance.algorithm, {
        effective_time_frame: timeFrame(a.startMs, a.endMs, a.offsetMinutes ?? 0),
        total_sleep_time: { value: decimal(a.value), unit: 'min' },
        ...(waso !== undefined ? { wake_after_sleep_onset: { value: decimal(waso), unit: 'min' } } : {}),
        ...(latency !== undefined
          ? { latency_to_sleep_onset: { value: decimal(latency), unit: 'min' } }
          : {}),
        ...(awakenings !== undefined ? { number_of_awakenings: Math.round(awakenings) } : {}),
        ...(eff !== undefined
          ? { sleep_maintenance_efficiency_percentage: { value: decimal(eff), unit: '%' } }
          : {}),
      }),
    );
  }
  for (const w of input.workouts ?? []) {
    out.push(
      point('physical-activity', '1.2', w.id, w.source, {
        activity_name: w.activityType.replace(/^HKWorkoutActivityType/, ''),
        effective_time_frame: timeFrame(w.startMs, w.endMs, w.offsetMinutes),
        ...(w.distanceM !== null ? { distance: { value: decimal(w.distanceM), unit: 'm' } } : {}),
        ...(w.energyKcal !== null ? { kcal_burned: { value: decimal(w.energyKcal), unit: 'kcal' } } : {}),
      }),
    );
  }
  return out;
}

/** NDJSON: one data point per line. */
export function omhNdjson(points: readonly OmhDataPoint[]): string {
  return points.map((p) => JSON.stringify(p)).join('\n') + (points.length > 0 ? '\n' : '');
}
