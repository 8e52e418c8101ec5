import { createHash } from 'node:crypto';
import { z } from 'zod';
import { fieldIssues, type FieldIssue } from '../errors.ts';
import {
  parseCategoryValue,
  parseSleepStage,
  specOf,
  toCanonicalUnit,
  type HealthTypeId,
  type MetricId,
  type SleepStage,
} from './health-types.ts';
import { isValidTimeZone, parseInstant, zoneOffsetMinutes } from './time.ts';

/** Most samples one JSON upload may carry; larger sets go through a file upload. */
export const maxSamplesPerUpload = 10_000;
/** Longest interval one sample may span (a night of sleep, a day of steps). */
const maxSampleSpanMs = 36 * 3600_000;
/** Allowed clock skew into the future. */
const futureSkewMs = 24 * 3600_000;

/**
 * Earliest day a sample may start on, and a window may name (the API's trends and analyze). Not 2000: device
 * files carry the device's clock, and the importers keep what it says (the real Actiwatch recordings in the
 * shared data are dated 1918), so those must stay storable and chartable; 1850 is a typo or a zeroed clock.
 */
export const earliestPlausibleDay = '1900-01-01';
/** earliestPlausibleDay at 00:00 UTC, in epoch ms. */
export const earliestSampleMs = Date.parse(`${earliestPlausibleDay}T00:00:00Z`);

const metadataValue = z.union([z.string().max(500), z.number().finite(), z.boolean()]);

/** A HealthKit-style sample as an app sends it (shape only; type-specific checks follow). */
export const healthKitSampleSchema = z
  .object({
    type: z.string().min(1).max(120),
    value: z.union([z.number(), z.string().max(100)]),
    unit: z.string().max(40).optional(),
    startDate: z.string().max(40),
    endDate: z.string().max(40),
    sourceName: z.string().min(1).max(200),
    sourceVersion: z.string().max(100).optional(),
    device: z.string().max(500).optional(),
    uuid: z.string().max(100).optional(),
    metadata: z.record(z.string().max(100), metadataValue).optional(),
  })
  // Strict, like every API body (login, analyze, webhooks...): a misspelt field is an error, not ignored.
  .strict();

export const healthKitUploadSchema = z
  .object({
    samples: z.array(z.unknown()).min(1, 'at least one sample is required').max(maxSamplesPerUpload),
    /** IANA zone of the user; days are cut in this zone. Defaults to each sample's own UTC offset. */
    timezone: z.string().max(64).optional(),
    client: z
      .object({ app: z.string().max(100).optional(), version: z.string().max(40).optional() })
      .strict()
      .optional(),
  })
  .strict();

export type HealthKitSampleInput = z.infer<typeof healthKitSampleSchema>;

/** A validated sample in canonical units, ready to store. */
export interface CanonicalSample {
  type: HealthTypeId;
  metric: MetricId;
  startMs: number;
  endMs: number;
  /** UTC offset used to assign the sample to a local day. */
  offsetMinutes: number;
  /** Quantity in the canonical unit; null for category samples. */
  value: number | null;
  unit: string | null;
  stage: SleepStage | null;
  /**
   * Category types other than sleep: the HKCategoryValue… name (its raw value is in `value`). Absent or
   * null for quantities and sleep.
   */
  category?: string | null;
  source: string;
  device: string | null;
}

export interface ValidationResult {
  samples: CanonicalSample[];
  issues: FieldIssue[];
  /** Indexes of the samples that failed (parallel to `issues`, deduplicated). */
  rejectedIndexes: number[];
}

