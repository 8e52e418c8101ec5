import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseInstant } from '../../src/contracts/time.ts';
import {
  importAppleHealthFile,
  type ImportBatch,
  type ImportedSample,
  type RecordElement,
  type WorkoutElement,
} from '../../src/importers/apple-health/index.ts';
import { sharedData } from '../support/shared-data.ts';
import { collect, countRecordsByRegex } from '../support/apple-health.ts';

const files = ['tdda_export6s3sample.xml', 'dogsheep_tests_export.xml', 'dogsheep_zip_contents_export.xml'];
const nowMs = Date.parse('2026-11-25T00:00:00Z');

async function importFile(
  name: string,
): Promise<{ summary: Awaited<ReturnType<typeof importAppleHealthFile>>; batches: ImportBatch[] }> {
  const batches: ImportBatch[] = [];
  const summary = await importAppleHealthFile(sharedData('apple_health', name), {
    uid: 'u1',
    nowMs,
    onBatch: (b) => void batches.push(b),
  });
  return { summary, batches };
}

/** RFC 4180-ish CSV rows (the upstream files quote some fields, none contain commas or newlines). */
function readCsv(path: string): Record<string, string>[] {
  const [header, ...rows] = readFileSync(path, 'utf8').trim().split(/\r?\n/);
  const unquote = (f: string): string => f.replace(/^"(.*)"$/, '$1');
  const cols = (header as string).split(',').map(unquote);
  return rows.map((r) => Object.fromEntries(r.split(',').map((f, i) => [cols[i] as string, unquote(f)])));
}

