/**
 * The HealthKit types this backend understands, with their canonical metric, accepted units (and the factor
 * to the canonical unit) and the physiological range a value must fall in after conversion. One table, used
 * by the JSON upload schema and by the Apple Health export importer, so both accept and reject alike.
 *
 * Ranges are deliberately wide (they catch unit mistakes and sensor garbage, not unusual physiology).
 */
import {
  catalogCategoryTypes,
  catalogQuantityTypes,
  correlationTypes,
  isFutureHealthKitIdentifier,
  snakeMetric,
} from './healthkit-catalog.ts';

/** The metrics the analytics read (one HealthKit type each, plus device activity counts). */
export type AnalyticsMetricId =
  | 'heart_rate'
  | 'resting_heart_rate'
  | 'walking_heart_rate'
  | 'hrv_sdnn'
  | 'steps'
  | 'distance'
  | 'active_energy'
  | 'basal_energy'
  | 'oxygen_saturation'
  | 'respiratory_rate'
  | 'sleep'
  /** Device activity counts per minute (Actiwatch, ActiGraph axis 1): device units, never steps. */
  | 'activity_counts';

/**
 * A series metric: an analytics metric, the snake_case name of any other documented HealthKit type
 * (body_mass_index, blood_pressure_systolic…, see healthkit-catalog.ts), or `x_` + that name for an
 * identifier this table does not know yet.
 */
export type MetricId = AnalyticsMetricId | (string & {});

export interface QuantityTypeSpec {
  kind: 'quantity';
  metric: MetricId;
  canonicalUnit: string;
  /** Accepted unit strings (as HealthKit writes them) and the factor that converts to canonicalUnit. */
  units: Readonly<Record<string, number>>;
  /** Inclusive physiological range in the canonical unit. */
  /** Added after the factor, for affine units (degF, K → degC). */
  offsets?: Readonly<Record<string, number>>;
  range: readonly [number, number];
  /** 'instant' samples describe a moment (start may equal end); 'cumulative' ones a total over [start, end]. */
  aggregation: 'instant' | 'cumulative';
}

export interface CategoryTypeSpec {
  kind: 'category';
  metric: MetricId;
  /** HKCategoryValue… names and their raw values (absent for sleep, which has its own stages). */
  values?: Readonly<Record<string, number>>;
}

