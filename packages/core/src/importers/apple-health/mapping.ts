import { createHash } from 'node:crypto';
import { fieldIssues, type FieldIssue } from '../../errors.ts';
import { specOf } from '../../contracts/health-types.ts';
import {
  canonicalizeSample,
  healthKitSampleSchema,
  type CanonicalSample,
  type HealthKitSampleInput,
} from '../../contracts/healthkit-upload.ts';
import type { AttrMap, RecordElement, WorkoutElement } from './elements.ts';
import { fastCanonical, fastSampleId, parseExportInstant, ZoneOffsets } from './fast-canonical.ts';

/** One heartbeat-derived instantaneous rate from an HRV record's HeartRateVariabilityMetadataList. */
export interface BeatRate {
  ms: number;
  bpm: number;
}

/** A validated sample with its deterministic id; HRV SDNN samples may carry their beat list. */
export interface ImportedSample extends CanonicalSample {
  id: string;
  beats?: BeatRate[];
}

export interface MapContext {
  uid: string;
  timezone?: string;
  nowMs: number;
  /** Offsets of `timezone`, remembered across records (created on first use). */
  zoneOffsets?: ZoneOffsets;
}

function zoneOf(ctx: MapContext): ZoneOffsets | undefined {
  if (ctx.timezone === undefined) return undefined;
  return (ctx.zoneOffsets ??= new ZoneOffsets(ctx.timezone));
}

const maxLen = (v: unknown, max: number): boolean =>
  v === undefined || (typeof v === 'string' && v.length <= max);

/**
 * The constraints of healthKitSampleSchema for the fields an export record can carry, checked without
 * building zod's output (zod costs about a tenth of the import time). Only inputs that pass every check
 * skip zod, and zod would pass them unchanged; anything else goes through zod for its exact messages.
 * mapping.test.ts checks the equivalence on random and edge inputs.
 */
export function passesSampleShape(input: Record<string, unknown>): boolean {
  const { type, value, sourceName } = input;
  return (
    typeof type === 'string' &&
    type.length >= 1 &&
    type.length <= 120 &&
    ((typeof value === 'number' && Number.isFinite(value)) ||
      (typeof value === 'string' && value.length <= 100)) &&
    maxLen(input.unit, 40) &&
    typeof input.startDate === 'string' &&
    input.startDate.length <= 40 &&
    typeof input.endDate === 'string' &&
    input.endDate.length <= 40 &&
    typeof sourceName === 'string' &&
    sourceName.length >= 1 &&
    sourceName.length <= 200 &&
    maxLen(input.sourceVersion, 100) &&
    maxLen(input.device, 500)
  );
}

/**
 * Whether a Record type is stored: every documented HealthKit type, and identifiers of HealthKit's form
 * that the table does not know yet (stored generically). Others are counted as unsupported, not rejected.
 */
export function isKnownRecordType(type: string): boolean {
  return specOf(type, undefined) !== undefined;
}

/**
 * Maps one Record element to a canonical sample through the same validation as JSON uploads
 * (healthKitSampleSchema, then canonicalizeSample), so an export and an upload accept and reject alike.
 * `path` locates the record in issues (e.g. ['Record', 1234]).
 */
export function mapRecord(
  el: RecordElement,
  path: (string | number)[],
  ctx: MapContext,
): ImportedSample | FieldIssue[] {
  const a = el.attrs;
  const type = a.type ?? '';
  const raw = a.value;
  const input: Record<string, unknown> = {
    type,
    value:
      specOf(type, a.unit)?.kind === 'quantity'
        ? raw === undefined || raw.trim() === ''
          ? Number.NaN
          : Number(raw)
        : (raw ?? ''),
    startDate: a.startDate ?? '',
    endDate: a.endDate ?? '',
    sourceName: a.sourceName ?? '',
  };
  if (a.unit !== undefined) input.unit = a.unit;
  if (a.sourceVersion !== undefined) input.sourceVersion = a.sourceVersion;
  if (a.device !== undefined) input.device = a.device;
  let checked: HealthKitSampleInput;
  let result: CanonicalSample | FieldIssue[] | undefined;
  if (passesSampleShape(input)) {
    checked = input as unknown as HealthKitSampleInput;
    result = fastCanonical(checked, ctx.nowMs, zoneOf(ctx));
  } else {
    const shape = healthKitSampleSchema.safeParse(input);
    if (!shape.success) {
      return fieldIssues(shape.error.issues, path);
    }
    checked = shape.data;
  }
  // Anything fastCanonical does not pass gets canonicalizeSample's verdict and messages.
  result ??= canonicalizeSample(
    checked,
    path,
    ctx.timezone ? { nowMs: ctx.nowMs, timezone: ctx.timezone } : { nowMs: ctx.nowMs },
  );
  if (Array.isArray(result)) return result;
  const sample = result as ImportedSample;
  sample.id = fastSampleId(ctx.uid, result);
  if (el.beats.length > 0) {
    const beats = mapBeats(el.beats, a.startDate ?? '');
    if (beats) sample.beats = beats;
  }
  return sample;
}

