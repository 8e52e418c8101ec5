/**
 * The codes and units of the FHIR R4 and Open mHealth exports: one table, used by the exporters
 * (fhir.ts, omh.ts) and by the FHIR import (fhir-import.ts), and printed as
 * packages/core/README-interop.md (a test fails when the two differ).
 *
 * - Metrics with a LOINC code carry it as their first coding. Every stored metric also carries its HealthKit
 *   type identifier in the `healthkit` system, so a sample's exact type survives a round trip.
 * - Units are UCUM (system http://unitsofmeasure.org). HealthKit fractions ("%" with 0.97) are exported as
 *   percent (97 %); each unit says the factor from the stored (canonical) unit.
 * - Codes of this project (analysis results, device activity counts, sleep stages, algorithms, tags) are in
 *   `urn:clarity-loop:codes:*` systems: names, not web addresses, so nothing pretends to resolve.
 */
import { categoryTypes, quantityTypes, type MetricId } from '../contracts/health-types.ts';

export const systems = {
  loinc: 'http://loinc.org',
  ucum: 'http://unitsofmeasure.org',
  observationCategory: 'http://terminology.hl7.org/CodeSystem/observation-category',
  provenanceParticipant: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type',
  /** HealthKit type identifiers (HKQuantityTypeIdentifier…, HKCategoryTypeIdentifier…) as codes. */
  healthkit: 'urn:clarity-loop:codes:healthkit-type',
  /** HKCategoryValue… names of category samples other than sleep. */
  healthkitCategoryValue: 'urn:clarity-loop:codes:healthkit-category-value',
  /** Sleep stages (health-types.ts sleepStages). */
  sleepStage: 'urn:clarity-loop:codes:sleep-stage',
  /** Device-specific measures: activity counts per device family. */
  deviceMeasure: 'urn:clarity-loop:codes:device-measure',
  /** Results of this project's analytics. */
  analysis: 'urn:clarity-loop:codes:analysis',
  /** The algorithm a result was computed with (Provenance.algorithm of the core's analytics). */
  algorithm: 'urn:clarity-loop:codes:algorithm',
  /** Tags that tell summaries and results from measured samples. */
  tag: 'urn:clarity-loop:codes:tag',
  /** Identifier systems. */
  uid: 'urn:clarity-loop:id:uid',
  subject: 'urn:clarity-loop:id:subject',
  upload: 'urn:clarity-loop:id:upload',
  source: 'urn:clarity-loop:id:source',
  /** Extension carrying an analysis result's algorithm, variant, parameters and coverage as JSON. */
  algorithmExtension: 'urn:clarity-loop:fhir:extension:algorithm-provenance',
} as const;

export interface Coding {
  system: string;
  code: string;
  display: string;
}

/** A UCUM unit: `unit` for people, `code` for machines, `factor` from the stored unit (value × factor). */
export interface UcumUnit {
  unit: string;
  code: string;
  factor: number;
}

/** UCUM units of the canonical (stored) units of health-types.ts. */
const ucumByCanonical: Record<string, UcumUnit> = {
  count: { unit: 'count', code: '{count}', factor: 1 },
  fraction: { unit: '%', code: '%', factor: 100 },
  m: { unit: 'm', code: 'm', factor: 1 },
  cm: { unit: 'cm', code: 'cm', factor: 1 },
  kg: { unit: 'kg', code: 'kg', factor: 1 },
  g: { unit: 'g', code: 'g', factor: 1 },
  mg: { unit: 'mg', code: 'mg', factor: 1 },
  mcg: { unit: 'µg', code: 'ug', factor: 1 },
  degC: { unit: '°C', code: 'Cel', factor: 1 },
  min: { unit: 'min', code: 'min', factor: 1 },
  hr: { unit: 'h', code: 'h', factor: 1 },
  ms: { unit: 'ms', code: 'ms', factor: 1 },
  'mL/min·kg': { unit: 'mL/(min·kg)', code: 'mL/min/kg', factor: 1 },
  'count/min': { unit: '/min', code: '/min', factor: 1 },
  W: { unit: 'W', code: 'W', factor: 1 },
  'm/s': { unit: 'm/s', code: 'm/s', factor: 1 },
  'kcal/hr·kg': { unit: 'kcal/(h·kg)', code: 'kcal/h/kg', factor: 1 },
  appleEffortScore: { unit: 'score', code: '{score}', factor: 1 },
  mmHg: { unit: 'mmHg', code: 'mm[Hg]', factor: 1 },
  dBASPL: { unit: 'dB SPL', code: 'dB[SPL]', factor: 1 },
  'mg/dL': { unit: 'mg/dL', code: 'mg/dL', factor: 1 },
  mcS: { unit: 'µS', code: 'uS', factor: 1 },
  L: { unit: 'L', code: 'L', factor: 1 },
  mL: { unit: 'mL', code: 'mL', factor: 1 },
  IU: { unit: 'IU', code: '[iU]', factor: 1 },
  'L/min': { unit: 'L/min', code: 'L/min', factor: 1 },
  kcal: { unit: 'kcal', code: 'kcal', factor: 1 },
};

