import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  categoryTypes,
  everyTypeExport,
  healthKitTypeTable,
  importAppleHealthFile,
  importAppleHealthXml,
  quantityTypes,
  sampleId,
  validateHealthKitUpload,
  type ImportedSample,
} from '../../src/index.ts';
import { sharedData } from '../support/shared-data.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const now = Date.parse('2026-11-20T12:00:00Z');

describe('the documented HealthKit type table', () => {
  it('README-healthkit-types.md is the table the code holds', () => {
    const readme = readFileSync(path.join(here, '../../README-healthkit-types.md'), 'utf8');
    const table = /<!-- table:start -->\n([\s\S]*)<!-- table:end -->/.exec(readme)?.[1];
    expect(table).toBe(healthKitTypeTable());
  });

  it('covers Apple’s quantity, category and correlation identifiers with unique metrics', () => {
    expect(Object.keys(quantityTypes).length).toBeGreaterThanOrEqual(120);
    expect(Object.keys(categoryTypes).length).toBeGreaterThanOrEqual(65);
    const metrics = [...Object.values(quantityTypes), ...Object.values(categoryTypes)].map((s) => s.metric);
    expect(new Set(metrics).size).toBe(metrics.length);
    for (const [id, spec] of Object.entries(quantityTypes)) {
      expect(spec.units[spec.canonicalUnit], id).toBe(1);
      expect(spec.range[0], id).toBeLessThan(spec.range[1]);
      expect(spec.metric, id).toMatch(/^[a-z][a-z0-9_]*$/);
    }
    for (const id of [
      'HKQuantityTypeIdentifierBodyMassIndex',
      'HKQuantityTypeIdentifierHeight',
      'HKQuantityTypeIdentifierBodyMass',
      'HKQuantityTypeIdentifierBloodPressureSystolic',
      'HKQuantityTypeIdentifierVO2Max',
      'HKQuantityTypeIdentifierWalkingSpeed',
      'HKQuantityTypeIdentifierDietaryWater',
    ])
      expect(quantityTypes[id], id).toBeDefined();
    expect(categoryTypes.HKCategoryTypeIdentifierMindfulSession?.metric).toBe('mindful_session');
  });
});

