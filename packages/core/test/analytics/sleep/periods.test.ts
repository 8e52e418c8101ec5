import { describe, expect, it } from 'vitest';
import { readActiLifeCsvFile } from '../../../src/readers/actilife-csv.ts';
import { coleKripke, sadeh, type SleepScoring } from '../../../src/analytics/sleep/scoring.ts';
import {
  sleepMidpoint,
  sleepRegularityIndex,
  tudorLocke,
  windowMetrics,
} from '../../../src/analytics/sleep/periods.ts';
import { createEpochSeries } from '../../../src/contracts/epoch-series.ts';
import { sharedData } from '../../support/shared-data.ts';
import { GT3X, local, readReferenceCsv } from '../../support/actilife-reference.ts';

const minuteCounts = async () =>
  (await readActiLifeCsvFile(sharedData('actigraphy', 'actilife_gt3xplus', GT3X('-10sec60sec.csv')))).series;

describe('Tudor-Locke sleep periods equal ActiLife 6 (GT3XPlus-RawData-Day01-sleep-periods.csv, Sadeh)', () => {
  const rows = readReferenceCsv(GT3X('-sleep-periods.csv'));
  const sets = [...new Set(rows.map((r) => r.period_algorithm!))];

  it('the reference has ActiLife\'s "Tudor-Locke Default" row (5/10/160/1440/0) and two custom sets', () => {
    expect(sets).toEqual(['Tudor-Locke Default', 'Tudor-Locke Custom1', 'Tudor-Locke Custom2']);
    const d = rows.filter((r) => r.period_algorithm === 'Tudor-Locke Default');
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({
      sleep_algorithm: 'Sadeh',
      n_bedtime_start: '5',
      n_wake_time_end: '10',
      min_sleep_period: '160',
      max_sleep_period: '1440',
      min_nonzero_epochs: '0',
    });
  });

  for (const set of sets) {
    it(`${set}: every period and metric`, async () => {
      const ref = rows.filter((r) => r.period_algorithm === set);
      const p = ref[0]!;
      const got = tudorLocke(sadeh(await minuteCounts()), {
        bedtimeStartMinutes: Number(p.n_bedtime_start),
        wakeTimeEndMinutes: Number(p.n_wake_time_end),
        minSleepMinutes: Number(p.min_sleep_period),
        maxSleepMinutes: Number(p.max_sleep_period),
        minNonzeroEpochs: Number(p.min_nonzero_epochs),
      }).periods;
      expect(got).toHaveLength(ref.length);
      got.forEach((g, i) => {
        const r = ref[i]!;
        expect(g.inBed).toBe(local(r.in_bed_time!));
        expect(g.outBed).toBe(local(r.out_bed_time!));
        expect(g.onset).toBe(local(r.onset!));
        expect(g.latencyMinutes).toBe(Number(r.latency));
        expect(g.durationMinutes).toBe(Number(r.duration));
        expect(g.totalSleepMinutes).toBe(Number(r.total_sleep_time));
        expect(g.wasoMinutes).toBe(Number(r.wake_after_onset));
        expect(g.awakenings).toBe(Number(r.nb_awakenings));
        expect(g.totalCounts).toBe(Number(r.total_counts));
        // ActiLife prints 2-3 decimals.
        expect(g.efficiency).toBeCloseTo(Number(r.efficiency), 2);
        expect(g.averageAwakeningMinutes).toBeCloseTo(Number(r.ave_awakening), 2);
        expect(g.movementIndex).toBeCloseTo(Number(r.movement_index), 3);
        expect(g.fragmentationIndex).toBeCloseTo(Number(r.fragmentation_index), 3);
        expect(g.sleepFragmentationIndex).toBeCloseTo(Number(r.sleep_fragmentation_index), 3);
      });
    });
  }

  it('the default run gives exactly the ActiLife default row', async () => {
    const [p] = tudorLocke(sadeh(await minuteCounts())).periods;
    expect(p).toMatchObject({
      inBed: '2012-06-28T00:03:00',
      outBed: '2012-06-28T07:38:00',
      durationMinutes: 455,
      totalSleepMinutes: 442,
      wasoMinutes: 13,
      awakenings: 4,
      totalCounts: 9126,
      fragmentationIndex: 40,
    });
    expect(p!.efficiency).toBeCloseTo(97.14, 2);
    expect(p!.movementIndex).toBeCloseTo(5.934, 3);
  });
});