export interface MetricCode {
  /** The LOINC coding where LOINC has the measure; else undefined (the HealthKit coding stands alone). */
  loinc?: Coding;
  /** Device activity counts have a device-specific code instead (deviceCountCoding). */
  unit: UcumUnit;
  category: 'vital-signs' | 'activity';
}

const loinc = (code: string, display: string): Coding => ({ system: systems.loinc, code, display });

/**
 * LOINC codes of the stored metrics that LOINC has. The issue's list (heart rate 8867-4, HRV SDNN 80404-7,
 * resting heart rate 40443-4, SpO2 59408-5, respiratory rate 9279-1, steps 55423-8, active energy 41981-2)
 * and the common vital signs; a metric not here is coded by its HealthKit identifier only.
 */
const metricCodes: Partial<Record<MetricId, Omit<MetricCode, 'unit'> & { unit?: UcumUnit }>> = {
  heart_rate: {
    loinc: loinc('8867-4', 'Heart rate'),
    unit: { unit: 'beats/minute', code: '/min', factor: 1 },
    category: 'vital-signs',
  },
  resting_heart_rate: {
    loinc: loinc('40443-4', 'Heart rate --resting'),
    unit: { unit: 'beats/minute', code: '/min', factor: 1 },
    category: 'vital-signs',
  },
  hrv_sdnn: {
    loinc: loinc('80404-7', 'R-R interval.standard deviation (Heart rate variability)'),
    category: 'vital-signs',
  },
  oxygen_saturation: {
    loinc: loinc('59408-5', 'Oxygen saturation in Arterial blood by Pulse oximetry'),
    category: 'vital-signs',
  },
  respiratory_rate: {
    loinc: loinc('9279-1', 'Respiratory rate'),
    unit: { unit: 'breaths/minute', code: '/min', factor: 1 },
    category: 'vital-signs',
  },
  steps: {
    loinc: loinc('55423-8', 'Number of steps in unspecified time Pedometer'),
    unit: { unit: 'steps', code: '{steps}', factor: 1 },
    category: 'activity',
  },
  active_energy: { loinc: loinc('41981-2', 'Calories burned'), category: 'activity' },
  body_mass: { loinc: loinc('29463-7', 'Body weight'), category: 'vital-signs' },
  height: { loinc: loinc('8302-2', 'Body height'), category: 'vital-signs' },
  body_mass_index: {
    loinc: loinc('39156-5', 'Body mass index (BMI) [Ratio]'),
    unit: { unit: 'kg/m2', code: 'kg/m2', factor: 1 },
    category: 'vital-signs',
  },
  body_temperature: { loinc: loinc('8310-5', 'Body temperature'), category: 'vital-signs' },
  blood_pressure_systolic: {
    loinc: loinc('8480-6', 'Systolic blood pressure'),
    category: 'vital-signs',
  },
  blood_pressure_diastolic: {
    loinc: loinc('8462-4', 'Diastolic blood pressure'),
    category: 'vital-signs',
  },
  activity_counts: {
    unit: { unit: 'counts', code: '{counts}', factor: 1 },
    category: 'activity',
  },
};

/** LOINC sleep duration, the code of a sleep episode and of total sleep time. */
export const sleepDurationCoding = loinc('93832-4', 'Sleep duration');

