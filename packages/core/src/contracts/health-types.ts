/**
 * The HealthKit types this backend understands, with their canonical metric, accepted units (and the factor
 * to the canonical unit) and the physiological range a value must fall in after conversion. One table, used
 * by the JSON upload schema and by the Apple Health export importer, so both accept and reject alike.
 *
 * Ranges are deliberately wide (they catch unit mistakes and sensor garbage, not unusual physiology).
 */
export type MetricId =
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

export interface QuantityTypeSpec {
  kind: 'quantity';
  metric: MetricId;
  canonicalUnit: string;
  /** Accepted unit strings (as HealthKit writes them) and the factor that converts to canonicalUnit. */
  units: Readonly<Record<string, number>>;
  /** Inclusive physiological range in the canonical unit. */
  range: readonly [number, number];
  /** 'instant' samples describe a moment (start may equal end); 'cumulative' ones a total over [start, end]. */
  aggregation: 'instant' | 'cumulative';
}

export interface CategoryTypeSpec {
  kind: 'category';
  metric: MetricId;
}

export const quantityTypes = {
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
    units: { '%': 1 },
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

export const categoryTypes = {
  HKCategoryTypeIdentifierSleepAnalysis: { kind: 'category', metric: 'sleep' },
} as const satisfies Record<string, CategoryTypeSpec>;

export type QuantityTypeId = keyof typeof quantityTypes;
export type CategoryTypeId = keyof typeof categoryTypes;
export type HealthTypeId = QuantityTypeId | CategoryTypeId;

export const healthTypeIds = [...Object.keys(quantityTypes), ...Object.keys(categoryTypes)] as HealthTypeId[];

export function isQuantityType(t: string): t is QuantityTypeId {
  return Object.hasOwn(quantityTypes, t);
}
export function isCategoryType(t: string): t is CategoryTypeId {
  return Object.hasOwn(categoryTypes, t);
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