// "8:21:21.71 PM" (en_US), "20:21:21,71" (many locales), "20.21.21" (some): time of day with fraction.
const beatTimeRe = /^(\d{1,2})[:.](\d{2})[:.](\d{2})(?:[.,](\d{1,6}))?\s*([AaPp])?\.?\s*[Mm]?\.?$/;

/**
 * Turns the beat list of an HRV record into absolute times. Apple writes only a time of day, in the
 * export's locale, so each time is placed on the record's local start date (in the record's own offset),
 * moving to the next day when it falls more than a minute before the start (a measurement across midnight).
 * Returns undefined when any time cannot be read (the sample is kept, its beats are not).
 */
export function mapBeats(
  beats: readonly { bpm: string; time: string }[],
  startDate: string,
): BeatRate[] | undefined {
  const start = parseExportInstant(startDate);
  if (!start) return undefined;
  const localStart = start.ms + start.offsetMinutes * 60_000;
  const dayStartLocal = Math.floor(localStart / 86_400_000) * 86_400_000;
  const out: BeatRate[] = [];
  for (const b of beats) {
    const m = beatTimeRe.exec(b.time.trim());
    const bpm = Number(b.bpm);
    if (!m || !Number.isFinite(bpm) || b.bpm.trim() === '') return undefined;
    let h = Number(m[1]);
    const ampm = m[5]?.toUpperCase();
    if (ampm !== undefined) {
      if (h < 1 || h > 12) return undefined;
      h = (h % 12) + (ampm === 'P' ? 12 : 0);
    }
    if (h > 23) return undefined;
    const frac = m[4] === undefined ? 0 : Math.round(Number(`0.${m[4]}`) * 1000);
    let local = dayStartLocal + ((h * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + frac;
    if (local < localStart - 60_000) local += 86_400_000;
    out.push({ ms: local - start.offsetMinutes * 60_000, bpm });
  }
  return out;
}

/** A workout in canonical units (minutes, metres, kilocalories). */
export interface ImportedWorkout {
  id: string;
  activityType: string;
  startMs: number;
  endMs: number;
  offsetMinutes: number;
  durationMin: number | null;
  distanceM: number | null;
  energyKcal: number | null;
  source: string;
  device: string | null;
  /** IANA zone from the HKTimeZone metadata entry, when present. */
  timeZone: string | null;
}

const durationFactors: Record<string, number> = { min: 1, s: 1 / 60, sec: 1 / 60, hr: 60, h: 60 };
const distanceFactors: Record<string, number> = {
  m: 1,
  km: 1000,
  mi: 1609.344,
  ft: 0.3048,
  yd: 0.9144,
  cm: 0.01,
};
const energyFactors: Record<string, number> = { kcal: 1, Cal: 1, kJ: 1 / 4.184, cal: 0.001 };

function quantity(
  value: string | undefined,
  unit: string | undefined,
  factors: Record<string, number>,
): number | null | false {
  if (value === undefined || value.trim() === '') return null;
  const v = Number(value);
  const f = unit === undefined ? undefined : factors[unit];
  if (!Number.isFinite(v) || v < 0 || f === undefined) return false;
  return v * f;
}

/** Maps a Workout element; totals come from its attributes or, in newer exports, its WorkoutStatistics. */
export function mapWorkout(
  el: WorkoutElement,
  path: (string | number)[],
  ctx: MapContext,
): ImportedWorkout | FieldIssue[] {
  const a = el.attrs;
  const issues: FieldIssue[] = [];
  const start = parseExportInstant(a.startDate ?? '');
  const end = parseExportInstant(a.endDate ?? '');
  if (!start) issues.push({ path: [...path, 'startDate'], message: 'must be a date-time with a UTC offset' });
  if (!end) issues.push({ path: [...path, 'endDate'], message: 'must be a date-time with a UTC offset' });
  if (start && end && end.ms < start.ms)
    issues.push({ path: [...path, 'endDate'], message: 'must not be before startDate' });
  if (!a.workoutActivityType) issues.push({ path: [...path, 'workoutActivityType'], message: 'is required' });
  if (!a.sourceName) issues.push({ path: [...path, 'sourceName'], message: 'is required' });
  const stat = (suffix: string): AttrMap | undefined => el.statistics.find((s) => s.type?.endsWith(suffix));
  const distStat = el.statistics.find((s) => s.type?.startsWith('HKQuantityTypeIdentifierDistance'));
  const energyStat = stat('ActiveEnergyBurned');
  const duration = quantity(a.duration, a.durationUnit, durationFactors);
  const distance =
    a.totalDistance !== undefined
      ? quantity(a.totalDistance, a.totalDistanceUnit, distanceFactors)
      : quantity(distStat?.sum, distStat?.unit, distanceFactors);
  const energy =
    a.totalEnergyBurned !== undefined
      ? quantity(a.totalEnergyBurned, a.totalEnergyBurnedUnit, energyFactors)
      : quantity(energyStat?.sum, energyStat?.unit, energyFactors);
  if (duration === false)
    issues.push({ path: [...path, 'duration'], message: 'must be a non-negative number with a time unit' });
  if (distance === false)
    issues.push({
      path: [...path, 'totalDistance'],
      message: 'must be a non-negative number with a length unit',
    });
  if (energy === false)
    issues.push({
      path: [...path, 'totalEnergyBurned'],
      message: 'must be a non-negative number with an energy unit',
    });
  if (issues.length > 0 || !start || !end || duration === false || distance === false || energy === false)
    return issues;
  const tz = el.metadata.find(([k]) => k === 'HKTimeZone')?.[1] ?? null;
  const offsetMinutes = zoneOf(ctx)?.at(start.ms) ?? start.offsetMinutes;
  const source = a.sourceName as string;
  const activityType = a.workoutActivityType as string;
  const id = createHash('sha256')
    .update(`${ctx.uid}\u0000workout\u0000${activityType}\u0000${start.ms}\u0000${end.ms}\u0000${source}`)
    .digest('hex')
    .slice(0, 32);
  return {
    id,
    activityType,
    startMs: start.ms,
    endMs: end.ms,
    offsetMinutes,
    durationMin: duration,
    distanceM: distance,
    energyKcal: energy,
    source,
    device: a.device ?? null,
    timeZone: tz,
  };
}

/** Apple's daily ring summary in canonical units. Values are null where the export leaves them out. */
export interface ImportedActivitySummary {
  date: string;
  activeEnergyKcal: number | null;
  activeEnergyGoalKcal: number | null;
  exerciseMin: number | null;
  exerciseGoalMin: number | null;
  standHours: number | null;
  standHoursGoal: number | null;
}

export function mapActivitySummary(
  a: AttrMap,
  path: (string | number)[],
): ImportedActivitySummary | FieldIssue[] {
  const issues: FieldIssue[] = [];
  const date = a.dateComponents ?? '';
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) {
    issues.push({ path: [...path, 'dateComponents'], message: 'must be a date YYYY-MM-DD' });
  }
  const energyUnit = a.activeEnergyBurnedUnit ?? 'kcal';
  const ef = energyFactors[energyUnit];
  if (ef === undefined)
    issues.push({ path: [...path, 'activeEnergyBurnedUnit'], message: 'must be an energy unit' });
  const num = (field: string, factor = 1): number | null => {
    const v = a[field];
    if (v === undefined || v.trim() === '') return null;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) {
      issues.push({ path: [...path, field], message: 'must be a non-negative number' });
      return null;
    }
    return n * factor;
  };
  const summary: ImportedActivitySummary = {
    date,
    activeEnergyKcal: num('activeEnergyBurned', ef ?? 1),
    activeEnergyGoalKcal: num('activeEnergyBurnedGoal', ef ?? 1),
    exerciseMin: num('appleExerciseTime'),
    exerciseGoalMin: num('appleExerciseTimeGoal'),
    standHours: num('appleStandHours'),
    standHoursGoal: num('appleStandHoursGoal'),
  };
  return issues.length > 0 ? issues : summary;
}
