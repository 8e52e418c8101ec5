import { describe, expect, it } from 'vitest';
import { readActiLifeCsvFile } from '../../../src/readers/actilife-csv.ts';
import {
  coleKripke,
  oakley,
  oakleyAutomaticThreshold,
  sadeh,
  scoreSleep,
  scripps,
  websterRescore,
  type SleepScoring,
} from '../../../src/analytics/sleep/scoring.ts';
import { createEpochSeries } from '../../../src/contracts/epoch-series.ts';
import { sharedData } from '../../support/shared-data.ts';
import { GT3X, readReferenceCsv } from '../../support/actilife-reference.ts';

const minuteCounts = async () =>
  (await readActiLifeCsvFile(sharedData('actigraphy', 'actilife_gt3xplus', GT3X('-10sec60sec.csv')))).series;
const series = (values: number[], epochSeconds = 60) =>
  createEpochSeries({
    start: '2020-01-01T00:00:00',
    epochSeconds,
    values: Float64Array.from(values),
    quantity: 'counts',
    source: { format: 'test' },
  });

function compare(
  scoring: SleepScoring,
  reference: string,
): { epochs: number; mismatches: number; sleep: number } {
  const rows = readReferenceCsv(reference);
  let mismatches = 0;
  let sleep = 0;
  rows.forEach((r, i) => {
    const s = r['Sleep or Awake?'] === 'S' ? 1 : 0;
    sleep += s;
    if (scoring.sleep[i] !== s) mismatches++;
  });
  return { epochs: rows.length, mismatches, sleep };
}

describe('epoch scoring equals ActiLife 6 on every epoch of the GT3X+ day (axis 1, 60 s)', () => {
  it('Cole-Kripke vs GT3XPlus-RawData-Day01-ColeKripke.csv: 1500 epochs, 0 mismatches', async () => {
    const s = coleKripke(await minuteCounts());
    expect(s.sleep.length).toBe(1500);
    const c = compare(s, GT3X('-ColeKripke.csv'));
    expect(c).toMatchObject({ epochs: 1500, mismatches: 0 });
    expect(c.sleep).toBeGreaterThan(100);
    expect(s.provenance).toMatchObject({
      algorithm: 'cole-kripke-1992',
      variant: 'actilife',
      epochSeconds: 60,
    });
  });

  it('Sadeh vs GT3XPlus-RawData-Day01-Sadeh.csv: 1500 epochs, 0 mismatches', async () => {
    const s = sadeh(await minuteCounts());
    const c = compare(s, GT3X('-Sadeh.csv'));
    expect(c).toMatchObject({ epochs: 1500, mismatches: 0 });
    expect(c.sleep).toBeGreaterThan(100);
    expect(s.provenance.variant).toBe('actilife');
  });

  it('the 10-s CSV summed to 60 s scores identically', async () => {
    const ten = (await readActiLifeCsvFile(sharedData('actigraphy', 'actilife_gt3xplus', GT3X('.csv'))))
      .series;
    const s = scoreSleep(
      ten.epochSeconds === 60
        ? ten
        : (await import('../../../src/analytics/preprocess/resample.ts')).toMinuteEpochs(ten, 'x'),
      { algorithm: 'cole-kripke' },
    );
    expect(compare(s, GT3X('-ColeKripke.csv')).mismatches).toBe(0);
  });

  it('a different Cole-Kripke weight set or a pyActigraphy-like Sadeh disagrees with ActiLife (the test can fail)', async () => {
    const counts = await minuteCounts();
    expect(
      compare(coleKripke(counts, { weights: 'max10sOverlap' }), GT3X('-ColeKripke.csv')).mismatches,
    ).toBeGreaterThan(0);
    expect(compare(sadeh(counts, { threshold: 0 }), GT3X('-Sadeh.csv')).mismatches).toBeGreaterThan(0);
  });
});

