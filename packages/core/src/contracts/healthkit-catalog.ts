/**
 * Every HealthKit quantity, category and correlation type Apple documents (HealthKit "Data types" and the
 * HKQuantityTypeIdentifier / HKCategoryTypeIdentifier / HKCorrelationTypeIdentifier references, through
 * iOS 18), beyond the twelve the analytics use (health-types.ts), with the canonical unit each is stored in,
 * the unit strings HealthKit writes for it (export.xml `unit` attributes and HKUnit unitString) and their
 * conversion, a wide plausible range, and how samples add up. packages/core/README-healthkit-types.md is
 * the same table for people; a test checks the two agree.
 *
 * HealthKit writes percentages as fractions with unit "%" (0.25 is 25 %): they are stored as unit "fraction".
 */

/** A unit family: factors from each unit string to the family's base unit. */
type Family = Readonly<Record<string, number>>;

const length: Family = {
  m: 1,
  cm: 0.01,
  mm: 0.001,
  km: 1000,
  in: 0.0254,
  ft: 0.3048,
  yd: 0.9144,
  mi: 1609.344,
};
const mass: Family = {
  g: 1,
  mg: 0.001,
  mcg: 1e-6,
  kg: 1000,
  oz: 28.349523125,
  lb: 453.59237,
  st: 6350.29318,
};
const energy: Family = { kcal: 1, Cal: 1, kJ: 1 / 4.184, cal: 0.001, J: 1 / 4184 };
const time: Family = { min: 1, s: 1 / 60, ms: 1 / 60_000, hr: 60, h: 60, d: 1440 };
const volume: Family = {
  L: 1,
  mL: 0.001,
  dL: 0.1,
  fl_oz_us: 0.0295735295625,
  fl_oz_imp: 0.0284130625,
  cup_us: 0.2365882365,
  cup_imp: 0.284130625,
  pt_us: 0.473176473,
  pt_imp: 0.56826125,
};
const speed: Family = { 'm/s': 1, 'km/hr': 1 / 3.6, 'mi/hr': 0.44704, 'm/min': 1 / 60, 'ft/s': 0.3048 };
const rate: Family = { 'count/min': 1, 'count/s': 60 };
const count: Family = { count: 1 };
const fraction: Family = { fraction: 1, '%': 1 };
const glucose: Family = {
  'mg/dL': 1,
  // HealthKit's molar unit carries the molar mass of glucose: mmol<180.15588000005408>/L (the export writes it so).
  'mmol<180.15588000005408>/L': 18.015588000005408,
  'mmol<180.1558800000541>/L': 18.01558800000541,
  'mmol/L': 18.015588,
};

/** A unit family re-based on one of its own units. */
function based(family: Family, canonical: string): Record<string, number> {
  const base = family[canonical];
  if (base === undefined) throw new Error(`${canonical} is not in its unit family`);
  const out: Record<string, number> = {};
  for (const [u, f] of Object.entries(family)) out[u] = f / base;
  out[canonical] = 1;
  return out;
}

export interface CatalogQuantity {
  kind: 'quantity';
  metric: string;
  canonicalUnit: string;
  units: Readonly<Record<string, number>>;
  /** Added after the factor (affine units: degF, K). */
  offsets?: Readonly<Record<string, number>>;
  range: readonly [number, number];
  aggregation: 'instant' | 'cumulative';
}

