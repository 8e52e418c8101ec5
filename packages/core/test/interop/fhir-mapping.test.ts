import { describe, expect, it } from 'vitest';
import {
  fhirUploadBody,
  fhirBundle,
  fhirResources,
  omhRecords,
  sampleId,
  validateHealthKitUpload,
  type ExportInput,
  type ExportSample,
  type FhirResource,
} from '../../src/index.ts';
import { fhirBundleErrors } from '../support/fhir-schema.ts';
import { omhErrors } from '../support/omh-schemas.ts';

const now = Date.parse('2026-11-21T12:00:00Z');
const s = (
  type: string,
  value: number | string,
  unit: string | undefined,
  start: string,
  end: string,
  sourceName: string,
) => ({
  type,
  value,
  ...(unit ? { unit } : {}),
  startDate: start,
  endDate: end,
  sourceName,
});

/** A HealthKit batch as the app sends it: a watch and a phone counting the same walk, vitals, a night. */
const batch = {
  timezone: 'America/New_York',
  samples: [
    s(
      'HKQuantityTypeIdentifierStepCount',
      1200,
      'count',
      '2026-11-20T09:00:00-05:00',
      '2026-11-20T09:30:00-05:00',
      'Apple Watch',
    ),
    s(
      'HKQuantityTypeIdentifierStepCount',
      1100,
      'count',
      '2026-11-20T09:00:00-05:00',
      '2026-11-20T09:30:00-05:00',
      'iPhone',
    ),
    s(
      'HKQuantityTypeIdentifierHeartRate',
      64,
      'count/min',
      '2026-11-20T07:01:00-05:00',
      '2026-11-20T07:01:00-05:00',
      'Apple Watch',
    ),
    s(
      'HKQuantityTypeIdentifierOxygenSaturation',
      0.97,
      '%',
      '2026-11-20T03:00:00-05:00',
      '2026-11-20T03:00:00-05:00',
      'Apple Watch',
    ),
    s(
      'HKQuantityTypeIdentifierBodyMassIndex',
      23.4,
      'count',
      '2026-11-20T08:00:00-05:00',
      '2026-11-20T08:00:00-05:00',
      'Health',
    ),
    s(
      'HKCategoryTypeIdentifierSleepAnalysis',
      'inBed',
      undefined,
      '2026-11-19T22:30:00-05:00',
      '2026-11-20T06:30:00-05:00',
      'Apple Watch',
    ),
    s(
      'HKCategoryTypeIdentifierSleepAnalysis',
      'asleepCore',
      undefined,
      '2026-11-19T23:00:00-05:00',
      '2026-11-20T02:00:00-05:00',
      'Apple Watch',
    ),
    s(
      'HKCategoryTypeIdentifierSleepAnalysis',
      'asleepDeep',
      undefined,
      '2026-11-20T02:00:00-05:00',
      '2026-11-20T03:00:00-05:00',
      'Apple Watch',
    ),
    s(
      'HKCategoryTypeIdentifierSleepAnalysis',
      'awake',
      undefined,
      '2026-11-20T03:00:00-05:00',
      '2026-11-20T03:10:00-05:00',
      'Apple Watch',
    ),
    s(
      'HKCategoryTypeIdentifierSleepAnalysis',
      'asleepREM',
      undefined,
      '2026-11-20T03:10:00-05:00',
      '2026-11-20T06:00:00-05:00',
      'Apple Watch',
    ),
    s(
      'HKCategoryTypeIdentifierMindfulSession',
      'HKCategoryValueNotApplicable',
      undefined,
      '2026-11-20T12:00:00-05:00',
      '2026-11-20T12:10:00-05:00',
      'Breathe',
    ),
  ],
};

function input(): ExportInput {
  const v = validateHealthKitUpload(batch, now);
  expect(v.issues).toEqual([]);
  const samples: ExportSample[] = v.samples.map((x) => ({ ...x, id: sampleId('u1', x), uploadId: 'up1' }));
  return {
    subject: { id: 'u1', system: 'uid' },
    timezone: 'America/New_York',
    samples,
    uploads: [{ id: 'up1', source: 'healthkit', format: 'json', receivedMs: now }],
    analyses: [
      {
        id: 'job1-hrv',
        key: 'sdnn',
        value: 48.5,
        startMs: Date.parse('2026-11-20T05:00:00Z'),
        endMs: Date.parse('2026-11-21T05:00:00Z'),
        offsetMinutes: -300,
        provenance: {
          algorithm: 'mean-of-samples',
          parameters: { metric: 'hrv_sdnn' },
          coverage: { total: 1, valid: 1, fraction: 1 },
        },
      },
    ],
    insights: [
      {
        id: 'job1',
        createdMs: now,
        narrative: 'You slept about seven hours.',
        keyInsights: [{ title: 'Sleep', detail: 'Seven hours on Thursday night.' }],
        recommendations: [],
        disclaimer: 'This is not medical advice.',
        locale: 'en',
      },
    ],
    generatedMs: now,
  };
}

const byId = (rs: FhirResource[], id: string): FhirResource | undefined => rs.find((r) => r.id === id);