/** Sleep stage codes; deep sleep also has its LOINC duration code. */
export const sleepStageCodes: Record<string, { display: string; loinc?: Coding }> = {
  inBed: { display: 'In bed' },
  asleepUnspecified: { display: 'Asleep, stage unspecified' },
  awake: { display: 'Awake' },
  asleepCore: { display: 'Core (light) sleep' },
  asleepDeep: { display: 'Deep sleep', loinc: loinc('93831-6', 'Deep sleep duration') },
  asleepREM: { display: 'REM sleep' },
};

/** The UCUM unit of a canonical unit; a unit outside the table (a future identifier's own) is kept as text. */
export function ucumOf(canonicalUnit: string | null): UcumUnit | undefined {
  if (canonicalUnit === null) return undefined;
  return ucumByCanonical[canonicalUnit];
}

/** How a stored metric is coded and in which unit it is exported. */
export function metricCode(metric: MetricId, canonicalUnit: string | null): MetricCode | undefined {
  const m = metricCodes[metric];
  const unit = m?.unit ?? ucumOf(canonicalUnit);
  if (!unit) return undefined;
  return {
    ...(m?.loinc ? { loinc: m.loinc } : {}),
    unit,
    category: m?.category ?? (metric.startsWith('dietary_') ? 'activity' : 'vital-signs'),
  };
}

export function healthKitCoding(type: string): Coding {
  return { system: systems.healthkit, code: type, display: type.replace(/^HK\w+TypeIdentifier/, '') };
}

/** Device families of the activity-count sources and their measure code. */
const countFamilies: { match: RegExp; code: string; display: string }[] = [
  { match: /actiwatch/i, code: 'actiwatch-activity-count', display: 'Actiwatch activity count per epoch' },
  {
    match: /actigraph|gt3x|actisleep/i,
    code: 'actigraph-axis1-count',
    display: 'ActiGraph vertical-axis (axis 1) activity count per epoch',
  },
];

/** The device-specific code of activity counts from a source (Actiwatch, ActiGraph, other devices). */
export function deviceCountCoding(source: string): Coding {
  const f = countFamilies.find((x) => x.match.test(source));
  return {
    system: systems.deviceMeasure,
    code: f?.code ?? 'device-activity-count',
    display: f?.display ?? 'Device activity count per epoch (device units)',
  };
}

/** Analysis results and how they are coded. */
export const analysisCodes = {
  total_sleep_time: { display: 'Total sleep time', unit: ucumByCanonical.min, loinc: sleepDurationCoding },
  sleep_efficiency: { display: 'Sleep efficiency', unit: { unit: '%', code: '%', factor: 1 } },
  waso: { display: 'Wake after sleep onset', unit: ucumByCanonical.min },
  sleep_onset_latency: { display: 'Sleep onset latency', unit: ucumByCanonical.min },
  awakenings: { display: 'Number of awakenings', unit: ucumByCanonical.count },
  interdaily_stability: { display: 'Interdaily stability (IS)', unit: { unit: '1', code: '1', factor: 1 } },
  intradaily_variability: {
    display: 'Intradaily variability (IV)',
    unit: { unit: '1', code: '1', factor: 1 },
  },
  relative_amplitude: { display: 'Relative amplitude (RA)', unit: { unit: '1', code: '1', factor: 1 } },
  sdnn: {
    display: 'SDNN of NN intervals',
    unit: ucumByCanonical.ms,
    loinc: loinc('80404-7', 'R-R interval.standard deviation (Heart rate variability)'),
  },
  rmssd: { display: 'RMSSD of successive NN-interval differences', unit: ucumByCanonical.ms },
  mean_daily_steps: {
    display: 'Mean daily steps',
    unit: { unit: 'steps/day', code: '{steps}/d', factor: 1 },
  },
  mean_heart_rate: { display: 'Mean heart rate', unit: { unit: 'beats/minute', code: '/min', factor: 1 } },
  resting_heart_rate: {
    display: 'Resting heart rate (window)',
    unit: { unit: 'beats/minute', code: '/min', factor: 1 },
    loinc: loinc('40443-4', 'Heart rate --resting'),
  },
} as const satisfies Record<string, { display: string; unit: UcumUnit | undefined; loinc?: Coding }>;