/** snake_case of an identifier's name: HKQuantityTypeIdentifierVO2Max → vo2_max. */
export function snakeMetric(identifier: string): string {
  return identifier
    .replace(/^HK(Quantity|Category|Correlation|Data)Type(Identifier)?/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

const q = (
  family: Family,
  canonicalUnit: string,
  range: readonly [number, number],
  aggregation: 'instant' | 'cumulative' = 'instant',
): Omit<CatalogQuantity, 'metric'> => ({
  kind: 'quantity',
  canonicalUnit,
  units: based(family, canonicalUnit),
  range,
  aggregation,
});
const sum = (family: Family, canonicalUnit: string, hi: number): Omit<CatalogQuantity, 'metric'> =>
  q(family, canonicalUnit, [0, hi], 'cumulative');
const temperature = (range: readonly [number, number]): Omit<CatalogQuantity, 'metric'> => ({
  kind: 'quantity',
  canonicalUnit: 'degC',
  units: { degC: 1, degF: 5 / 9, K: 1 },
  offsets: { degF: -160 / 9, K: -273.15 },
  range,
  aggregation: 'instant',
});
const single = (unit: string, range: readonly [number, number]): Omit<CatalogQuantity, 'metric'> =>
  q({ [unit]: 1 }, unit, range);

/** Quantity types, identifier → spec without its metric (the metric is snakeMetric of the identifier). */
const quantitySpecs: Record<string, Omit<CatalogQuantity, 'metric'>> = {
  // Body measurements
  HKQuantityTypeIdentifierBodyMassIndex: q(count, 'count', [5, 150]),
  HKQuantityTypeIdentifierBodyFatPercentage: q(fraction, 'fraction', [0.01, 0.8]),
  HKQuantityTypeIdentifierHeight: q(length, 'm', [0.3, 2.8]),
  HKQuantityTypeIdentifierBodyMass: q(mass, 'kg', [1, 650]),
  HKQuantityTypeIdentifierLeanBodyMass: q(mass, 'kg', [1, 400]),
  HKQuantityTypeIdentifierWaistCircumference: q(length, 'm', [0.2, 3]),
  HKQuantityTypeIdentifierAppleSleepingWristTemperature: temperature([25, 45]),
  // Fitness
  HKQuantityTypeIdentifierDistanceCycling: sum(length, 'm', 1_000_000),
  HKQuantityTypeIdentifierDistanceWheelchair: sum(length, 'm', 500_000),
  HKQuantityTypeIdentifierDistanceSwimming: sum(length, 'm', 100_000),
  HKQuantityTypeIdentifierDistanceDownhillSnowSports: sum(length, 'm', 500_000),
  HKQuantityTypeIdentifierDistanceCrossCountrySkiing: sum(length, 'm', 500_000),
  HKQuantityTypeIdentifierDistancePaddleSports: sum(length, 'm', 500_000),
  HKQuantityTypeIdentifierDistanceRowing: sum(length, 'm', 500_000),
  HKQuantityTypeIdentifierDistanceSkatingSports: sum(length, 'm', 500_000),
  HKQuantityTypeIdentifierFlightsClimbed: sum(count, 'count', 10_000),
  HKQuantityTypeIdentifierNikeFuel: sum(count, 'count', 100_000),
  HKQuantityTypeIdentifierAppleExerciseTime: sum(time, 'min', 2160),
  HKQuantityTypeIdentifierAppleMoveTime: sum(time, 'min', 2160),
  HKQuantityTypeIdentifierAppleStandTime: sum(time, 'min', 2160),
  HKQuantityTypeIdentifierPushCount: sum(count, 'count', 200_000),
  HKQuantityTypeIdentifierSwimmingStrokeCount: sum(count, 'count', 200_000),
  HKQuantityTypeIdentifierVO2Max: q(
    { 'mL/min·kg': 1, 'ml/(kg*min)': 1, 'mL/kg/min': 1, 'mL/(kg·min)': 1 },
    'mL/min·kg',
    [5, 100],
  ),
  HKQuantityTypeIdentifierCyclingCadence: q(rate, 'count/min', [0, 300]),
  HKQuantityTypeIdentifierCyclingFunctionalThresholdPower: single('W', [0, 3000]),
  HKQuantityTypeIdentifierCyclingPower: single('W', [0, 3000]),
  HKQuantityTypeIdentifierCyclingSpeed: q(speed, 'm/s', [0, 40]),
  HKQuantityTypeIdentifierPhysicalEffort: q(
    { 'kcal/hr·kg': 1, 'kcal/(kg·hr)': 1, 'kcal/(kg*hr)': 1 },
    'kcal/hr·kg',
    [0, 30],
  ),
  HKQuantityTypeIdentifierRunningGroundContactTime: q({ ms: 1, s: 1000 }, 'ms', [0, 2000]),
  HKQuantityTypeIdentifierRunningPower: single('W', [0, 3000]),
  HKQuantityTypeIdentifierRunningSpeed: q(speed, 'm/s', [0, 15]),
  HKQuantityTypeIdentifierRunningStrideLength: q(length, 'm', [0, 4]),
  HKQuantityTypeIdentifierRunningVerticalOscillation: q(length, 'cm', [0, 50]),
  HKQuantityTypeIdentifierCrossCountrySkiingSpeed: q(speed, 'm/s', [0, 20]),
  HKQuantityTypeIdentifierPaddleSportsSpeed: q(speed, 'm/s', [0, 15]),
  HKQuantityTypeIdentifierRowingSpeed: q(speed, 'm/s', [0, 15]),
  HKQuantityTypeIdentifierEstimatedWorkoutEffortScore: single('appleEffortScore', [0, 10]),
  HKQuantityTypeIdentifierWorkoutEffortScore: single('appleEffortScore', [0, 10]),
  HKQuantityTypeIdentifierTimeInDaylight: sum(time, 'min', 2160),
  HKQuantityTypeIdentifierUnderwaterDepth: q(length, 'm', [0, 400]),
  HKQuantityTypeIdentifierWaterTemperature: temperature([-5, 50]),
  // Vital signs
  HKQuantityTypeIdentifierHeartRateRecoveryOneMinute: q(rate, 'count/min', [0, 150]),
  HKQuantityTypeIdentifierAtrialFibrillationBurden: q(fraction, 'fraction', [0, 1]),
  HKQuantityTypeIdentifierBodyTemperature: temperature([25, 45]),
  HKQuantityTypeIdentifierBasalBodyTemperature: temperature([30, 42]),
  HKQuantityTypeIdentifierBloodPressureSystolic: single('mmHg', [40, 300]),
  HKQuantityTypeIdentifierBloodPressureDiastolic: single('mmHg', [20, 200]),
  HKQuantityTypeIdentifierPeripheralPerfusionIndex: q(fraction, 'fraction', [0, 0.3]),
  HKQuantityTypeIdentifierAppleSleepingBreathingDisturbances: q(count, 'count', [0, 200]),
  // Hearing
  HKQuantityTypeIdentifierEnvironmentalAudioExposure: single('dBASPL', [0, 200]),
  HKQuantityTypeIdentifierHeadphoneAudioExposure: single('dBASPL', [0, 200]),
  HKQuantityTypeIdentifierEnvironmentalSoundReduction: single('dBASPL', [0, 200]),
  // Mobility
  HKQuantityTypeIdentifierWalkingSpeed: q(speed, 'm/s', [0, 5]),
  HKQuantityTypeIdentifierWalkingStepLength: q(length, 'm', [0, 3]),
  HKQuantityTypeIdentifierWalkingAsymmetryPercentage: q(fraction, 'fraction', [0, 1]),
  HKQuantityTypeIdentifierWalkingDoubleSupportPercentage: q(fraction, 'fraction', [0, 1]),
  HKQuantityTypeIdentifierStairAscentSpeed: q(speed, 'm/s', [0, 5]),
  HKQuantityTypeIdentifierStairDescentSpeed: q(speed, 'm/s', [0, 5]),
  HKQuantityTypeIdentifierSixMinuteWalkTestDistance: q(length, 'm', [0, 1500]),
  HKQuantityTypeIdentifierAppleWalkingSteadiness: q(fraction, 'fraction', [0, 1]),
  // Lab and test results
  HKQuantityTypeIdentifierBloodAlcoholContent: q(fraction, 'fraction', [0, 0.01]),
  HKQuantityTypeIdentifierBloodGlucose: q(glucose, 'mg/dL', [10, 1500]),
  HKQuantityTypeIdentifierElectrodermalActivity: q({ mcS: 1, S: 1e6, mS: 1000 }, 'mcS', [0, 100]),
  HKQuantityTypeIdentifierForcedExpiratoryVolume1: q(volume, 'L', [0, 10]),
  HKQuantityTypeIdentifierForcedVitalCapacity: q(volume, 'L', [0, 12]),
  HKQuantityTypeIdentifierInhalerUsage: sum(count, 'count', 200),
  HKQuantityTypeIdentifierInsulinDelivery: sum({ IU: 1 }, 'IU', 500),
  HKQuantityTypeIdentifierNumberOfTimesFallen: sum(count, 'count', 100),
  HKQuantityTypeIdentifierPeakExpiratoryFlowRate: q(
    { 'L/min': 1, 'mL/min': 0.001, 'L/s': 60 },
    'L/min',
    [0, 1500],
  ),
  HKQuantityTypeIdentifierNumberOfAlcoholicBeverages: sum(count, 'count', 100),
  HKQuantityTypeIdentifierUVExposure: q(count, 'count', [0, 20]),
  // Nutrition
  HKQuantityTypeIdentifierDietaryEnergyConsumed: sum(energy, 'kcal', 30_000),
  HKQuantityTypeIdentifierDietaryFatTotal: sum(mass, 'g', 2000),
  HKQuantityTypeIdentifierDietaryFatSaturated: sum(mass, 'g', 2000),
  HKQuantityTypeIdentifierDietaryFatMonounsaturated: sum(mass, 'g', 2000),
  HKQuantityTypeIdentifierDietaryFatPolyunsaturated: sum(mass, 'g', 2000),
  HKQuantityTypeIdentifierDietaryCholesterol: sum(mass, 'mg', 20_000),
  HKQuantityTypeIdentifierDietarySodium: sum(mass, 'mg', 100_000),
  HKQuantityTypeIdentifierDietaryCarbohydrates: sum(mass, 'g', 5000),
  HKQuantityTypeIdentifierDietaryFiber: sum(mass, 'g', 1000),
  HKQuantityTypeIdentifierDietarySugar: sum(mass, 'g', 5000),
  HKQuantityTypeIdentifierDietaryProtein: sum(mass, 'g', 2000),
  HKQuantityTypeIdentifierDietaryVitaminA: sum(mass, 'mcg', 1_000_000),
  HKQuantityTypeIdentifierDietaryVitaminB6: sum(mass, 'mg', 10_000),
  HKQuantityTypeIdentifierDietaryVitaminB12: sum(mass, 'mcg', 100_000),
  HKQuantityTypeIdentifierDietaryVitaminC: sum(mass, 'mg', 100_000),
  HKQuantityTypeIdentifierDietaryVitaminD: sum(mass, 'mcg', 100_000),
  HKQuantityTypeIdentifierDietaryVitaminE: sum(mass, 'mg', 100_000),
  HKQuantityTypeIdentifierDietaryVitaminK: sum(mass, 'mcg', 100_000),
  HKQuantityTypeIdentifierDietaryCalcium: sum(mass, 'mg', 100_000),
  HKQuantityTypeIdentifierDietaryIron: sum(mass, 'mg', 10_000),
  HKQuantityTypeIdentifierDietaryThiamin: sum(mass, 'mg', 10_000),
  HKQuantityTypeIdentifierDietaryRiboflavin: sum(mass, 'mg', 10_000),
  HKQuantityTypeIdentifierDietaryNiacin: sum(mass, 'mg', 10_000),
  HKQuantityTypeIdentifierDietaryFolate: sum(mass, 'mcg', 100_000),
  HKQuantityTypeIdentifierDietaryBiotin: sum(mass, 'mcg', 100_000),
  HKQuantityTypeIdentifierDietaryPantothenicAcid: sum(mass, 'mg', 10_000),
  HKQuantityTypeIdentifierDietaryPhosphorus: sum(mass, 'mg', 100_000),
  HKQuantityTypeIdentifierDietaryIodine: sum(mass, 'mcg', 100_000),
  HKQuantityTypeIdentifierDietaryMagnesium: sum(mass, 'mg', 100_000),
  HKQuantityTypeIdentifierDietaryZinc: sum(mass, 'mg', 10_000),
  HKQuantityTypeIdentifierDietarySelenium: sum(mass, 'mcg', 100_000),
  HKQuantityTypeIdentifierDietaryCopper: sum(mass, 'mg', 10_000),
  HKQuantityTypeIdentifierDietaryManganese: sum(mass, 'mg', 10_000),
  HKQuantityTypeIdentifierDietaryChromium: sum(mass, 'mcg', 100_000),
  HKQuantityTypeIdentifierDietaryMolybdenum: sum(mass, 'mcg', 100_000),
  HKQuantityTypeIdentifierDietaryChloride: sum(mass, 'mg', 100_000),
  HKQuantityTypeIdentifierDietaryPotassium: sum(mass, 'mg', 100_000),
  HKQuantityTypeIdentifierDietaryCaffeine: sum(mass, 'mg', 10_000),
  HKQuantityTypeIdentifierDietaryWater: sum(volume, 'mL', 50_000),
  // Sleep goal (iOS 17+; written as HKDataTypeSleepDurationGoal in exports)
  HKDataTypeSleepDurationGoal: q(time, 'hr', [0, 24]),
};

export const catalogQuantityTypes: Readonly<Record<string, CatalogQuantity>> = Object.fromEntries(
  Object.entries(quantitySpecs).map(([id, spec]) => [id, { ...spec, metric: snakeMetric(id) }]),
);

/**
 * Category value sets: the HKCategoryValue… names HealthKit (and export.xml) writes, with their raw values.
 */
const notApplicable = { HKCategoryValueNotApplicable: 0 } as const;
const severity = {
  HKCategoryValueSeverityUnspecified: 0,
  HKCategoryValueSeverityNotPresent: 1,
  HKCategoryValueSeverityMild: 2,
  HKCategoryValueSeverityModerate: 3,
  HKCategoryValueSeveritySevere: 4,
} as const;
const presence = { HKCategoryValuePresencePresent: 0, HKCategoryValuePresenceNotPresent: 1 } as const;
const vaginalBleeding = {
  HKCategoryValueVaginalBleedingUnspecified: 1,
  HKCategoryValueVaginalBleedingLight: 2,
  HKCategoryValueVaginalBleedingMedium: 3,
  HKCategoryValueVaginalBleedingHeavy: 4,
  HKCategoryValueVaginalBleedingNone: 5,
} as const;
const testResult = (name: string): Record<string, number> => ({
  [`HKCategoryValue${name}Negative`]: 1,
  [`HKCategoryValue${name}Positive`]: 2,
  [`HKCategoryValue${name}Indeterminate`]: 3,
});

export interface CatalogCategory {
  kind: 'category';
  metric: string;
  /** HKCategoryValue… name → raw value. */
  values: Readonly<Record<string, number>>;
}

const symptoms = [
  'AbdominalCramps',
  'Acne',
  'BladderIncontinence',
  'Bloating',
  'BreastPain',
  'ChestTightnessOrPain',
  'Chills',
  'Constipation',
  'Coughing',
  'Diarrhea',
  'Dizziness',
  'DrySkin',
  'Fainting',
  'Fatigue',
  'Fever',
  'GeneralizedBodyAche',
  'HairLoss',
  'Headache',
  'Heartburn',
  'HotFlashes',
  'LossOfSmell',
  'LossOfTaste',
  'LowerBackPain',
  'MemoryLapse',
  'Nausea',
  'NightSweats',
  'PelvicPain',
  'RapidPoundingOrFlutteringHeartbeat',
  'RunnyNose',
  'ShortnessOfBreath',
  'SinusCongestion',
  'SkippedHeartbeat',
  'SoreThroat',
  'VaginalDryness',
  'Vomiting',
  'Wheezing',
] as const;

const categoryValueSets: Record<string, Readonly<Record<string, number>>> = {
  HKCategoryTypeIdentifierAppleStandHour: {
    HKCategoryValueAppleStandHourStood: 0,
    HKCategoryValueAppleStandHourIdle: 1,
  },
  HKCategoryTypeIdentifierLowCardioFitnessEvent: { HKCategoryValueLowCardioFitnessEventLowFitness: 1 },
  HKCategoryTypeIdentifierMindfulSession: notApplicable,
  HKCategoryTypeIdentifierHighHeartRateEvent: notApplicable,
  HKCategoryTypeIdentifierLowHeartRateEvent: notApplicable,
  HKCategoryTypeIdentifierIrregularHeartRhythmEvent: notApplicable,
  HKCategoryTypeIdentifierAudioExposureEvent: { HKCategoryValueAudioExposureEventLoudEnvironment: 1 },
  HKCategoryTypeIdentifierEnvironmentalAudioExposureEvent: {
    HKCategoryValueEnvironmentalAudioExposureEventMomentaryLimit: 1,
  },
  HKCategoryTypeIdentifierHeadphoneAudioExposureEvent: {
    HKCategoryValueHeadphoneAudioExposureEventSevenDayLimit: 1,
  },
  HKCategoryTypeIdentifierToothbrushingEvent: notApplicable,
  HKCategoryTypeIdentifierHandwashingEvent: notApplicable,
  HKCategoryTypeIdentifierSleepApneaEvent: notApplicable,
  HKCategoryTypeIdentifierAppleWalkingSteadinessEvent: {
    HKCategoryValueAppleWalkingSteadinessEventInitialLow: 1,
    HKCategoryValueAppleWalkingSteadinessEventInitialVeryLow: 2,
    HKCategoryValueAppleWalkingSteadinessEventRepeatLow: 3,
    HKCategoryValueAppleWalkingSteadinessEventRepeatVeryLow: 4,
  },
  // Reproductive health
  HKCategoryTypeIdentifierMenstrualFlow: {
    HKCategoryValueMenstrualFlowUnspecified: 1,
    HKCategoryValueMenstrualFlowLight: 2,
    HKCategoryValueMenstrualFlowMedium: 3,
    HKCategoryValueMenstrualFlowHeavy: 4,
    HKCategoryValueMenstrualFlowNone: 5,
    ...vaginalBleeding,
  },
  HKCategoryTypeIdentifierIntermenstrualBleeding: notApplicable,
  HKCategoryTypeIdentifierInfrequentMenstrualCycles: notApplicable,
  HKCategoryTypeIdentifierIrregularMenstrualCycles: notApplicable,
  HKCategoryTypeIdentifierPersistentIntermenstrualBleeding: notApplicable,
  HKCategoryTypeIdentifierProlongedMenstrualPeriods: notApplicable,
  HKCategoryTypeIdentifierCervicalMucusQuality: {
    HKCategoryValueCervicalMucusQualityDry: 1,
    HKCategoryValueCervicalMucusQualitySticky: 2,
    HKCategoryValueCervicalMucusQualityCreamy: 3,
    HKCategoryValueCervicalMucusQualityWatery: 4,
    HKCategoryValueCervicalMucusQualityEggWhite: 5,
  },
  HKCategoryTypeIdentifierOvulationTestResult: {
    HKCategoryValueOvulationTestResultNegative: 1,
    HKCategoryValueOvulationTestResultLuteinizingHormoneSurge: 2,
    HKCategoryValueOvulationTestResultPositive: 2,
    HKCategoryValueOvulationTestResultIndeterminate: 3,
    HKCategoryValueOvulationTestResultEstrogenSurge: 4,
  },
  HKCategoryTypeIdentifierPregnancyTestResult: testResult('PregnancyTestResult'),
  HKCategoryTypeIdentifierProgesteroneTestResult: testResult('ProgesteroneTestResult'),
  HKCategoryTypeIdentifierSexualActivity: notApplicable,
  HKCategoryTypeIdentifierContraceptive: {
    HKCategoryValueContraceptiveUnspecified: 1,
    HKCategoryValueContraceptiveImplant: 2,
    HKCategoryValueContraceptiveInjection: 3,
    HKCategoryValueContraceptiveIntrauterineDevice: 4,
    HKCategoryValueContraceptiveIntravaginalRing: 5,
    HKCategoryValueContraceptiveOral: 6,
    HKCategoryValueContraceptivePatch: 7,
  },
  HKCategoryTypeIdentifierPregnancy: notApplicable,
  HKCategoryTypeIdentifierLactation: notApplicable,
  HKCategoryTypeIdentifierBleedingAfterPregnancy: vaginalBleeding,
  HKCategoryTypeIdentifierBleedingDuringPregnancy: vaginalBleeding,
  // Symptoms
  HKCategoryTypeIdentifierAppetiteChanges: {
    HKCategoryValueAppetiteChangesUnspecified: 0,
    HKCategoryValueAppetiteChangesNoChange: 1,
    HKCategoryValueAppetiteChangesDecreased: 2,
    HKCategoryValueAppetiteChangesIncreased: 3,
  },
  HKCategoryTypeIdentifierMoodChanges: presence,
  HKCategoryTypeIdentifierSleepChanges: presence,
  ...Object.fromEntries(symptoms.map((s) => [`HKCategoryTypeIdentifier${s}`, severity])),
};

export const catalogCategoryTypes: Readonly<Record<string, CatalogCategory>> = Object.fromEntries(
  Object.entries(categoryValueSets).map(([id, values]) => [
    id,
    { kind: 'category', metric: snakeMetric(id), values },
  ]),
);

/**
 * Correlation types: a correlation groups quantity samples taken together. It is stored as its component
 * samples (each in its own series), which is how an export writes it (Record children of the Correlation).
 */
export const correlationTypes: Readonly<Record<string, { components: readonly string[] }>> = {
  HKCorrelationTypeIdentifierBloodPressure: {
    components: [
      'HKQuantityTypeIdentifierBloodPressureSystolic',
      'HKQuantityTypeIdentifierBloodPressureDiastolic',
    ],
  },
  HKCorrelationTypeIdentifierFood: {
    components: Object.keys(quantitySpecs).filter((id) => id.startsWith('HKQuantityTypeIdentifierDietary')),
  },
};

/** A HealthKit-style identifier this table does not know yet (stored generically, see health-types.ts). */
export function isFutureHealthKitIdentifier(type: string): 'quantity' | 'category' | undefined {
  if (/^HKQuantityTypeIdentifier[A-Z][A-Za-z0-9]{0,80}$/.test(type)) return 'quantity';
  if (/^HKCategoryTypeIdentifier[A-Z][A-Za-z0-9]{0,80}$/.test(type)) return 'category';
  if (/^HKDataType[A-Z][A-Za-z0-9]{0,80}$/.test(type)) return 'quantity';
  return undefined;
}
