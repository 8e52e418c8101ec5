import { describe, expect, it } from 'vitest';
import { readActiLifeCsvFile } from '../../../src/readers/actilife-csv.ts';
import { choiNonWear, troianoNonWear } from '../../../src/analytics/preprocess/nonwear.ts';
import { createEpochSeries } from '../../../src/contracts/epoch-series.ts';
import { sharedData } from '../../support/shared-data.ts';
import { GT3X, local, readReferenceCsv } from '../../support/actilife-reference.ts';

async function minuteCounts() {
  return (await readActiLifeCsvFile(sharedData('actigraphy', 'actilife_gt3xplus', GT3X('-10sec60sec.csv'))))
    .series;
}

function byAlgorithm(rows: Record<string, string>[]) {
  const m = new Map<string, Record<string, string>[]>();
  for (const r of rows) {
    const k = `${r.nonwear_algorithm}|${r.endat_nnz_seq ?? ''}`;
    m.set(k, [...(m.get(k) ?? []), r]);
  }
  return m;
}

const minutes = (s: string) => Number(s);

describe('Choi 2011 non-wear equals ActiLife 6 (GT3XPlus-RawData-Day01-Choi-periods.csv)', () => {
  const groups = byAlgorithm(readReferenceCsv(GT3X('-Choi-periods.csv')));
  it('the fixture holds the three ActiLife parameter sets', () => {
    expect([...groups.keys()].sort()).toEqual(['Choi Custom1|', 'Choi Custom2|', 'Choi Default|']);
  });
  for (const [name, rows] of groups) {
    it(`${name.split('|')[0]}: same non-wear periods, start, end and length`, async () => {
      const p = rows[0]!;
      const got = choiNonWear(await minuteCounts(), {
        minPeriodMinutes: minutes(p.min_period_len!),
        minWindowMinutes: minutes(p.min_window_len!),
        spikeToleranceMinutes: minutes(p.spike_tolerance!),
      });
      const expected = rows
        .filter((r) => r.wear === 'FALSE')
        .map((r) => ({
          start: local(r.period_start!),
          end: local(r.period_end!),
          minutes: Number(r.length),
        }));
      expect(expected.length).toBeGreaterThan(0);
      expect(got.periods.map(({ start, end, minutes: m }) => ({ start, end, minutes: m }))).toEqual(expected);
      expect(got.nonWearEpochs).toBe(expected.reduce((a, b) => a + b.minutes, 0));
      expect(got.mask.reduce((a, b) => a + b, 0)).toBe(got.nonWearEpochs);
    });
  }

  it('the default (90-min) Choi on this day finds the 157-min midnight gap', async () => {
    const r = choiNonWear(await minuteCounts());
    expect(r.periods.map((p) => [p.start, p.minutes])).toEqual([['2012-06-28T00:00:00', 157]]);
    expect(r.provenance.parameters).toMatchObject({
      minPeriodMinutes: 90,
      minWindowMinutes: 30,
      spikeToleranceMinutes: 2,
    });
  });
});

describe('Troiano 2008 non-wear equals ActiLife 6 (GT3XPlus-RawData-Day01-Troiano-periods.csv)', () => {
  const groups = byAlgorithm(readReferenceCsv(GT3X('-Troiano-periods.csv')));
  it('the fixture holds three parameter sets in both end-of-period modes', () => {
    expect(groups.size).toBe(6);
  });
  for (const [name, rows] of groups) {
    it(`${name}: same non-wear periods`, async () => {
      const p = rows[0]!;
      const got = troianoNonWear(await minuteCounts(), {
        minPeriodMinutes: minutes(p.min_period_len!),
        spikeToleranceMinutes: minutes(p.spike_tolerance!),
        spikeStoplevel: Number(p.spike_stoplevel),
        activityThreshold: Number(p.activity_threshold),
        endAtNonzeroSequence: p.endat_nnz_seq === 'TRUE',
      });
      const expected = rows
        .filter((r) => r.wear === 'FALSE')
        .map((r) => ({
          start: local(r.period_start!),
          end: local(r.period_end!),
          minutes: Number(r.length),
        }));
      expect(got.periods.map(({ start, end, minutes: m }) => ({ start, end, minutes: m }))).toEqual(expected);
    });
  }
});

describe('non-wear with missing data', () => {
  it('a gap splits a run of zeros: no non-wear period spans missing epochs', () => {
    const values = new Float64Array(200);
    values.fill(5, 0, 10);
    values[100] = NaN;
    const s = createEpochSeries({
      start: '2020-01-01T00:00:00',
      epochSeconds: 60,
      values,
      quantity: 'counts',
      source: { format: 'test' },
    });
    // 90 zeros before the gap and 99 after: two periods, never one of 190.
    expect(choiNonWear(s).periods.map((p) => [p.startIndex, p.endIndex])).toEqual([
      [10, 100],
      [101, 200],
    ]);
    values[95] = NaN;
    expect(
      choiNonWear(createEpochSeries({ ...s, values, missing: undefined })).periods.map((p) => [
        p.startIndex,
        p.endIndex,
      ]),
    ).toEqual([[101, 200]]);
    expect(troianoNonWear(s).periods.map((p) => [p.startIndex, p.endIndex])).toEqual([
      [10, 100],
      [101, 200],
    ]);
  });

  it('tolerates a 2-min spike inside 30 min of zeros on each side, not a 3-min one', () => {
    const mk = (spike: number) => {
      const v = new Float64Array(130);
      v.fill(7, 50, 50 + spike);
      return createEpochSeries({
        start: '2020-01-01T00:00:00',
        epochSeconds: 60,
        values: v,
        quantity: 'counts',
        source: { format: 'test' },
      });
    };
    expect(choiNonWear(mk(2)).periods.map((p) => p.minutes)).toEqual([130]);
    expect(choiNonWear(mk(3)).periods.map((p) => p.minutes)).toEqual([]);
  });
});
