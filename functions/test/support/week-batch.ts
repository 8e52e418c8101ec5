/**
 * A week of real actigraphy as an app's HealthKit batch, for the pipeline tests, the demo and the benchmark.
 *
 * How: the first 7 complete local days (midnight to midnight) of an Actiwatch AWD recording are cut into
 * 5-minute blocks; each block with data becomes one HKQuantityTypeIdentifierStepCount sample whose value is
 * the block's summed activity counts divided by countsPerStep (HealthKit step samples commonly span minutes; ingest spreads them
 * evenly over the minutes). The recording's local device times are kept as wall-clock times but moved to
 * the 7 days ending `endDate`, in UTC (the AWD file has no zone, and the upload's validator refuses dates
 * far in the past). Counts are not steps: the analyses label movement-derived sleep as an estimate.
 *
 * The HealthKit part (heart rate every 10 minutes, SDNN twice a day) is GENERATED from the same activity
 * (55 bpm at rest, rising with movement), because no public real HealthKit file covers the same week.
 */
import { readFile } from 'node:fs/promises';
import { readAwdFile, type AwdRecording } from '@clarity/core';

export const blockMinutes = 5;
/**
 * Actiwatch counts per step, an arbitrary scale (not a validated conversion) that brings an Actiwatch-4's
 * waking counts into the range of a step count (about 10 000 a day for this recording).
 */
export const countsPerStep = 20;

export interface WeekBatch {
  samples: Record<string, unknown>[];
  window: { start: string; end: string };
  timezone: 'UTC';
  counts: { steps: number; heartRate: number; hrv: number };
}

const day = 86_400_000;

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', '+00:00');
}

export interface WeekBatchOptions {
  /**
   * Include the counts-as-steps samples (default true). False when the recording itself is uploaded as a
   * device file (awdWeekFile), so counts are stored as activity_counts and never as steps.
   */
  steps?: boolean;
}

export function weekBatch(rec: AwdRecording, endDate: string, options: WeekBatchOptions = {}): WeekBatch {
  const withSteps = options.steps ?? true;
  const s = rec.series;
  if (s.epochSeconds !== 60) throw new Error('expects 1-minute epochs');
  const m = /T(\d{2}):(\d{2})/.exec(s.start);
  const startMinute = m ? Number(m[1]) * 60 + Number(m[2]) : 0;
  const first = (1440 - startMinute) % 1440; // index of the first local midnight
  if (first + 7 * 1440 > s.values.length) throw new Error('recording has fewer than 7 complete days');
  const startMs = Date.parse(`${endDate}T00:00:00Z`) - 6 * day;
  const samples: Record<string, unknown>[] = [];
  const counts = { steps: 0, heartRate: 0, hrv: 0 };
  for (let b = 0; b < (7 * 1440) / blockMinutes; b++) {
    let sum = 0;
    let valid = 0;
    for (let i = 0; i < blockMinutes; i++) {
      const v = s.values[first + b * blockMinutes + i] as number;
      if (!Number.isNaN(v)) {
        sum += v;
        valid++;
      }
    }
    const t0 = startMs + b * blockMinutes * 60_000;
    if (withSteps && valid === blockMinutes) {
      samples.push({
        type: 'HKQuantityTypeIdentifierStepCount',
        value: Math.round(sum / countsPerStep),
        unit: 'count',
        startDate: iso(t0),
        endDate: iso(t0 + blockMinutes * 60_000),
        sourceName: 'Actiwatch-4 (counts as steps)',
      });
      counts.steps++;
    }
    if (b % 2 === 0 && valid > 0) {
      samples.push({
        type: 'HKQuantityTypeIdentifierHeartRate',
        value: Math.round(55 + Math.min(45, sum / valid / 15)),
        unit: 'count/min',
        startDate: iso(t0),
        endDate: iso(t0),
        sourceName: 'Generated Watch',
      });
      counts.heartRate++;
    }
    if (b % 144 === 0) {
      samples.push({
        type: 'HKQuantityTypeIdentifierHeartRateVariabilitySDNN',
        value: 40 + (b % 7) * 3,
        unit: 'ms',
        startDate: iso(t0),
        endDate: iso(t0),
        sourceName: 'Generated Watch',
      });
      counts.hrv++;
    }
  }
  const start = new Date(startMs).toISOString().slice(0, 10);
  return { samples, window: { start, end: endDate }, timezone: 'UTC', counts };
}

export async function weekBatchFromFile(
  file: string,
  endDate: string,
  options: WeekBatchOptions = {},
): Promise<WeekBatch> {
  return weekBatch(await readAwdFile(file), endDate, options);
}

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * The same recording as an .AWD file for the Storage path, moved to the week of weekBatch(rec, endDate):
 * the real file's lines, with the start date on header line 2 changed so that its first complete day is
 * the window's first day, and cut after the window's last day (the analysis window is the 7 days ending
 * at the newest stored day). The start time, the counts and the markers are the file's own.
 */
export function awdWeekFile(text: string, endDate: string): Buffer {
  const lines = text.split('\r\n');
  const time = /^(\d{1,2}):(\d{2})/.exec((lines[2] ?? '').trim());
  if (!time) throw new Error('AWD header line 3 is not HH:MM');
  const startMinute = Number(time[1]) * 60 + Number(time[2]);
  const first = (1440 - startMinute) % 1440;
  const windowStart = Date.parse(`${endDate}T00:00:00Z`) - 6 * day;
  const start = new Date(windowStart - (first > 0 ? day : 0));
  lines[1] = `${String(start.getUTCDate()).padStart(2, '0')}-${months[start.getUTCMonth()]}-${start.getUTCFullYear()}`;
  const keep = 7 + first + 7 * 1440;
  if (lines.length < keep) throw new Error('recording has fewer than 7 complete days');
  return Buffer.from(`${lines.slice(0, keep).join('\r\n')}\r\n`, 'latin1');
}

export async function awdWeekFileFrom(file: string, endDate: string): Promise<Buffer> {
  return awdWeekFile(await readFile(file, 'latin1'), endDate);
}

/** Yesterday in UTC: the newest complete day an upload can hold. */
export function yesterday(nowMs = Date.now()): string {
  return new Date(nowMs - day).toISOString().slice(0, 10);
}