describe('real Apple Health exports', () => {
  for (const name of files) {
    it(`${name}: per-type counts equal the Record elements in the file`, async () => {
      const xml = readFileSync(sharedData('apple_health', name), 'utf8');
      const expected = countRecordsByRegex(xml);
      const total = xml.split('<Record ').length - 1;
      const { summary } = await importFile(name);
      expect(summary.status).toBe('ingested');
      expect(summary.records).toBe(total);
      expect(summary.parser.mode).toBe('fast');
      expect(Object.keys(summary.byType).sort()).toEqual([...expected.keys()].sort());
      for (const [type, n] of expected) {
        const c = summary.byType[type];
        expect(c, type).toBeDefined();
        expect(c!.accepted + c!.duplicate + c!.rejected + c!.unsupported, type).toBe(n);
      }
      expect(summary.workouts).toBe(xml.split('<Workout ').length - 1);
      expect(summary.activitySummaries).toBe(xml.split('<ActivitySummary ').length - 1);
      expect(summary.bytesRead).toBe(Buffer.byteLength(xml));
    });

    it(`${name}: the fast path alone reads it, identically to saxes`, async () => {
      const bytes = readFileSync(sharedData('apple_health', name));
      const conforming = await collect(bytes, 'conforming');
      expect(conforming.error).toBeUndefined();
      for (const size of [1, 7, 64, 1000, 1 << 20]) {
        const fast = await collect(bytes, 'fast', size);
        expect(fast.error, `chunk ${size}`).toBeUndefined();
        expect(fast.elements, `chunk ${size}`).toEqual(conforming.elements);
      }
    });
  }

  it('dogsheep export: units, unknown types, device entities, workout in miles, locale and offsets', async () => {
    const { summary, batches } = await importFile('dogsheep_tests_export.xml');
    expect(summary.locale).toBe('en_US');
    expect(summary.exportDate).toBe('2019-07-19 10:36:11 -0700');
    // Body mass index was once counted as unsupported: every documented type is stored now.
    expect(summary.unknownTypes).toEqual({});
    expect(summary.byType.HKQuantityTypeIdentifierBodyMassIndex).toEqual({
      accepted: 1,
      duplicate: 0,
      rejected: 0,
      unsupported: 0,
    });
    const samples = batches.flatMap((b) => b.samples);
    expect(samples).toHaveLength(2);
    expect(samples.find((s) => s.type === 'HKQuantityTypeIdentifierBodyMassIndex')).toMatchObject({
      metric: 'body_mass_index',
      unit: 'count',
    });
    const hr = samples.find((s) => s.metric === 'heart_rate')!;
    expect(hr).toMatchObject({
      metric: 'heart_rate',
      value: 72,
      unit: 'count/min',
      offsetMinutes: -420,
      source: 'Apple\u00a0Watch',
    });
    expect(hr.startMs).toBe(Date.parse('2018-09-10T09:28:55Z'));
    expect(hr.device).toBe(
      '<<HKDevice: 0x282a45810>, name:Apple Watch, manufacturer:Apple, model:Watch, hardware:Watch2,4, software:4.3.1>',
    );
    const [w] = batches.flatMap((b) => b.workouts);
    expect(w).toMatchObject({
      activityType: 'HKWorkoutActivityTypeRunning',
      timeZone: 'America/Los_Angeles',
      energyKcal: 48.74499999999999,
    });
    expect(w!.distanceM).toBeCloseTo(0.4971749504535062 * 1609.344, 9);
    expect(w!.durationMin).toBeCloseTo(5.19412346680959, 12);
    expect(batches.find((b) => b.me)?.me?.HKCharacteristicTypeIdentifierBiologicalSex).toBe(
      'HKBiologicalSexMale',
    );
    // Metadata with an escaped URL survives decoding.
    const { elements } = await collect(
      readFileSync(sharedData('apple_health', 'dogsheep_tests_export.xml')),
      'fast',
    );
    const bmi = elements.find((e): e is RecordElement => e.kind === 'Record');
    expect(bmi?.metadata.find(([k]) => k === 'Withings Link')?.[1]).toBe(
      'withings-bd2://timeline/measure?userid=12345&date=482685932&type=1',
    );
    const workout = elements.find((e): e is WorkoutElement => e.kind === 'Workout');
    expect(workout?.routes).toBe(1);
  });

  describe('tdda_export6s3sample.xml agrees with the upstream expected CSVs', () => {
    const csv = (n: string): Record<string, string>[] =>
      readCsv(sharedData('apple_health', 'tdda_expected_csv', `${n}.csv`));

    async function parsed(): Promise<{
      records: RecordElement[];
      samples: ImportedSample[];
      batches: ImportBatch[];
      elements: Awaited<ReturnType<typeof collect>>['elements'];
    }> {
      const { elements } = await collect(
        readFileSync(sharedData('apple_health', 'tdda_export6s3sample.xml')),
        'auto',
      );
      const { batches } = await importFile('tdda_export6s3sample.xml');
      return {
        records: elements.filter((e): e is RecordElement => e.kind === 'Record'),
        samples: batches.flatMap((b) => b.samples),
        batches,
        elements,
      };
    }

    for (const [name, type, factor, unit] of [
      ['StepCount', 'HKQuantityTypeIdentifierStepCount', 1, 'count'],
      ['DistanceWalkingRunning', 'HKQuantityTypeIdentifierDistanceWalkingRunning', 1000, 'm'],
    ] as const) {
      it(`${name}: every field, and the canonical values`, async () => {
        const rows = csv(name);
        const { records, samples } = await parsed();
        const recs = records.filter((r) => r.attrs.type === type);
        const ours = samples.filter((s) => s.type === type);
        expect(recs).toHaveLength(rows.length);
        expect(ours).toHaveLength(rows.length);
        rows.forEach((row, i) => {
          const r = recs[i]!.attrs;
          const s = ours[i]!;
          expect(r.type).toBe(`HKQuantityTypeIdentifier${row.type}`);
          for (const f of ['sourceName', 'unit', 'creationDate', 'startDate', 'endDate'] as const)
            expect(r[f], `${f} row ${i}`).toBe(row[f]);
          expect(r.sourceVersion ?? '').toBe(row.sourceVersion);
          expect(r.device ?? '').toBe(row.device);
          expect(Number(r.value)).toBe(Number(row.value));
          // Canonical sample: value in canonical unit, instants and offsets from the CSV's dates.
          const start = parseInstant(row.startDate!)!;
          const end = parseInstant(row.endDate!)!;
          expect(s.startMs).toBe(start.ms);
          expect(s.endMs).toBe(end.ms);
          expect(s.offsetMinutes).toBe(60);
          expect(s.source).toBe(row.sourceName);
          expect(s.unit).toBe(unit);
          expect(s.value).toBeCloseTo(Number(row.value) * factor, 9);
        });
      });
    }

    it('ActivitySummary: every field', async () => {
      const rows = csv('ActivitySummary');
      const { elements, batches } = await parsed();
      const sums = elements.filter((e) => e.kind === 'ActivitySummary');
      const mapped = batches.flatMap((b) => b.activitySummaries);
      expect(sums).toHaveLength(rows.length);
      rows.forEach((row, i) => {
        const a = (sums[i] as { attrs: Record<string, string> }).attrs;
        for (const [k, v] of Object.entries(row)) expect(a[k], k).toBe(v);
        const m = mapped[i]!;
        expect(m.date).toBe(row.dateComponents);
        expect(m.activeEnergyKcal).toBe(Number(row.activeEnergyBurned));
        expect(m.activeEnergyGoalKcal).toBe(Number(row.activeEnergyBurnedGoal));
        expect(m.exerciseMin).toBe(Number(row.appleExerciseTime));
        expect(m.exerciseGoalMin).toBe(Number(row.appleExerciseTimeGoal));
        expect(m.standHours).toBe(Number(row.appleStandHours));
        expect(m.standHoursGoal).toBe(Number(row.appleStandHoursGoal));
      });
    });

    it('Workout: every field, and canonical units', async () => {
      const [row] = csv('Workout');
      const { elements, batches } = await parsed();
      const w = elements.find((e): e is WorkoutElement => e.kind === 'Workout')!;
      for (const [k, v] of Object.entries(row!)) expect(w.attrs[k] ?? '', k).toBe(v);
      const [m] = batches.flatMap((b) => b.workouts);
      expect(m!.activityType).toBe(row!.workoutActivityType);
      expect(m!.startMs).toBe(parseInstant(row!.startDate!)!.ms);
      expect(m!.endMs).toBe(parseInstant(row!.endDate!)!.ms);
      expect(m!.durationMin).toBe(Number(row!.duration));
      expect(m!.distanceM).toBe(0);
      expect(m!.energyKcal).toBe(Number(row!.totalEnergyBurned));
      expect(m!.source).toBe(row!.sourceName);
    });
  });
});