describe('FHIR mapping of a HealthKit batch', () => {
  const rs = fhirResources(input());
  const obs = rs.filter((r) => r.resourceType === 'Observation');

  it('validates against the R4 schema', () => {
    const bundle = fhirBundle(rs, {
      type: 'searchset',
      base: 'https://api.example/v1/fhir',
      timestampMs: now,
    });
    expect(fhirBundleErrors(bundle)).toEqual([]);
    expect(bundle.total).toBe(rs.length);
  }, 120_000);

  it('writes each sample with its LOINC code, UCUM unit and own offset', () => {
    const hr = obs.find((o) => JSON.stringify(o.code).includes('8867-4'));
    expect(hr?.effectiveDateTime).toBe('2026-11-20T07:01:00-05:00');
    expect(hr?.valueQuantity).toEqual({
      value: 64,
      unit: 'beats/minute',
      system: 'http://unitsofmeasure.org',
      code: '/min',
    });
    const spo2 = obs.find((o) => JSON.stringify(o.code).includes('59408-5'));
    expect(spo2?.valueQuantity).toMatchObject({ value: 97, code: '%' });
    const bmi = obs.find((o) => JSON.stringify(o.code).includes('39156-5'));
    expect(bmi?.valueQuantity).toMatchObject({ value: 23.4, code: 'kg/m2' });
    const mindful = obs.find((o) => JSON.stringify(o.code).includes('MindfulSession'));
    expect(mindful?.valueCodeableConcept).toEqual({
      coding: [
        { system: 'urn:clarity-loop:codes:healthkit-category-value', code: 'HKCategoryValueNotApplicable' },
      ],
    });
  });

  it('totals steps per local day with the watch winning over the phone', () => {
    const day = byId(obs, 'd-steps-2026-11-20');
    expect(day?.valueQuantity).toMatchObject({ value: 1200, code: '{steps}' });
    expect(day?.effectivePeriod).toEqual({
      start: '2026-11-20T00:00:00-05:00',
      end: '2026-11-21T00:00:00-05:00',
    });
  });

  it('makes one sleep episode with minutes asleep and per stage', () => {
    const ep = obs.find((o) => JSON.stringify(o.code).includes('93832-4'));
    expect(ep?.valueQuantity).toMatchObject({ value: 180 + 60 + 170, code: 'min' });
    const comp = (
      ep?.component as { code: { coding: { code: string }[] }; valueQuantity: { value: number } }[]
    ).map((c) => [c.code.coding.at(-1)?.code, c.valueQuantity.value]);
    expect(comp).toEqual([
      ['inBed', 60],
      ['awake', 10],
      ['asleepCore', 180],
      ['asleepDeep', 60],
      ['asleepREM', 170],
    ]);
  });

  it('cites the algorithm of a result, keeps the disclaimer, and gives the upload a Provenance', () => {
    const a = byId(obs, 'a-job1-hrv');
    expect((a?.method as { coding: { code: string }[] }).coding[0]?.code).toBe('mean-of-samples');
    expect(JSON.stringify(a?.code)).toContain('80404-7');
    const c = rs.find((r) => r.resourceType === 'Communication');
    expect((c?.payload as { contentString: string }[]).at(-1)?.contentString).toBe(
      'This is not medical advice.',
    );
    const p = rs.find((r) => r.resourceType === 'Provenance');
    expect((p?.target as unknown[]).length).toBe(batch.samples.length);
    expect(
      rs
        .filter((r) => r.resourceType === 'Device')
        .map((d) => (d.type as { text: string }).text)
        .sort(),
    ).toEqual(['Apple Watch', 'Health app or other source', 'Health app or other source', 'iPhone']);
  });

  it('writes the same samples as valid Open mHealth data points', () => {
    const points = omhRecords(input());
    expect(points.map((p) => p.header.schema_id.name).sort()).toEqual([
      'heart-rate',
      'sleep-episode',
      'step-count',
      'step-count',
    ]);
    for (const p of points) expect(omhErrors(p)).toEqual([]);
    const sleep = points.find((p) => p.header.schema_id.name === 'sleep-episode');
    expect(sleep?.body.total_sleep_time).toEqual({ value: 410, unit: 'min' });
  });
});

describe('FHIR import of the export', () => {
  it('gives back the same samples with the same ids, and skips the computed summaries', () => {
    const original = input();
    const bundle = fhirBundle(fhirResources(original), {
      type: 'collection',
      base: 'urn:test',
      timestampMs: now,
    });
    const conv = fhirUploadBody(JSON.parse(JSON.stringify(bundle)));
    expect(conv.issues).toEqual([]);
    const v = validateHealthKitUpload(conv.body, now);
    expect(v.issues).toEqual([]);
    const ids = (xs: readonly Parameters<typeof sampleId>[1][]) => xs.map((x) => sampleId('u1', x)).sort();
    expect(ids(v.samples)).toEqual(ids(original.samples));
    expect(v.samples.find((x) => x.metric === 'oxygen_saturation')?.value).toBeCloseTo(0.97, 12);
    // Patient, 4 Devices, day totals, the sleep episode, the result, Provenance, Communication.
    expect(conv.skipped).toBe(bundle.entry.length - original.samples.length);
  });

  it('names the entry and the reason for what it cannot store', () => {
    const conv = fhirUploadBody({
      resourceType: 'Bundle',
      entry: [
        {
          resource: {
            resourceType: 'Observation',
            code: { coding: [{ system: 'http://loinc.org', code: '0000-0' }] },
          },
        },
        {
          resource: {
            resourceType: 'Observation',
            code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
            effectiveDateTime: '2026-11-20T07:00:00Z',
            valueQuantity: { value: 60, code: 'kg', system: 'http://unitsofmeasure.org' },
          },
        },
      ],
    });
    expect(conv.issues.map((i) => i.path)).toEqual([
      ['entry', 0, 'resource', 'code'],
      ['entry', 1, 'resource', 'valueQuantity'],
    ]);
    expect(fhirUploadBody({ resourceType: 'Patient' }).issues).toEqual([
      { path: ['resourceType'], message: 'must be "Bundle"' },
    ]);
  });
});