export type AnalysisKey = keyof typeof analysisCodes;

export function analysisCoding(key: AnalysisKey): Coding[] {
  const a = analysisCodes[key] as { display: string; loinc?: Coding };
  return [
    ...(a.loinc ? [a.loinc] : []),
    { system: systems.analysis, code: key.replaceAll('_', '-'), display: a.display },
  ];
}

const cell = (s: string): string => s.replaceAll('|', '\\|');

/** The documented code table (README-interop.md). */
export function interopCodeTable(): string {
  const out: string[] = [];
  out.push('### Systems', '', '| name | system |', '|---|---|');
  for (const [k, v] of Object.entries(systems)) out.push(`| ${k} | \`${v}\` |`);
  out.push(
    '',
    '### Stored metrics (every HealthKit type; Observation.code and valueQuantity)',
    '',
    '| HealthKit identifier | metric | LOINC | UCUM unit (code) | × from stored unit | category |',
    '|---|---|---|---|---|---|',
  );
  const rows = Object.entries(quantityTypes).sort(([a], [b]) => (a < b ? -1 : 1));
  for (const [id, spec] of rows) {
    const m = metricCode(spec.metric, spec.canonicalUnit);
    const lo = m?.loinc ? `${m.loinc.code} ${m.loinc.display}` : '—';
    const device = spec.metric === 'activity_counts' ? ' (device code, below)' : '';
    out.push(
      `| ${id} | ${spec.metric} | ${cell(lo)}${device} | ${m ? `${cell(m.unit.unit)} (\`${cell(m.unit.code)}\`)` : 'its own unit, as text'} | ${m?.unit.factor ?? 1} | ${m?.category ?? 'vital-signs'} |`,
    );
  }
  out.push(
    '',
    '### Category metrics (valueCodeableConcept)',
    '',
    '| HealthKit identifier | metric | value system |',
    '|---|---|---|',
  );
  for (const [id, spec] of Object.entries(categoryTypes).sort(([a], [b]) => (a < b ? -1 : 1))) {
    out.push(
      `| ${id} | ${spec.metric} | \`${spec.metric === 'sleep' ? systems.sleepStage : systems.healthkitCategoryValue}\` |`,
    );
  }
  out.push(
    '',
    '### Sleep',
    '',
    `Sleep episode: ${sleepDurationCoding.code} ${sleepDurationCoding.display} (min), effectivePeriod, one component per stage (min).`,
    '',
    '| stage code | display | LOINC |',
    '|---|---|---|',
  );
  for (const [k, v] of Object.entries(sleepStageCodes))
    out.push(`| ${k} | ${v.display} | ${v.loinc ? `${v.loinc.code} ${v.loinc.display}` : '—'} |`);
  out.push('', '### Device activity counts', '', '| code | display |', '|---|---|');
  for (const f of countFamilies) out.push(`| ${f.code} | ${f.display} |`);
  out.push(`| device-activity-count | ${deviceCountCoding('').display} |`);
  out.push(
    '',
    '### Analysis results (method and extension cite the algorithm and its parameters)',
    '',
    '| code | display | LOINC | UCUM unit (code) |',
    '|---|---|---|---|',
  );
  for (const [k, v] of Object.entries(analysisCodes)) {
    const a = v as { display: string; unit: UcumUnit; loinc?: Coding };
    out.push(
      `| ${k.replaceAll('_', '-')} | ${a.display} | ${a.loinc ? `${a.loinc.code} ${a.loinc.display}` : '—'} | ${cell(a.unit.unit)} (\`${cell(a.unit.code)}\`) |`,
    );
  }
  out.push('', '### Tags (meta.tag)', '', '| code | meaning |', '|---|---|');
  for (const [k, v] of Object.entries(tagMeanings)) out.push(`| ${k} | ${v} |`);
  return out.join('\n') + '\n';
}

export const tagMeanings = {
  'daily-summary': 'a day total computed from the samples (not a measurement; not imported back)',
  'minute-series': 'one day of one-minute samples of one source as SampledData (imported back per minute)',
  analysis: 'a result of the analytics (not imported back)',
} as const;
export type TagCode = keyof typeof tagMeanings;
