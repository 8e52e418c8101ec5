import { createReadStream } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  activitySummary,
  FREEDSON_1998_ADULT,
  TROIANO_2008_ADULT,
  findMvpaBouts,
  classifyEpochs,
} from '../../../src/analytics/activity/index.ts';
import { createEpochSeries, type EpochSeries } from '../../../src/contracts/epoch-series.ts';
import { ClarityError } from '../../../src/errors.ts';
import { readFitbitDailySteps, readFitbitMinuteStepsWide } from '../../../src/readers/fitbit.ts';
import { sharedData } from '../../support/shared-data.ts';

const rep = (v: number, n: number): number[] => Array.from({ length: n }, () => v);

function counts(values: number[], start = '2020-03-01T00:00:00', epochSeconds = 60): EpochSeries {
  return createEpochSeries({
    start,
    epochSeconds,
    values: Float64Array.from(values),
    quantity: 'counts',
    source: { format: 'synthetic' },
  });
}

describe('intensity classes (Freedson 1998 adult by default)', () => {
  it('classifies at the documented boundaries: <100, 100-1951, 1952-5724, >=5725', () => {
    const s = counts([0, 99, 100, 1951, 1952, 5724, 5725, Number.NaN]);
    expect(Array.from(classifyEpochs(s, FREEDSON_1998_ADULT))).toEqual([0, 0, 1, 1, 2, 2, 3, 255]);
    const r = activitySummary(s);
    expect(r.cutPoints.name).toBe('freedson-1998-adult');
    expect(r.provenance.variant).toBe('freedson-1998-adult');
    expect(r.totals).toMatchObject({
      sedentary: 2,
      light: 2,
      moderate: 2,
      vigorous: 1,
      mvpa: 3,
      validMinutes: 7,
    });
    // the missing minute is in no class and not in the total
    expect(r.totals.total).toBe(0 + 99 + 100 + 1951 + 1952 + 5724 + 5725);
  });

  it('accepts another named cut-point set and scales thresholds to 30-s epochs', () => {
    const s = counts([2000, 2000], '2020-03-01T00:00:00', 60);
    expect(activitySummary(s, { cutPoints: TROIANO_2008_ADULT }).totals.moderate).toBe(0); // 2000 < 2020
    expect(activitySummary(s).totals.moderate).toBe(2);
    const half = counts([976, 975], '2020-03-01T00:00:00', 30);
    const r = activitySummary(half);
    expect(r.appliedThresholds.moderate).toBe(976);
    expect(r.totals.moderate).toBe(0.5);
    expect(r.totals.light).toBe(0.5);
  });

  it('rejects cut-points for the wrong quantity', () => {
    const steps = createEpochSeries({
      start: '2020-03-01T00:00:00',
      epochSeconds: 60,
      values: new Float64Array(3),
      quantity: 'steps',
      source: { format: 't' },
    });
    expect(() => activitySummary(steps, { cutPoints: FREEDSON_1998_ADULT })).toThrow(ClarityError);
  });
});

describe('MVPA bouts (>= 10 min, interruptions of at most 2 min)', () => {
  const M = 3000;
  const L = 500;
  it('keeps a bout through short interruptions and ends it at a 3-min drop', () => {
    // 6 MVPA, 2 light, 4 MVPA (12 min bout), 3 light (ends), 9 MVPA (too short)
    const v = [...rep(M, 6), L, L, ...rep(M, 4), L, L, L, ...rep(M, 9)];
    const r = activitySummary(counts(v));
    expect(r.bouts.map((b) => [b.startIndex, b.endIndex, b.minutes])).toEqual([[0, 12, 12]]);
    expect(r.boutRule).toEqual({ minMinutes: 10, toleranceMinutes: 2 });
    expect(r.days[0]?.mvpaBoutMinutes).toBe(12);
  });

  it('does not end a bout with trailing interruptions and is broken by missing data', () => {
    const classes = classifyEpochs(counts([...rep(M, 10), L, L]), FREEDSON_1998_ADULT);
    expect(findMvpaBouts(classes, 60, { minMinutes: 10, toleranceMinutes: 2 })).toEqual([
      { startIndex: 0, endIndex: 10 },
    ]);
    const gap = counts([...rep(M, 5), Number.NaN, ...rep(M, 5)]);
    expect(activitySummary(gap).bouts).toEqual([]);
  });
});

describe('daily totals', () => {
  it('splits at local midnight and marks days with < 10 h of data invalid', () => {
    // 20:00 on day 1 to 23:59 on day 2: day 1 has 4 h, day 2 has 24 h
    const v = Array.from({ length: 28 * 60 }, () => 150);
    const r = activitySummary(counts(v, '2020-03-01T20:00:00'));
    expect(r.days.map((d) => [d.date, d.validMinutes, d.valid])).toEqual([
      ['2020-03-01', 240, false],
      ['2020-03-02', 1440, true],
    ]);
    expect(r.meanDailyTotal).toBe(1440 * 150);
  });

  it('daily steps of a real Fitbit user equal Fitbit daily totals on the days where minute data agree', async () => {
    const minutes = await readFitbitMinuteStepsWide(
      createReadStream(sharedData('fitbit_fitabase', 'minuteStepsWide_merged.csv')),
    );
    const daily = await readFitbitDailySteps(
      createReadStream(sharedData('fitbit_fitabase', 'dailySteps_merged.csv')),
    );
    const user = minutes.users.find((u) => u.id === '1624580081');
    if (user === undefined) throw new Error('user 1624580081 not in the file');
    const r = activitySummary(user.series);
    expect(r.cutPoints.name).toBe('tudor-locke-2018-cadence');
    const fitbitDaily = new Map(daily.filter((d) => d.id === user.id).map((d) => [d.time, d.steps]));
    let equal = 0;
    const differ: string[] = [];
    for (const d of r.days) {
      const f = fitbitDaily.get(d.date);
      if (f === undefined) continue;
      if (f === d.total) equal++;
      else differ.push(d.date);
    }
    // This user's disagreeing days are exactly the five listed by the Fitbit comparison test
    expect(differ).toEqual(['2016-04-15', '2016-04-17', '2016-04-22', '2016-04-25', '2016-05-12']);
    expect(equal).toBe(25); // of the 30 days in both files (the minute file also has 2016-05-13)
    expect(r.totals.mvpa).toBeGreaterThan(0);
  });
});
