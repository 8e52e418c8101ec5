import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { healthKitSampleSchema, validateHealthKitUpload } from '../../src/contracts/healthkit-upload.ts';
import {
  importAppleHealthXml,
  mapBeats,
  passesSampleShape,
  SeenIds,
  type ImportBatch,
  type ImportSummary,
} from '../../src/importers/apple-health/index.ts';
import { chunks } from '../support/apple-health.ts';

const nowMs = Date.parse('2026-11-25T00:00:00Z');

function doc(body: string, locale = 'en_US'): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<HealthData locale="${locale}">\n <ExportDate value="2024-03-15 08:00:00 -0400"/>\n${body}</HealthData>\n`;
}
function rec(type: string, value: string, start: string, end: string, extra = '', inner = ''): string {
  const head = ` <Record type="${type}" sourceName="Apple Watch" ${extra} creationDate="${end}" startDate="${start}" endDate="${end}" value="${value}"`;
  return inner ? `${head}>\n${inner} </Record>\n` : `${head}/>\n`;
}
async function run(
  xml: string,
  opts: { timezone?: string; maxRejections?: number; batchSize?: number } = {},
): Promise<{ summary: ImportSummary; batches: ImportBatch[] }> {
  const batches: ImportBatch[] = [];
  const summary = await importAppleHealthXml(chunks(xml, 333), {
    uid: 'u1',
    nowMs,
    onBatch: (b) => void batches.push(b),
    ...opts,
  });
  return { summary, batches };
}

describe('mapping Records to canonical samples', () => {
  it('sleep analysis: every stage value Apple writes, including iOS 16 core/deep/REM and the legacy Asleep', async () => {
    const values = [
      ['HKCategoryValueSleepAnalysisInBed', 'inBed'],
      ['HKCategoryValueSleepAnalysisAsleepUnspecified', 'asleepUnspecified'],
      ['HKCategoryValueSleepAnalysisAsleep', 'asleepUnspecified'],
      ['HKCategoryValueSleepAnalysisAwake', 'awake'],
      ['HKCategoryValueSleepAnalysisAsleepCore', 'asleepCore'],
      ['HKCategoryValueSleepAnalysisAsleepDeep', 'asleepDeep'],
      ['HKCategoryValueSleepAnalysisAsleepREM', 'asleepREM'],
    ];
    const body = values
      .map(([v], i) =>
        rec(
          'HKCategoryTypeIdentifierSleepAnalysis',
          v!,
          `2024-03-14 23:${10 + i}:00 -0400`,
          `2024-03-14 23:${11 + i}:00 -0400`,
        ),
      )
      .join('');
    const { summary, batches } = await run(
      doc(
        body +
          rec(
            'HKCategoryTypeIdentifierSleepAnalysis',
            'HKCategoryValueSleepAnalysisDreaming',
            '2024-03-14 23:30:00 -0400',
            '2024-03-14 23:31:00 -0400',
          ),
      ),
    );
    const samples = batches.flatMap((b) => b.samples);
    expect(samples.map((s) => s.stage)).toEqual(values.map(([, s]) => s));
    expect(samples.every((s) => s.metric === 'sleep' && s.value === null && s.unit === null)).toBe(true);
    expect(summary.byType.HKCategoryTypeIdentifierSleepAnalysis).toEqual({
      accepted: 7,
      duplicate: 0,
      rejected: 1,
      unsupported: 0,
    });
    expect(summary.rejections[0]).toMatchObject({
      path: ['Record', 7, 'value'],
      type: 'HKCategoryTypeIdentifierSleepAnalysis',
    });
  });

  it('units: distance in mi/km, energy in Cal/kJ, SpO2 as a fraction, HRV SDNN in ms, rates in count/min', async () => {
    const t0 = '2024-03-14 10:00:00 -0400';
    const t1 = '2024-03-14 10:05:00 -0400';
    const body = [
      rec('HKQuantityTypeIdentifierDistanceWalkingRunning', '1.5', t0, t1, 'unit="mi"'),
      rec('HKQuantityTypeIdentifierDistanceWalkingRunning', '2', t0, t1, 'unit="km" sourceVersion="2"'),
      rec('HKQuantityTypeIdentifierActiveEnergyBurned', '41.84', t0, t1, 'unit="kJ"'),
      rec('HKQuantityTypeIdentifierBasalEnergyBurned', '20', t0, t1, 'unit="Cal"'),
      rec('HKQuantityTypeIdentifierOxygenSaturation', '0.97', t0, t0, 'unit="%"'),
      rec('HKQuantityTypeIdentifierOxygenSaturation', '97', t0, t0, 'unit="%"'),
      rec('HKQuantityTypeIdentifierRespiratoryRate', '14.5', t0, t1, 'unit="count/min"'),
      rec('HKQuantityTypeIdentifierRestingHeartRate', '52', t0, t1, 'unit="count/min"'),
      rec('HKQuantityTypeIdentifierWalkingHeartRateAverage', '101', t0, t1, 'unit="count/min"'),
      rec('HKQuantityTypeIdentifierHeartRateVariabilitySDNN', '48.3', t0, t1, 'unit="ms"'),
      rec('HKQuantityTypeIdentifierStepCount', '12', t0, t1, 'unit="km"'),
    ].join('');
    const { summary, batches } = await run(doc(body));
    const s = batches.flatMap((b) => b.samples);
    expect(s.map((x) => [x.metric, x.unit])).toEqual([
      ['distance', 'm'],
      ['distance', 'm'],
      ['active_energy', 'kcal'],
      ['basal_energy', 'kcal'],
      ['oxygen_saturation', 'fraction'],
      ['respiratory_rate', 'count/min'],
      ['resting_heart_rate', 'count/min'],
      ['walking_heart_rate', 'count/min'],
      ['hrv_sdnn', 'ms'],
    ]);
    expect(s[0]!.value).toBeCloseTo(1.5 * 1609.344, 9);
    expect(s[1]!.value).toBe(2000);
    expect(s[2]!.value).toBeCloseTo(10, 9);
    expect(s[4]!.value).toBe(0.97);
    expect(summary.rejected).toBe(2);
    expect(summary.rejections.map((r) => r.message)).toEqual([
      'is outside the plausible range 0.5-1 fraction (HealthKit gives oxygen saturation as a fraction: 0.97 for 97 %)',
      '"km" is not a unit of HKQuantityTypeIdentifierStepCount (expected count)',
    ]);
  });

  it('accepts and rejects exactly like the JSON upload validation', async () => {
    const cases = [
      [
        'HKQuantityTypeIdentifierHeartRate',
        '72',
        'count/min',
        '2024-03-14 10:00:00 -0400',
        '2024-03-14 10:00:00 -0400',
      ],
      [
        'HKQuantityTypeIdentifierHeartRate',
        '400',
        'count/min',
        '2024-03-14 10:00:00 -0400',
        '2024-03-14 10:00:00 -0400',
      ],
      [
        'HKQuantityTypeIdentifierHeartRate',
        'abc',
        'count/min',
        '2024-03-14 10:00:00 -0400',
        '2024-03-14 10:00:00 -0400',
      ],
      [
        'HKQuantityTypeIdentifierStepCount',
        '10',
        'count',
        '2024-03-14 10:00:00 -0400',
        '2024-03-14 09:00:00 -0400',
      ],
      [
        'HKQuantityTypeIdentifierStepCount',
        '10',
        'count',
        '2024-03-14 10:00:00',
        '2024-03-14 10:01:00 -0400',
      ],
      [
        'HKQuantityTypeIdentifierStepCount',
        '10',
        'count',
        '2030-03-14 10:00:00 -0400',
        '2030-03-14 10:01:00 -0400',
      ],
      [
        'HKQuantityTypeIdentifierStepCount',
        '10',
        'count',
        '2024-03-14 10:00:00 -0400',
        '2024-03-16 10:01:00 -0400',
      ],
    ] as const;
    const body = cases
      .map(([type, v, unit, start, end]) => rec(type, v, start, end, `unit="${unit}"`))
      .join('');
    const { summary } = await run(doc(body));
    const json = validateHealthKitUpload(
      {
        samples: cases.map(([type, v, unit, start, end]) => ({
          type,
          value: type.endsWith('Rate') && v === 'abc' ? Number.NaN : Number(v),
          unit,
          startDate: start,
          endDate: end,
          sourceName: 'Apple Watch',
        })),
      },
      nowMs,
    );
    expect(summary.accepted).toBe(json.samples.length);
    expect(summary.rejected).toBe(json.rejectedIndexes.length);
    expect(summary.rejections.map((r) => r.path[1])).toEqual(json.issues.map((i) => i.path[1]));
    expect(summary.rejections.map((r) => r.message)).toEqual(json.issues.map((i) => i.message));
  });

  it('duplicates within a file are detected by sample id; unknown types are counted and reported', async () => {
    const r = rec(
      'HKQuantityTypeIdentifierHeartRate',
      '72',
      '2024-03-14 10:00:00 -0400',
      '2024-03-14 10:00:00 -0400',
      'unit="count/min"',
    );
    // The same instant written with another offset is the same sample.
    const r2 = rec(
      'HKQuantityTypeIdentifierHeartRate',
      '72',
      '2024-03-14 14:00:00 +0000',
      '2024-03-14 14:00:00 +0000',
      'unit="count/min"',
    );
    const other = rec(
      'HKQuantityTypeIdentifierBodyMassFutureKind',
      '70',
      '2024-03-14 10:00:00 -0400',
      '2024-03-14 10:00:00 -0400',
      'unit="kg"',
    );
    const w =
      ' <Workout workoutActivityType="HKWorkoutActivityTypeWalking" sourceName="Apple Watch" startDate="2024-03-14 17:00:00 -0400" endDate="2024-03-14 17:30:00 -0400"/>\n';
    const { summary, batches } = await run(
      doc(r + r + r2 + other + other + w + w + '<ClinicalRecord type="x"/>'),
    );
    expect([summary.workouts, summary.workoutsAccepted, summary.workoutsDuplicate]).toEqual([2, 1, 1]);
    expect(batches.flatMap((b) => b.workouts)).toHaveLength(1);
    expect(summary.records).toBe(5);
    expect(summary.byType.HKQuantityTypeIdentifierHeartRate).toEqual({
      accepted: 1,
      duplicate: 2,
      rejected: 0,
      unsupported: 0,
    });
    // An identifier of HealthKit's form that the table does not know is stored generically, in its own unit.
    expect(summary.byType.HKQuantityTypeIdentifierBodyMassFutureKind).toEqual({
      accepted: 1,
      duplicate: 1,
      rejected: 0,
      unsupported: 0,
    });
    expect(summary.unknownTypes).toEqual({ HKQuantityTypeIdentifierBodyMassFutureKind: 2 });
    expect(summary.otherElements).toEqual({ ClinicalRecord: 1 });
    const samples = batches.flatMap((b) => b.samples);
    expect(samples).toHaveLength(2);
    expect(samples[1]).toMatchObject({ metric: 'x_body_mass_future_kind', value: 70, unit: 'kg' });
  });

  it('rejection reasons are capped; batches respect batchSize; the user timezone sets the offsets', async () => {
    const bad = Array.from({ length: 30 }, (_, i) =>
      rec(
        'HKQuantityTypeIdentifierHeartRate',
        String(500 + i),
        '2024-03-14 10:00:00 -0400',
        '2024-03-14 10:00:00 -0400',
        'unit="count/min"',
      ),
    ).join('');
    const good = Array.from({ length: 25 }, (_, i) =>
      rec(
        'HKQuantityTypeIdentifierHeartRate',
        String(60 + i),
        `2024-03-10 0${i % 5}:1${i % 10}:00 -0500`,
        `2024-03-10 0${i % 5}:1${i % 10}:00 -0500`,
        'unit="count/min"',
      ),
    ).join('');
    const { summary, batches } = await run(doc(bad + good), {
      maxRejections: 5,
      batchSize: 10,
      timezone: 'America/New_York',
    });
    expect(summary.rejected).toBe(30);
    expect(summary.rejections).toHaveLength(5);
    expect(batches.map((b) => b.samples.length)).toEqual([10, 10, 5]);
    const offsets = new Set(batches.flatMap((b) => b.samples).map((s) => s.offsetMinutes));
    // 2024-03-10 is the spring-forward day: 00:xx-01:xx EST (-300), 03:xx-04:xx EDT (-240).
    expect([...offsets].sort((x, y) => x - y)).toEqual([-300, -240]);
  });

  it('HRV records keep SDNN and their InstantaneousBeatsPerMinute list as absolute times, in en_US and 24-hour locales', async () => {
    const inner = (times: string[]): string =>
      `  <HeartRateVariabilityMetadataList>\n${times.map((t, i) => `   <InstantaneousBeatsPerMinute bpm="${60 + i}" time="${t}"/>\n`).join('')}  </HeartRateVariabilityMetadataList>\n`;
    const body =
      rec(
        'HKQuantityTypeIdentifierHeartRateVariabilitySDNN',
        '41.2',
        '2024-03-14 23:59:58 -0400',
        '2024-03-15 00:00:50 -0400',
        'unit="ms"',
        inner(['11:59:58.50 PM', '11:59:59.40 PM', '12:00:00.31 AM']),
      ) +
      rec(
        'HKQuantityTypeIdentifierHeartRateVariabilitySDNN',
        '38',
        '2024-03-14 20:21:20 +0100',
        '2024-03-14 20:22:20 +0100',
        'unit="ms"',
        inner(['20:21:21,71', '20:21:22,60']),
      ) +
      rec(
        'HKQuantityTypeIdentifierHeartRateVariabilitySDNN',
        '30',
        '2024-03-14 20:21:20 +0100',
        '2024-03-14 20:22:20 +0100',
        'unit="ms"',
        inner(['nonsense']),
      );
    const { summary, batches } = await run(doc(body));
    const [a, b, c] = batches.flatMap((x) => x.samples);
    expect(a!.metric).toBe('hrv_sdnn');
    expect(a!.beats).toEqual([
      { ms: Date.parse('2024-03-15T03:59:58.500Z'), bpm: 60 },
      { ms: Date.parse('2024-03-15T03:59:59.400Z'), bpm: 61 },
      { ms: Date.parse('2024-03-15T04:00:00.310Z'), bpm: 62 },
    ]);
    expect(b!.beats).toEqual([
      { ms: Date.parse('2024-03-14T19:21:21.710Z'), bpm: 60 },
      { ms: Date.parse('2024-03-14T19:21:22.600Z'), bpm: 61 },
    ]);
    expect(c!.beats).toBeUndefined();
    expect(c!.value).toBe(30);
    expect(summary.hrvBeatListsUnreadable).toBe(1);
    expect(mapBeats([{ bpm: '60', time: '13:00:00 PM' }], '2024-03-14 20:21:20 +0100')).toBeUndefined();
  });

  it('workouts from WorkoutStatistics (iOS 16+ layout) and activity summaries in kJ', async () => {
    const body =
      ' <Workout workoutActivityType="HKWorkoutActivityTypeCycling" duration="3600" durationUnit="s" sourceName="Apple Watch" startDate="2024-03-14 17:00:00 -0400" endDate="2024-03-14 18:00:00 -0400">\n' +
      '  <WorkoutStatistics type="HKQuantityTypeIdentifierDistanceCycling" startDate="2024-03-14 17:00:00 -0400" endDate="2024-03-14 18:00:00 -0400" sum="25.5" unit="km"/>\n' +
      '  <WorkoutStatistics type="HKQuantityTypeIdentifierActiveEnergyBurned" startDate="2024-03-14 17:00:00 -0400" endDate="2024-03-14 18:00:00 -0400" sum="2092" unit="kJ"/>\n' +
      ' </Workout>\n' +
      ' <Workout workoutActivityType="HKWorkoutActivityTypeYoga" duration="-1" durationUnit="min" sourceName="Apple Watch" startDate="2024-03-14 17:00:00 -0400" endDate="2024-03-14 18:00:00 -0400"/>\n' +
      ' <ActivitySummary dateComponents="2024-03-14" activeEnergyBurned="2092" activeEnergyBurnedGoal="2092" activeEnergyBurnedUnit="kJ" appleExerciseTime="30" appleExerciseTimeGoal="30" appleStandHours="10" appleStandHoursGoal="12"/>\n';
    const { summary, batches } = await run(doc(body));
    const [w] = batches.flatMap((b) => b.workouts);
    expect(w).toMatchObject({
      activityType: 'HKWorkoutActivityTypeCycling',
      durationMin: 60,
      distanceM: 25_500,
    });
    expect(w!.energyKcal).toBeCloseTo(500, 9);
    expect(summary.workouts).toBe(2);
    expect(summary.workoutsAccepted).toBe(1);
    expect(summary.workoutsDuplicate).toBe(0);
    expect(summary.rejections[0]).toMatchObject({ path: ['Workout', 1, 'duration'], type: 'Workout' });
    const [a] = batches.flatMap((b) => b.activitySummaries);
    expect(a!.activeEnergyKcal).toBeCloseTo(500, 9);
    expect(a!.standHours).toBe(10);
  });

  it('an export record dated before 1900 is rejected as the JSON upload rejects it', async () => {
    const { summary, batches } = await run(
      `<HealthData>\n${rec('HKQuantityTypeIdentifierHeartRate', '60', '1850-01-01 10:00:00 +0000', '1850-01-01 10:00:00 +0000', 'unit="count/min"')}${rec('HKQuantityTypeIdentifierHeartRate', '61', '1918-01-23 10:00:00 +0000', '1918-01-23 10:00:00 +0000', 'unit="count/min"')}</HealthData>\n`,
    );
    expect(summary.rejections).toEqual([
      expect.objectContaining({ path: ['Record', 0, 'startDate'], message: 'must not be before 1900-01-01' }),
    ]);
    expect(batches.flatMap((b) => b.samples).map((x) => x.value)).toEqual([61]);
  });

  it('the zod-free shape check agrees with healthKitSampleSchema on random and edge inputs', () => {
    const str = (max: number): fc.Arbitrary<string | undefined> =>
      fc.option(
        fc.oneof(
          fc.string({ maxLength: max + 3 }),
          fc.constantFrom('', 'x'.repeat(max), 'x'.repeat(max + 1)),
        ),
        { nil: undefined },
      );
    const input = fc.record({
      type: str(120),
      value: fc.oneof(fc.double(), fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 72), str(100)),
      unit: str(40),
      startDate: str(40),
      endDate: str(40),
      sourceName: str(200),
      sourceVersion: str(100),
      device: str(500),
    });
    fc.assert(
      fc.property(input, (raw) => {
        const x = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined));
        expect(passesSampleShape(x)).toBe(healthKitSampleSchema.safeParse(x).success);
      }),
      { numRuns: 3000, seed: 42 },
    );
  });

  it('the in-file duplicate set finds repeats, grows, and stays bounded at its capacity', async () => {
    const ids = Array.from(
      { length: 5000 },
      (_, i) => (i * 2654435761 + 12345).toString(16).padStart(16, '0').slice(-16) + 'ffff',
    );
    const seen = new SeenIds();
    expect(ids.every((id) => seen.add(id))).toBe(true);
    expect(ids.every((id) => !seen.add(id))).toBe(true);
    expect(seen.size).toBe(5000);
    const small = new SeenIds(100);
    ids.slice(0, 150).forEach((id) => small.add(id));
    expect([small.size, small.overflow]).toEqual([100, 50]);
    expect(small.add(ids[0]!)).toBe(false);
    expect(small.add(ids[120]!)).toBe(true);
    // Through the importer: with room for one id, the second distinct sample overflows and a repeat of it passes.
    const r = (v: number): string =>
      rec(
        'HKQuantityTypeIdentifierHeartRate',
        String(v),
        '2024-03-14 10:00:00 -0400',
        '2024-03-14 10:00:00 -0400',
        'unit="count/min"',
      );
    const batches: ImportBatch[] = [];
    const summary = await importAppleHealthXml(chunks(doc(r(70) + r(70) + r(71) + r(71)), 100), {
      uid: 'u1',
      nowMs,
      dedupeCapacity: 1,
      onBatch: (b) => void batches.push(b),
    });
    expect([summary.accepted, summary.duplicate, summary.dedupeOverflow]).toEqual([3, 1, 2]);
  });

  it('types and element names that are Object.prototype names are counted as own entries, the prototype untouched', async () => {
    const body =
      ' <Record type="__proto__" value="1"/>\n <Record type="toString"/>\n <Record type="__proto__"/>\n <__proto__ a="1"/>\n <constructor/>\n';
    const { summary } = await run(doc(body));
    expect(summary.byType).toEqual(
      JSON.parse(
        '{"__proto__":{"accepted":0,"duplicate":0,"rejected":0,"unsupported":2},"toString":{"accepted":0,"duplicate":0,"rejected":0,"unsupported":1}}',
      ),
    );
    expect(Object.keys(summary.unknownTypes)).toEqual(['__proto__', 'toString']);
    expect(summary.unknownTypes.__proto__).toBe(2);
    expect(JSON.stringify(summary.otherElements)).toBe('{"__proto__":1,"constructor":1}');
    expect(Object.getPrototypeOf(summary.byType)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).unsupported).toBeUndefined();
  });
});