function scoringOf(pattern: string, start = '2020-01-01T22:00:00', counts?: number[]): SleepScoring {
  const values = Float64Array.from(counts ?? Array.from(pattern, () => 0));
  const s = coleKripke(
    createEpochSeries({ start, epochSeconds: 60, values, quantity: 'counts', source: { format: 'test' } }),
  );
  s.sleep = Uint8Array.from(pattern, (c) => (c === 'S' ? 1 : 0));
  s.missing = Uint8Array.from(pattern, (c) => (c === '.' ? 1 : 0));
  return s;
}

describe('Tudor-Locke rules on constructed nights', () => {
  it('drops a period that ends at the end of the data unless asked, and applies min length', () => {
    const night = `${'W'.repeat(20)}${'S'.repeat(200)}`;
    expect(tudorLocke(scoringOf(night)).periods).toHaveLength(0);
    expect(tudorLocke(scoringOf(night), { dropPeriodAtEnd: false }).periods).toHaveLength(1);
    expect(tudorLocke(scoringOf(`${'S'.repeat(150)}${'W'.repeat(20)}`)).periods).toHaveLength(0);
  });

  it('short wake bouts stay inside the period and are awakenings; a 10-min wake ends it', () => {
    const night = `WWWWW${'S'.repeat(100)}WWW${'S'.repeat(100)}W${'S'.repeat(50)}${'W'.repeat(10)}SSS`;
    const [p] = tudorLocke(scoringOf(night)).periods;
    expect(p).toMatchObject({
      startIndex: 5,
      durationMinutes: 254,
      totalSleepMinutes: 250,
      wasoMinutes: 4,
      awakenings: 2,
      averageAwakeningMinutes: 2,
      fragmentationIndex: 0,
    });
  });
});

describe('window metrics (consensus diary style)', () => {
  it('SOL, TST, WASO between first and last sleep, final wake excluded, SE over time in bed', () => {
    // In bed at 22:00 for 20 min: 3 wake, 5 sleep, 2 wake, 6 sleep, 4 final wake.
    const s = scoringOf('WWWSSSSSWWSSSSSSWWWW');
    const m = windowMetrics(s, '2020-01-01T22:00:00', '2020-01-01T22:20:00');
    expect(m).toMatchObject({
      timeInBedMinutes: 20,
      onset: '2020-01-01T22:03:00',
      solMinutes: 3,
      totalSleepMinutes: 11,
      wasoMinutes: 2,
      awakenings: 1,
      finalWake: '2020-01-01T22:16:00',
    });
    expect(m.efficiency).toBeCloseTo(55, 9);
    const noSleep = windowMetrics(scoringOf('WWWW'), '2020-01-01T22:00:00', '2020-01-01T22:04:00');
    expect(noSleep).toMatchObject({ onset: null, solMinutes: null, totalSleepMinutes: 0, efficiency: 0 });
    expect(() => windowMetrics(s, '2020-01-02T22:00:00', '2020-01-02T23:00:00')).toThrow(/empty or outside/);
  });
});

describe('sleep midpoint and SRI', () => {
  it('midpoint is the circular mean across midnight', () => {
    // Sleep 23:00-01:00 -> 00:00 (not noon, as a linear mean of minute-of-day would give).
    const pattern = `${'W'.repeat(60)}${'S'.repeat(120)}${'W'.repeat(60)}`;
    const m = sleepMidpoint(scoringOf(pattern, '2020-01-01T22:00:00'));
    expect(m.clock).toBe('23:59');
    expect(m.minutes! > 1439 || m.minutes! < 1).toBe(true);
    expect(sleepMidpoint(scoringOf('WWW')).minutes).toBeNull();
  });

  it('SRI is 100 for an identical schedule, -100 for the inverse, and skips missing pairs', () => {
    const day = `${'S'.repeat(480)}${'W'.repeat(960)}`;
    expect(sleepRegularityIndex(scoringOf(day + day + day)).sri).toBe(100);
    const inv = day.replace(/S/g, 'x').replace(/W/g, 'S').replace(/x/g, 'W');
    expect(sleepRegularityIndex(scoringOf(day + inv)).sri).toBe(-100);
    const half = sleepRegularityIndex(scoringOf(day + `${'.'.repeat(720)}${'W'.repeat(720)}`));
    expect(half.pairs).toBe(720);
    expect(half.sri).toBe(100);
    expect(half.provenance.coverage.fraction).toBe(0.5);
  });
});