const analyticQuantityTypes = {
  HKQuantityTypeIdentifierHeartRate: {
    kind: 'quantity',
    metric: 'heart_rate',
    canonicalUnit: 'count/min',
    units: { 'count/min': 1 },
    range: [20, 250],
    aggregation: 'instant',
  },
  HKQuantityTypeIdentifierRestingHeartRate: {
    kind: 'quantity',
    metric: 'resting_heart_rate',
    canonicalUnit: 'count/min',
    units: { 'count/min': 1 },
    range: [25, 200],
    aggregation: 'instant',
  },
  HKQuantityTypeIdentifierWalkingHeartRateAverage: {
    kind: 'quantity',
    metric: 'walking_heart_rate',
    canonicalUnit: 'count/min',
    units: { 'count/min': 1 },
    range: [30, 230],
    aggregation: 'instant',
  },
  // SDNN only: RMSSD sources (Health Connect, Fitbit) are a different statistic and get their own metric.
  HKQuantityTypeIdentifierHeartRateVariabilitySDNN: {
    kind: 'quantity',
    metric: 'hrv_sdnn',
    canonicalUnit: 'ms',
    units: { ms: 1 },
    range: [1, 400],
    aggregation: 'instant',
  },
  HKQuantityTypeIdentifierStepCount: {
    kind: 'quantity',
    metric: 'steps',
    canonicalUnit: 'count',
    units: { count: 1 },
    range: [0, 100_000],
    aggregation: 'cumulative',
  },
  HKQuantityTypeIdentifierDistanceWalkingRunning: {
    kind: 'quantity',
    metric: 'distance',
    canonicalUnit: 'm',
    units: { m: 1, km: 1000, mi: 1609.344, ft: 0.3048, yd: 0.9144 },
    range: [0, 200_000],
    aggregation: 'cumulative',
  },
  HKQuantityTypeIdentifierActiveEnergyBurned: {
    kind: 'quantity',
    metric: 'active_energy',
    canonicalUnit: 'kcal',
    units: { kcal: 1, Cal: 1, kJ: 1 / 4.184 },
    range: [0, 20_000],
    aggregation: 'cumulative',
  },
  HKQuantityTypeIdentifierBasalEnergyBurned: {
    kind: 'quantity',
    metric: 'basal_energy',
    canonicalUnit: 'kcal',
    units: { kcal: 1, Cal: 1, kJ: 1 / 4.184 },
    range: [0, 20_000],
    aggregation: 'cumulative',
  },
  // HealthKit stores SpO2 as a fraction with unit "%" (0.97 means 97 %).
  HKQuantityTypeIdentifierOxygenSaturation: {
    kind: 'quantity',
    metric: 'oxygen_saturation',
    canonicalUnit: 'fraction',
    units: { '%': 1, fraction: 1 },
    range: [0.5, 1],
    aggregation: 'instant',
  },
  HKQuantityTypeIdentifierRespiratoryRate: {
    kind: 'quantity',
    metric: 'respiratory_rate',
    canonicalUnit: 'count/min',
    units: { 'count/min': 1 },
    range: [4, 60],
    aggregation: 'instant',
  },
  // Not a HealthKit type (HealthKit has none for this): the activity counts an actigraph (Actiwatch .AWD,
  // ActiGraph .agd/.csv) records per epoch, stored per minute. Counts are in the device's own units and are
  // what the sleep scorers and circadian measures were validated on; they are never added into steps.
  ClarityActivityCount: {
    kind: 'quantity',
    metric: 'activity_counts',
    canonicalUnit: 'count',
    units: { count: 1 },
    range: [0, 10_000_000],
    aggregation: 'cumulative',
  },
} as const satisfies Record<string, QuantityTypeSpec>;

const analyticCategoryTypes = {
  HKCategoryTypeIdentifierSleepAnalysis: { kind: 'category', metric: 'sleep' },
} as const satisfies Record<string, CategoryTypeSpec>;

/** A HealthKit type identifier (the analytics' own are listed; every documented one is accepted). */
export type QuantityTypeId = keyof typeof analyticQuantityTypes | (string & {});
export type CategoryTypeId = keyof typeof analyticCategoryTypes | (string & {});
export type HealthTypeId = QuantityTypeId | CategoryTypeId;

/** Every documented quantity type: the analytics' twelve and the rest of Apple's table. */
export const quantityTypes: Readonly<Record<keyof typeof analyticQuantityTypes, QuantityTypeSpec>> &
  Readonly<Record<string, QuantityTypeSpec>> = { ...catalogQuantityTypes, ...analyticQuantityTypes };

/** Every documented category type: sleep analysis and the rest of Apple's table. */
export const categoryTypes: Readonly<Record<keyof typeof analyticCategoryTypes, CategoryTypeSpec>> &
  Readonly<Record<string, CategoryTypeSpec>> = { ...catalogCategoryTypes, ...analyticCategoryTypes };

export { correlationTypes, snakeMetric };

export const healthTypeIds = [...Object.keys(quantityTypes), ...Object.keys(categoryTypes)] as HealthTypeId[];

export function isQuantityType(t: string): t is QuantityTypeId {
  return Object.hasOwn(quantityTypes, t);
}
export function isCategoryType(t: string): t is CategoryTypeId {
  return Object.hasOwn(categoryTypes, t);
}

/** Metric of a HealthKit identifier this table does not document yet. */
export function futureMetric(type: string): string {
  return `x_${snakeMetric(type)}`;
}

