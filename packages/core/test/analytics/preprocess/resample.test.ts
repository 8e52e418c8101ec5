import { describe, expect, it } from 'vitest';
import { createEpochSeries } from '../../../src/contracts/epoch-series.ts';
import { resampleEpochs, toMinuteEpochs } from '../../../src/analytics/preprocess/resample.ts';
import { maskEpochs, removeOutliers } from '../../../src/analytics/preprocess/outliers.ts';

const series = (values: number[], epochSeconds = 10) =>
  createEpochSeries({
    start: '2020-01-01T00:00:00',
    epochSeconds,
    values: Float64Array.from(values),
    quantity: 'counts',
    source: { format: 'test' },
  });

describe('resampleEpochs', () => {
  it('sums counts; any missing input makes the output epoch missing', () => {
    const r = resampleEpochs(series([1, 2, 3, 4, 5, 6, 1, NaN, 1, 1, 1, 1]), 60);
    expect(Array.from(r.series.values)).toEqual([21, NaN]);
    expect(Array.from(r.series.missing)).toEqual([0, 1]);
    expect(r.provenance.coverage).toEqual({ total: 2, valid: 1, fraction: 0.5 });
  });

  it('handles a partial last epoch as documented (keep = ActiLife, drop, missing)', () => {
    const s = series([1, 1, 1, 1, 1, 1, 2, 2]);
    expect(Array.from(resampleEpochs(s, 60).series.values)).toEqual([6, 4]);
    expect(Array.from(resampleEpochs(s, 60, { partialLast: 'drop' }).series.values)).toEqual([6]);
    expect(Array.from(resampleEpochs(s, 60, { partialLast: 'missing' }).series.missing)).toEqual([0, 1]);
  });

  it('rejects targets that are not whole multiples, and toMinuteEpochs only sums when 60 s divides', () => {
    expect(() => resampleEpochs(series([1]), 25)).toThrow(/whole multiple/);
    expect(toMinuteEpochs(series([1, 2, 3, 4, 5, 6], 10), 'X').values[0]).toBe(21);
    expect(() => toMinuteEpochs(series([1], 120), 'Sadeh')).toThrow(/Sadeh needs 60-s epochs/);
  });
});

describe('outliers and masks', () => {
  it('negative, non-finite and above-maximum counts become missing and are counted in provenance', () => {
    const r = removeOutliers(series([1, -3, 5000, 2], 60), { maxCount: 4000 });
    expect(Array.from(r.series.missing)).toEqual([0, 1, 1, 0]);
    expect(r.replaced).toBe(2);
    expect(r.provenance.parameters.replaced).toBe(2);
  });

  it('maskEpochs sets masked epochs missing without touching the input', () => {
    const s = series([1, 2, 3], 60);
    const m = maskEpochs(s, Uint8Array.from([0, 1, 0]));
    expect(Array.from(m.missing)).toEqual([0, 1, 0]);
    expect(Array.from(s.missing)).toEqual([0, 0, 0]);
  });
});