describe('scorer formulas on constructed input', () => {
  it('Cole-Kripke: one epoch of 500 counts -> D = 0.001*230*5 = 1.15 wake at A0; neighbours by weight', () => {
    const s = coleKripke(series([0, 0, 0, 0, 0, 500, 0, 0, 0, 0, 0]));
    // D at i = 5 + k uses weight W(-k): W0 = 230 -> 1.15 wake; W-1 = 76 -> 0.38 sleep.
    expect(Array.from(s.sleep)).toEqual([1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1]);
    const big = coleKripke(series([0, 0, 0, 0, 0, 30000, 0, 0, 0, 0, 0]));
    // Cap 300: W * 300 * 0.001 >= 1 for W >= 3.34 -> every epoch whose window holds the spike is wake.
    expect(Array.from(big.sleep)).toEqual([1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1]);
  });

  it('Sadeh: all-zero input is sleep (PS = 7.601); one 300-count epoch wakes the window that sees it', () => {
    expect(Array.from(sadeh(series([0, 0, 0])).sleep)).toEqual([1, 1, 1]);
    const s = sadeh(series([0, 0, 0, 0, 0, 0, 300, 0, 0, 0, 0, 0, 0]));
    // At the spike: mean 27.3, SD 122.5 -> PS = 7.601 - 1.773 - 6.859 - 4.010 = -5.04 -> wake.
    expect(s.sleep[6]).toBe(0);
    expect(s.sleep[0]).toBe(1);
  });

  it('Oakley: 60-s weights, fixed and automatic thresholds', () => {
    const s = oakley(series([0, 0, 100, 0, 0]), { threshold: 40 });
    // O = 0.04*100 = 4 two away, 0.2*100 = 20 one away, 100 at the epoch.
    expect(Array.from(s.sleep)).toEqual([1, 1, 0, 1, 1]);
    expect(Array.from(oakley(series([0, 0, 100, 0, 0]), { threshold: 10 }).sleep)).toEqual([1, 0, 0, 0, 1]);
    // Auto: sum of ALL counts (203) over the mobile minutes (count >= 4: two) * 0.88888.
    expect(oakleyAutomaticThreshold(series([100, 100, 3, 0]))).toBeCloseTo((203 / 2) * 0.88888, 9);
    expect(oakley(series([0, 0, 100, 0, 0], 30)).provenance.parameters.weights).toHaveLength(9);
    expect(() => oakley(series([1], 45))).toThrow(/15\/30\/60\/120-s epochs/);
  });

  it('Scripps: D = 0.204 * 0.0300 * A0 at the epoch; the past epoch weight 0.0664 applies one epoch later', () => {
    // A0 = 100: 0.204*0.03*100 = 0.612 sleep; next epoch 0.204*0.0664*100 = 1.355 wake.
    const s = scripps(series([0, 0, 100, 0, 0]));
    expect(Array.from(s.sleep)).toEqual([1, 1, 1, 0, 1]);
  });

  it('missing epochs are scored missing and count 0 as neighbours', () => {
    const s = coleKripke(series([0, 0, NaN, 0, 0]));
    expect(Array.from(s.missing)).toEqual([0, 0, 1, 0, 0]);
    expect(Array.from(s.sleep)).toEqual([1, 1, 0, 1, 1]);
    expect(s.provenance.coverage.valid).toBe(4);
  });

  it('rejects non-minute epochs for the minute-defined scorers', () => {
    expect(() => coleKripke(series([1], 30))).toThrow(/Cole-Kripke is defined for 60-s epochs/);
    expect(() => scoreSleep(series([1]), { algorithm: 'sadeh', threshold: 'auto' })).toThrow(
      /only for the Oakley/,
    );
  });
});

describe('Webster rescoring', () => {
  const scoring = (pattern: string): SleepScoring => {
    const s = coleKripke(series(Array.from(pattern, () => 0)));
    s.sleep = Uint8Array.from(pattern, (c) => (c === 'S' ? 1 : 0));
    return s;
  };
  const run = (p: string) => Array.from(websterRescore(scoring(p)).sleep, (v) => (v ? 'S' : 'W')).join('');

  it('rules 1-3: the first 1/3/4 sleep minutes after 4/10/15 wake minutes become wake', () => {
    expect(run('SSSSSSSSSSSSWWWWSSSSSSSSSSSSS')).toBe('SSSSSSSSSSSSWWWWWSSSSSSSSSSSS');
    expect(run(`${'S'.repeat(12)}${'W'.repeat(10)}${'S'.repeat(12)}`)).toBe(
      `${'S'.repeat(12)}${'W'.repeat(13)}${'S'.repeat(9)}`,
    );
    expect(run(`${'S'.repeat(12)}${'W'.repeat(15)}${'S'.repeat(12)}`)).toBe(
      `${'S'.repeat(12)}${'W'.repeat(19)}${'S'.repeat(8)}`,
    );
  });

  it('rules 4-5: short sleep islands inside long wake become wake', () => {
    expect(run(`${'W'.repeat(10)}SSSSSS${'W'.repeat(10)}`)).toBe('W'.repeat(26));
    expect(run(`${'W'.repeat(20)}${'S'.repeat(10)}${'W'.repeat(20)}`)).toBe('W'.repeat(50));
    // 7 min of sleep between 10-min wake runs is not an island (rule 4 needs <= 6); rule 2 takes 3 min.
    expect(run(`${'W'.repeat(10)}${'S'.repeat(7)}${'W'.repeat(10)}`)).toBe(
      `${'W'.repeat(13)}SSSS${'W'.repeat(10)}`,
    );
  });

  it('is recorded in the provenance', () => {
    expect(websterRescore(scoring('SW')).provenance.variant).toBe('actilife+webster');
  });
});