/** Type-specific checks of one sample; returns the canonical sample or the list of problems. */
export function canonicalizeSample(
  s: HealthKitSampleInput,
  path: (string | number)[],
  options: { timezone?: string; nowMs: number },
): CanonicalSample | FieldIssue[] {
  const issues: FieldIssue[] = [];
  const at = (field: string, message: string): void => void issues.push({ path: [...path, field], message });
  const start = parseInstant(s.startDate);
  const end = parseInstant(s.endDate);
  if (!start)
    at('startDate', 'must be an ISO 8601 date-time with a UTC offset, e.g. 2026-11-20T07:01:00-05:00');
  if (!end) at('endDate', 'must be an ISO 8601 date-time with a UTC offset, e.g. 2026-11-20T07:02:00-05:00');
  if (start && start.ms < earliestSampleMs) at('startDate', `must not be before ${earliestPlausibleDay}`);
  if (start && end) {
    if (end.ms < start.ms) at('endDate', 'must not be before startDate');
    else if (end.ms - start.ms > maxSampleSpanMs) at('endDate', 'a sample may span at most 36 hours');
    if (end.ms > options.nowMs + futureSkewMs) at('endDate', 'is in the future');
  }

  let value: number | null = null;
  let unit: string | null = null;
  let stage: SleepStage | null = null;
  let category: string | null = null;
  let metric: MetricId | undefined;
  const spec = specOf(s.type, s.unit);
  if (spec?.kind === 'quantity') {
    metric = spec.metric;
    const expected = Object.keys(spec.units).join(' or ');
    if (s.unit === undefined) at('unit', `is required for ${s.type} (expected ${expected})`);
    else if (!Object.hasOwn(spec.units, s.unit))
      at('unit', `"${s.unit}" is not a unit of ${s.type} (expected ${expected})`);
    if (typeof s.value !== 'number' || !Number.isFinite(s.value)) at('value', 'must be a finite number');
    else if (s.unit !== undefined && Object.hasOwn(spec.units, s.unit)) {
      const v = toCanonicalUnit(spec, s.unit, s.value) as number;
      const [lo, hi] = spec.range;
      if (v < lo || v > hi) {
        const hint =
          s.type === 'HKQuantityTypeIdentifierOxygenSaturation' && s.value > 1 && s.value <= 100
            ? ' (HealthKit gives oxygen saturation as a fraction: 0.97 for 97 %)'
            : '';
        at('value', `is outside the plausible range ${lo}-${hi} ${spec.canonicalUnit}${hint}`);
      }
      value = v;
      unit = spec.canonicalUnit;
    }
    if (
      spec.aggregation === 'instant' &&
      start &&
      end &&
      end.ms - start.ms > 3600_000 &&
      s.type === 'HKQuantityTypeIdentifierHeartRate'
    )
      at('endDate', 'a heart-rate sample may span at most one hour');
  } else if (spec?.kind === 'category' && spec.metric === 'sleep') {
    metric = 'sleep';
    const parsed = parseSleepStage(s.value);
    if (!parsed)
      at(
        'value',
        'must be a sleep stage: inBed, asleepUnspecified, awake, asleepCore, asleepDeep or asleepREM (or 0-5)',
      );
    else stage = parsed;
    if (start && end && end.ms === start.ms)
      at('endDate', 'a sleep sample must span time (endDate after startDate)');
  } else if (spec?.kind === 'category') {
    metric = spec.metric;
    const parsed = parseCategoryValue(spec, s.value);
    if (!parsed) {
      const names = Object.keys(spec.values ?? {});
      at(
        'value',
        names.length > 0
          ? `must be one of ${names.join(', ')} (or its raw value)`
          : 'must be a category value name or an integer',
      );
    } else {
      category = parsed.name;
      value = parsed.raw;
    }
  } else {
    at(
      'type',
      `unsupported type "${s.type.slice(0, 120)}": expected a HealthKit quantity or category type identifier (HKQuantityTypeIdentifier…, HKCategoryTypeIdentifier…)`,
    );
  }
  if (issues.length > 0 || !start || !end || metric === undefined) return issues;
  const offsetMinutes = options.timezone
    ? zoneOffsetMinutes(start.ms, options.timezone)
    : start.offsetMinutes;
  return {
    type: s.type,
    metric,
    startMs: start.ms,
    endMs: end.ms,
    offsetMinutes,
    value,
    unit,
    stage,
    ...(category !== null ? { category } : {}),
    source: s.sourceName,
    device: s.device ?? null,
  };
}

/**
 * Validates an upload body. Every invalid sample is reported (path + reason), not just the first; the caller
 * decides whether any issue fails the whole request.
 */
export function validateHealthKitUpload(
  body: unknown,
  nowMs: number = Date.now(),
): ValidationResult & { timezone?: string } {
  const top = healthKitUploadSchema.safeParse(body);
  if (!top.success) return { samples: [], issues: fieldIssues(top.error.issues), rejectedIndexes: [] };
  const { timezone } = top.data;
  if (timezone !== undefined && !isValidTimeZone(timezone)) {
    return {
      samples: [],
      issues: [{ path: ['timezone'], message: 'is not an IANA time zone name' }],
      rejectedIndexes: [],
    };
  }
  const samples: CanonicalSample[] = [];
  const issues: FieldIssue[] = [];
  const rejectedIndexes: number[] = [];
  top.data.samples.forEach((raw, i) => {
    const path = ['samples', i];
    const shape = healthKitSampleSchema.safeParse(raw);
    const result = shape.success
      ? canonicalizeSample(shape.data, path, { nowMs, ...(timezone ? { timezone } : {}) })
      : fieldIssues(shape.error.issues, path);
    if (Array.isArray(result)) {
      issues.push(...result);
      rejectedIndexes.push(i);
    } else samples.push(result);
  });
  return { samples, issues, rejectedIndexes, ...(timezone ? { timezone } : {}) };
}

/**
 * Deterministic sample identity: the same measurement uploaded twice (or from an export and a live batch)
 * gets the same id, so it is stored once. Instants are compared as absolute times, so the same sample
 * written with another offset is still the same sample.
 */
export function sampleId(
  uid: string,
  s: Pick<CanonicalSample, 'type' | 'startMs' | 'endMs' | 'source' | 'value' | 'stage' | 'category'>,
): string {
  const v = s.stage ?? s.category ?? (s.value === null ? '' : s.value.toPrecision(12));
  return createHash('sha256')
    .update(`${uid}\u0000${s.type}\u0000${s.startMs}\u0000${s.endMs}\u0000${s.source}\u0000${v}`)
    .digest('hex')
    .slice(0, 32);
}
