/**
 * An export.xml in Apple's layout with one Record of every documented HealthKit type (health-types.ts):
 * each quantity in its canonical unit with a value inside its plausible range, each category with its first
 * documented value, and a blood-pressure Correlation whose Records also appear at top level (as Apple writes
 * them). The tests send it through the importer and the Storage trigger and expect every record back with its
 * value and unit. `expected` lists what each record must become.
 */
import { categoryTypes, quantityTypes, sleepStages } from '../../contracts/health-types.ts';

export interface EveryTypeRecord {
  type: string;
  metric: string;
  /** Canonical value (quantities) or raw value (categories; sleep: stage index). */
  value: number;
  unit: string | null;
  /** Category value name (sleep: the stage). */
  category?: string;
  startMs: number;
  endMs: number;
}

const esc = (s: string): string =>
  s.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;');

function exportDate(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + ' +0000';
}

export function everyTypeExport(startIso = '2024-03-10T08:00:00Z'): {
  xml: string;
  expected: EveryTypeRecord[];
} {
  const t0 = Date.parse(startIso);
  const expected: EveryTypeRecord[] = [];
  const lines: string[] = [];
  let i = 0;
  const record = (r: EveryTypeRecord, value: string): string =>
    `<Record type="${r.type}" sourceName="Apple Watch" sourceVersion="10.1" device="&lt;&lt;HKDevice: 0x1&gt;, name:Apple Watch, manufacturer:Apple Inc., model:Watch&gt;"${
      r.unit === null ? '' : ` unit="${esc(r.unit)}"`
    } creationDate="${exportDate(r.endMs)}" startDate="${exportDate(r.startMs)}" endDate="${exportDate(r.endMs)}" value="${esc(value)}"/>`;
  const quantities = Object.entries(quantityTypes).sort(([a], [b]) => (a < b ? -1 : 1));
  const systolicSlot = quantities.findIndex(([t]) => t === 'HKQuantityTypeIdentifierBloodPressureSystolic');
  for (const [type, spec] of quantities) {
    const [lo, hi] = spec.range;
    const value = Number((lo + (hi - lo) * 0.25).toPrecision(4));
    // Systolic and diastolic of one measurement share their times.
    const slot = type === 'HKQuantityTypeIdentifierBloodPressureDiastolic' ? systolicSlot : i;
    i++;
    const startMs = t0 + slot * 120_000;
    const endMs = spec.aggregation === 'cumulative' ? startMs + 60_000 : startMs;
    const r: EveryTypeRecord = { type, metric: spec.metric, value, unit: spec.canonicalUnit, startMs, endMs };
    expected.push(r);
    lines.push(record(r, String(value)));
  }
  for (const [type, spec] of Object.entries(categoryTypes).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const startMs = t0 + i++ * 120_000;
    const endMs = startMs + 60_000;
    if (spec.values === undefined) {
      const r: EveryTypeRecord = {
        type,
        metric: spec.metric,
        value: 3,
        unit: null,
        category: sleepStages[3],
        startMs,
        endMs,
      };
      expected.push(r);
      lines.push(record(r, 'HKCategoryValueSleepAnalysisAsleepCore'));
      continue;
    }
    const [name, raw] = Object.entries(spec.values)[0] as [string, number];
    const r: EveryTypeRecord = {
      type,
      metric: spec.metric,
      value: raw,
      unit: null,
      category: name,
      startMs,
      endMs,
    };
    expected.push(r);
    lines.push(record(r, name));
  }
  // A blood-pressure correlation: its Records repeat top-level ones (Apple's layout), so they are duplicates.
  const sys = expected.find((r) => r.type === 'HKQuantityTypeIdentifierBloodPressureSystolic');
  const dia = expected.find((r) => r.type === 'HKQuantityTypeIdentifierBloodPressureDiastolic');
  if (sys && dia) {
    lines.push(
      `<Correlation type="HKCorrelationTypeIdentifierBloodPressure" sourceName="Apple Watch" creationDate="${exportDate(sys.startMs)}" startDate="${exportDate(sys.startMs)}" endDate="${exportDate(sys.endMs)}">`,
      ` ${record(sys, String(sys.value))}`,
      ` ${record(dia, String(dia.value))}`,
      '</Correlation>',
    );
  }
  const xml = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE HealthData [',
    '<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary)*)>',
    ']>',
    '<HealthData locale="en_US">',
    ` <ExportDate value="${exportDate(t0 + 86_400_000)}"/>`,
    ' <Me HKCharacteristicTypeIdentifierDateOfBirth="" HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexNotSet" HKCharacteristicTypeIdentifierBloodType="HKBloodTypeNotSet" HKCharacteristicTypeIdentifierFitzpatrickSkinType="HKFitzpatrickSkinTypeNotSet" HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse="None"/>',
    ...lines.map((l) => ` ${l}`),
    '</HealthData>',
    '',
  ].join('\n');
  return { xml, expected };
}
