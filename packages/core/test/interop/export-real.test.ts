/**
 * `clarity export` on every real file the importers read (../shared/data, read at test time): each FHIR
 * Bundle has zero errors against the official R4 JSON schema and uses only documented codes and units; the
 * numbers in it are the file's; a sample of the Open mHealth records validates against the OMH schemas.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readEpochFile, type FhirBundle } from '../../src/index.ts';
import { fhirBundleErrors } from '../support/fhir-schema.ts';
import { omhErrors } from '../support/omh-schemas.ts';
import { runCliCaptured } from '../support/run-cli.ts';
import { sharedData } from '../support/shared-data.ts';
import { codesUsed, resourcesOf, withTag } from '../support/interop.ts';

const readme = readFileSync(
  path.join(path.dirname(fileURLToPath(import.meta.url)), '../../README-interop.md'),
  'utf8',
);
const awd = (n: number): string[] => ['actigraphy', 'actiwatch_awd', `example_0${n}.AWD`];
const actilife = (name: string): string[] => ['actigraphy', 'actilife_gt3xplus', name];
const fitbitSubject = '1503960366';

const files: { parts: string[]; args?: string[] }[] = [
  ...[1, 2, 3, 4, 5].map((n) => ({ parts: awd(n) })),
  { parts: actilife('GT3XPlus-RawData-Day01.agd') },
  ...[
    'GT3XPlus-RawData-Day01.csv',
    'GT3XPlus-RawData-Day01-10sec60sec.csv',
    'GT3XPlus-RawData-Day01-Sadeh.csv',
    'GT3XPlus-RawData-Day01-ColeKripke.csv',
    'GT3XPlus-RawData-Day01-sleep-awake.csv',
    'ActiSleepPlus-RawData-Day01.csv',
    'ActiSleepPlus-RawData-Day01-10sec60sec.csv',
  ].map((f) => ({ parts: actilife(f) })),
  ...['tdda_export6s3sample.xml', 'dogsheep_tests_export.xml', 'dogsheep_zip_contents_export.xml'].map(
    (f) => ({ parts: ['apple_health', f] }),
  ),
  ...['minuteStepsWide_merged.csv', 'hourlySteps_merged.csv', 'dailySteps_merged.csv'].map((f) => ({
    parts: ['fitbit_fitabase', f],
    args: ['--subject', fitbitSubject],
  })),
  ...[
    'hrvanalysis_test_nn_intervals.txt',
    'pyhrv_SampleNNISeriesLong.txt',
    'pyhrv_SampleNNISeriesShort.txt',
  ].map((f) => ({ parts: ['hrv', f] })),
];

async function exportFhir(parts: string[], args: string[] = []): Promise<FhirBundle> {
  const r = await runCliCaptured(['export', sharedData(...parts), '--format', 'fhir', ...args]);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.out) as FhirBundle;
}

const sampled = (o: Record<string, unknown>): number[] =>
  (o.valueSampledData as { data: string }).data
    .split(' ')
    .filter((x) => x !== 'E')
    .map(Number);

describe('clarity export --format fhir on every real file', () => {
  it.each(files.map((f) => [f.parts.at(-1) as string, f] as const))(
    '%s: zero R4 schema errors, only documented codes and units',
    async (_name, f) => {
      const bundle = await exportFhir(f.parts, f.args);
      expect(bundle.type).toBe('collection');
      expect(resourcesOf(bundle, 'Patient')).toHaveLength(1);
      expect(resourcesOf(bundle, 'Provenance')).toHaveLength(1);
      expect(resourcesOf(bundle, 'Observation').length).toBeGreaterThan(0);
      expect(fhirBundleErrors(bundle)).toEqual([]);
      const used = codesUsed(bundle);
      for (const c of used.loinc) expect(readme, `LOINC ${c}`).toContain(`| ${c} `);
      for (const c of used.ucum) expect(readme, `UCUM ${c}`).toContain(`\`${c}\``);
      for (const s of used.systems) expect(readme, s).toContain(s);
      // Every Observation is a target of the file's Provenance.
      const targets = new Set(
        (resourcesOf(bundle, 'Provenance')[0]?.target as { reference: string }[]).map((t) => t.reference),
      );
      const measured = resourcesOf(bundle, 'Observation').filter(
        (o) => !withTag(bundle, 'daily-summary').includes(o),
      );
      for (const o of measured) expect(targets.has(`Observation/${o.id}`), o.id).toBe(true);
    },
    180_000,
  );

  it('example_01.AWD: the week of counts per minute, day totals, and sleep results citing their algorithm', async () => {
    const bundle = await exportFhir(awd(1));
    const file = await readEpochFile(sharedData(...awd(1)), 'awd');
    let total = 0;
    file.series.values.forEach((v) => (total += Number.isNaN(v) ? 0 : v));
    const minutes = withTag(bundle, 'minute-series');
    expect(minutes.length).toBeGreaterThanOrEqual(12);
    const counts = minutes.flatMap(sampled);
    expect(counts).toHaveLength(file.series.values.length);
    expect(counts.reduce((a, b) => a + b, 0)).toBeCloseTo(total, 3);
    const coding = (minutes[0]?.code as { coding: { system: string; code: string }[] }).coding;
    expect(coding).toEqual([
      expect.objectContaining({
        system: 'urn:clarity-loop:codes:device-measure',
        code: 'actiwatch-activity-count',
      }),
    ]);
    const days = withTag(bundle, 'daily-summary');
    const dayTotal = days.reduce((a, o) => a + (o.valueQuantity as { value: number }).value, 0);
    expect(dayTotal).toBeCloseTo(total, 3);
    const results = withTag(bundle, 'analysis');
    const keys = new Set(results.map((o) => (o.code as { coding: { code: string }[] }).coding.at(-1)?.code));
    for (const k of [
      'total-sleep-time',
      'sleep-efficiency',
      'waso',
      'interdaily-stability',
      'intradaily-variability',
      'relative-amplitude',
    ])
      expect(keys.has(k), k).toBe(true);
    const ids = new Set(resourcesOf(bundle, 'Observation').map((o) => o.id));
    for (const r of results) {
      expect((r.method as { coding: { code: string }[] }).coding[0]?.code).toMatch(
        /^(tudor-locke-2014|circadian-nonparametric\+cosinor)$/,
      );
      const ext = JSON.parse((r.extension as { valueString: string }[])[0]?.valueString ?? '{}') as {
        parameters?: unknown;
      };
      expect(ext.parameters).toBeDefined();
      for (const d of (r.derivedFrom as { reference: string }[] | undefined) ?? [])
        expect(ids.has(d.reference.replace('Observation/', ''))).toBe(true);
    }
    const tst = results.filter(
      (o) => (o.code as { coding: { code: string }[] }).coding[0]?.code === '93832-4',
    );
    expect(tst.length).toBeGreaterThan(3);
  }, 180_000);

  it('Fitbit dailySteps: the participant’s day total is the file’s StepTotal', async () => {
    const bundle = await exportFhir(
      ['fitbit_fitabase', 'dailySteps_merged.csv'],
      ['--subject', fitbitSubject],
    );
    const day = withTag(bundle, 'daily-summary').find((o) => o.id === 'd-steps-2016-04-12');
    expect(day?.valueQuantity).toEqual({
      value: 13162,
      unit: 'steps',
      system: 'http://unitsofmeasure.org',
      code: '{steps}',
    });
    expect(resourcesOf(bundle, 'Patient')[0]?.id).toBe(fitbitSubject);
  }, 180_000);

  it('a Fitbit file with several participants and no --subject is refused with the reason', async () => {
    const r = await runCliCaptured([
      'export',
      sharedData('fitbit_fitabase', 'dailySteps_merged.csv'),
      '--format',
      'fhir',
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/33 Fitbit participants.*--subject/);
    const bad = await runCliCaptured(['export', sharedData(...awd(1)), '--format', 'csv']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--format must be fhir or omh/);
  });
});

describe('clarity export --format omh', () => {
  it.each([
    [['apple_health', 'tdda_export6s3sample.xml'], []],
    [['apple_health', 'dogsheep_tests_export.xml'], []],
    [awd(1), []],
    [
      ['fitbit_fitabase', 'hourlySteps_merged.csv'],
      ['--subject', fitbitSubject],
    ],
    [
      ['fitbit_fitabase', 'minuteStepsWide_merged.csv'],
      ['--subject', fitbitSubject],
    ],
  ] as const)(
    '%s: data points valid against the OMH schemas',
    async (parts, args) => {
      const r = await runCliCaptured(['export', sharedData(...parts), '--format', 'omh', ...args]);
      expect(r.code).toBe(0);
      const points = r.out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { header: { schema_id: { name: string } } });
      expect(points.length).toBeGreaterThan(0);
      // A sample: the first 200 and every 50th after.
      for (const [i, p] of points.entries())
        if (i < 200 || i % 50 === 0) expect(omhErrors(p), `${i}`).toEqual([]);
    },
    120_000,
  );

  it('covers the four schemas across the real files', async () => {
    const names = new Set<string>();
    for (const parts of [
      ['apple_health', 'dogsheep_tests_export.xml'],
      ['apple_health', 'tdda_export6s3sample.xml'],
      awd(1),
    ]) {
      const r = await runCliCaptured(['export', sharedData(...parts), '--format', 'omh']);
      for (const l of r.out.trim().split('\n'))
        names.add((JSON.parse(l) as { header: { schema_id: { name: string } } }).header.schema_id.name);
    }
    expect([...names].sort()).toEqual(['heart-rate', 'physical-activity', 'sleep-episode', 'step-count']);
  }, 120_000);
});