describe('storing every type', () => {
  it('the JSON upload converts units: °F to °C, lb to kg, mmol/L glucose to mg/dL, km to m', () => {
    const base = {
      startDate: '2026-11-20T07:00:00-05:00',
      endDate: '2026-11-20T07:00:00-05:00',
      sourceName: 'iPhone',
    };
    const r = validateHealthKitUpload(
      {
        samples: [
          { ...base, type: 'HKQuantityTypeIdentifierBodyTemperature', value: 98.6, unit: 'degF' },
          { ...base, type: 'HKQuantityTypeIdentifierBodyMass', value: 154, unit: 'lb' },
          {
            ...base,
            type: 'HKQuantityTypeIdentifierBloodGlucose',
            value: 5.5,
            unit: 'mmol<180.15588000005408>/L',
          },
          { ...base, type: 'HKQuantityTypeIdentifierDistanceCycling', value: 12.5, unit: 'km' },
          { ...base, type: 'HKQuantityTypeIdentifierBodyMassIndex', value: 22.4, unit: 'count' },
        ],
      },
      now,
    );
    expect(r.issues).toEqual([]);
    const [t, m, g, d, bmi] = r.samples;
    expect(t).toMatchObject({ metric: 'body_temperature', unit: 'degC' });
    expect(t!.value).toBeCloseTo(37, 9);
    expect(m).toMatchObject({ metric: 'body_mass', unit: 'kg' });
    expect(m!.value).toBeCloseTo(69.853225, 5);
    expect(g!.value).toBeCloseTo(99.0857, 3);
    expect(d).toMatchObject({ metric: 'distance_cycling', value: 12_500, unit: 'm' });
    expect(bmi).toMatchObject({ metric: 'body_mass_index', value: 22.4, unit: 'count' });
  });

  it('a category is stored by value name and raw value; both spellings are the same sample', () => {
    const base = {
      type: 'HKCategoryTypeIdentifierHeadache',
      startDate: '2026-11-20T07:00:00-05:00',
      endDate: '2026-11-20T08:00:00-05:00',
      sourceName: 'iPhone',
    };
    const r = validateHealthKitUpload(
      {
        samples: [
          { ...base, value: 'HKCategoryValueSeverityModerate' },
          { ...base, value: 3 },
          { ...base, value: 9 },
        ],
      },
      now,
    );
    expect(r.rejectedIndexes).toEqual([2]);
    expect(r.issues[0]?.message).toMatch(/must be one of HKCategoryValueSeverityUnspecified/);
    const [a, b] = r.samples;
    expect(a).toMatchObject({
      metric: 'headache',
      value: 3,
      category: 'HKCategoryValueSeverityModerate',
      unit: null,
    });
    expect(sampleId('u', a!)).toBe(sampleId('u', b!));
  });

  it('a future HealthKit identifier is stored generically; a non-HealthKit type is unsupported', () => {
    const base = {
      startDate: '2026-11-20T07:00:00-05:00',
      endDate: '2026-11-20T07:00:00-05:00',
      sourceName: 'iPhone',
    };
    const r = validateHealthKitUpload(
      {
        samples: [
          { ...base, type: 'HKQuantityTypeIdentifierSomethingNew', value: -3.5, unit: 'mV' },
          { ...base, type: 'HKCategoryTypeIdentifierSomethingNew', value: 'HKCategoryValueSomethingNewYes' },
          { ...base, type: 'steps', value: 3, unit: 'count' },
        ],
      },
      now,
    );
    expect(r.samples[0]).toMatchObject({ metric: 'x_something_new', value: -3.5, unit: 'mV' });
    expect(r.samples[1]).toMatchObject({
      metric: 'x_something_new',
      category: 'HKCategoryValueSomethingNewYes',
    });
    expect(r.rejectedIndexes).toEqual([2]);
    expect(r.issues[0]?.message).toMatch(/^unsupported type "steps"/);
  });

  it('every Record of every real Apple export in shared/data is stored (none unsupported, none rejected)', async () => {
    const dir = path.dirname(sharedData('apple_health', 'tdda_export6s3sample.xml'));
    const files = readdirSync(dir).filter((f) => f.endsWith('.xml'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const f of files) {
      const s = await importAppleHealthFile(path.join(dir, f), { uid: 'u', nowMs: now });
      const unsupported = Object.values(s.byType).reduce((n, c) => n + c.unsupported, 0);
      expect(s.records, f).toBe(readFileSync(path.join(dir, f), 'utf8').split('<Record ').length - 1);
      expect([unsupported, s.rejected, s.accepted + s.duplicate], f).toEqual([0, 0, s.records]);
      expect(s.unknownTypes, f).toEqual({});
    }
  });

  it('a generated export with one record of each documented identifier imports with its value and unit', async () => {
    const { xml, expected } = everyTypeExport();
    const samples: ImportedSample[] = [];
    const s = await importAppleHealthXml(Readable.from([Buffer.from(xml)]), {
      uid: 'u',
      nowMs: now,
      onBatch: (b) => void samples.push(...b.samples),
    });
    expect(s.status).toBe('ingested');
    expect(s.rejections).toEqual([]);
    expect(s.unknownTypes).toEqual({});
    expect(s.correlations).toBe(1);
    // The correlation's two Records repeat top-level ones.
    expect([s.records, s.accepted, s.duplicate, s.rejected]).toEqual([
      expected.length + 2,
      expected.length,
      2,
      0,
    ]);
    expect(Object.keys(s.byType).sort()).toEqual(
      [...Object.keys(quantityTypes), ...Object.keys(categoryTypes)].sort(),
    );
    for (const e of expected) {
      const got = samples.find((x) => x.type === e.type);
      expect(got, e.type).toBeDefined();
      expect(got!.metric, e.type).toBe(e.metric);
      expect(got!.unit, e.type).toBe(e.unit);
      if (e.type === 'HKCategoryTypeIdentifierSleepAnalysis') expect(got!.stage).toBe(e.category);
      else expect(got!.value, e.type).toBeCloseTo(e.value, 9);
      if (e.category !== undefined && e.type !== 'HKCategoryTypeIdentifierSleepAnalysis')
        expect(got!.category, e.type).toBe(e.category);
      expect([got!.startMs, got!.endMs], e.type).toEqual([e.startMs, e.endMs]);
    }
  });
});