/**
 * The spec a sample of `type` is checked and stored with: the documented one, or for an identifier of
 * HealthKit's form that the table does not know yet (a future iOS), a generic one: a quantity is stored in
 * the unit it came with (any finite value), a category with its value name. undefined: not a HealthKit type.
 */
export function specOf(
  type: string,
  unit: string | undefined,
): QuantityTypeSpec | CategoryTypeSpec | undefined {
  if (Object.hasOwn(quantityTypes, type)) return quantityTypes[type];
  if (Object.hasOwn(categoryTypes, type)) return categoryTypes[type];
  const future = isFutureHealthKitIdentifier(type);
  if (future === 'category') return { kind: 'category', metric: futureMetric(type), values: {} };
  if (future === 'quantity') {
    const u = unit ?? 'count';
    return {
      kind: 'quantity',
      metric: futureMetric(type),
      canonicalUnit: u,
      units: { [u]: 1 },
      range: [-1e12, 1e12],
      aggregation: 'instant',
    };
  }
  return undefined;
}

/** A value in `unit` converted to the spec's canonical unit; undefined when the unit is not one of its own. */
export function toCanonicalUnit(spec: QuantityTypeSpec, unit: string, value: number): number | undefined {
  if (!Object.hasOwn(spec.units, unit)) return undefined;
  const v = value * (spec.units[unit] as number);
  const off = spec.offsets?.[unit];
  return off === undefined ? v : v + off;
}

/**
 * A category value (an HKCategoryValue… name or its raw integer) read against a category's value set:
 * its name and raw value. A generic category (empty set) takes any name, or an integer as its raw value.
 */
export function parseCategoryValue(
  spec: CategoryTypeSpec,
  v: unknown,
): { name: string; raw: number | null } | undefined {
  const values = spec.values ?? {};
  const known = Object.keys(values).length > 0;
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || Math.abs(v) > 1e9) return undefined;
    if (!known) return { name: String(v), raw: v };
    const name = Object.keys(values).find((k) => values[k] === v);
    return name === undefined ? undefined : { name, raw: v };
  }
  if (typeof v !== 'string' || v.length === 0 || v.length > 100) return undefined;
  if (Object.hasOwn(values, v)) return { name: v, raw: values[v] as number };
  if (/^-?\d+$/.test(v)) return parseCategoryValue(spec, Number(v));
  return known ? undefined : { name: v, raw: null };
}

/**
 * Sleep stages, iOS 16+. Integer codes are HKCategoryValueSleepAnalysis raw values; the legacy
 * `HKCategoryValueSleepAnalysisAsleep` (iOS < 16) is the same raw value as asleepUnspecified (1).
 */
export const sleepStages = [
  'inBed',
  'asleepUnspecified',
  'awake',
  'asleepCore',
  'asleepDeep',
  'asleepREM',
] as const;
export type SleepStage = (typeof sleepStages)[number];

const sleepStageAliases: Record<string, SleepStage> = {
  HKCategoryValueSleepAnalysisInBed: 'inBed',
  HKCategoryValueSleepAnalysisAsleepUnspecified: 'asleepUnspecified',
  HKCategoryValueSleepAnalysisAsleep: 'asleepUnspecified',
  HKCategoryValueSleepAnalysisAwake: 'awake',
  HKCategoryValueSleepAnalysisAsleepCore: 'asleepCore',
  HKCategoryValueSleepAnalysisAsleepDeep: 'asleepDeep',
  HKCategoryValueSleepAnalysisAsleepREM: 'asleepREM',
  asleep: 'asleepUnspecified',
};

/** Parses a sleep value given as a stage name, an HKCategoryValue name or a raw integer code. */
export function parseSleepStage(v: unknown): SleepStage | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return sleepStages[v];
  if (typeof v !== 'string') return undefined;
  if ((sleepStages as readonly string[]).includes(v)) return v as SleepStage;
  return sleepStageAliases[v];
}

export function isAsleep(stage: SleepStage): boolean {
  return stage !== 'inBed' && stage !== 'awake';
}
