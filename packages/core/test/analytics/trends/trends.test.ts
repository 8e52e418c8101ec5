import { describe, expect, it } from 'vitest';
import {
  mannKendall,
  normalCdf,
  normalQuantile,
  robustAnomalies,
  theilSen,
} from '../../../src/analytics/trends/index.ts';
import { ClarityError } from '../../../src/errors.ts';

describe('mannKendall', () => {
  it('matches a hand-worked example with ties', () => {
    // x = 1 3 2 3 5. Signs of x_j - x_i for i < j:
    //   i=1 (1): + + + +  -> +4
    //   i=2 (3): - 0 +    ->  0
    //   i=3 (2): + +      -> +2
    //   i=4 (3): +        -> +1          S = 7
    // One tie group of size 2 (the two 3s): t(t-1)(2t+5) = 2*1*9 = 18.
    // var(S) = [n(n-1)(2n+5) - 18]/18 = (5*4*15 - 18)/18 = 282/18 = 15.666...
    // Z = (S - 1)/sqrt(var) = 6/sqrt(15.667) = 1.51588; p = 2(1 - Phi(1.51588)) = 0.12955
    const r = mannKendall([1, 3, 2, 3, 5]);
    expect(r.S).toBe(7);
    expect(r.varS).toBeCloseTo(282 / 18, 12);
    expect(r.Z).toBeCloseTo(6 / Math.sqrt(282 / 18), 12);
    expect(r.p).toBeCloseTo(0.12955135290440878, 10); // scipy: 2*(1-norm.cdf(6/sqrt(282/18)))
    expect(r.tau).toBeCloseTo(0.7, 12);
    expect(r.trend).toBe('no trend');
  });

  it('detects monotone trends in both directions with a continuity-corrected Z', () => {
    const up = mannKendall(Array.from({ length: 20 }, (_, i) => i + (i % 3)));
    expect(up.trend).toBe('increasing');
    expect(up.p).toBeLessThan(0.001);
    const down = mannKendall(Array.from({ length: 12 }, (_, i) => -i));
    expect(down.S).toBe(-66);
    expect(down.Z).toBeCloseTo((-66 + 1) / Math.sqrt((12 * 11 * 29) / 18), 12);
    expect(down.trend).toBe('decreasing');
  });

  it('skips NaN instead of treating it as 0', () => {
    const withGap = mannKendall([1, 3, Number.NaN, 2, 3, 5]);
    expect(withGap.S).toBe(7);
    expect(withGap.n).toBe(5);
    expect(withGap.provenance.coverage).toEqual({ total: 6, valid: 5, fraction: 5 / 6 });
    // A zero in place of the NaN would change S (every later value is above 0)
    expect(mannKendall([1, 3, 0, 2, 3, 5]).S).not.toBe(7);
  });
});

describe('theilSen', () => {
  it('ignores an outlier that drags least squares', () => {
    const x = Array.from({ length: 10 }, (_, i) => i);
    const y = x.map((v) => 2 * v + 1);
    y[7] = 100;
    const r = theilSen(y, x);
    expect(r.slope).toBe(2);
    expect(r.intercept).toBe(1); // median(y) 10 - 2 * median(x) 4.5
    expect([r.lowSlope, r.highSlope]).toEqual([2, 2]); // 36 of the 45 pairwise slopes are exactly 2
    // OLS on the same data, for contrast: slope = cov(x, y)/var(x)
    const mx = 4.5;
    const my = y.reduce((s, v) => s + v, 0) / 10;
    const ols =
      x.reduce((s, v, i) => s + (v - mx) * ((y[i] as number) - my), 0) /
      x.reduce((s, v) => s + (v - mx) ** 2, 0);
    expect(ols).toBeGreaterThan(3);
  });

  it('gives Sen (1968) confidence bounds as scipy.stats.theilslopes', () => {
    // scipy.stats.theilslopes(y, None, 0.9) -> slope 1.3333, intercept 2.1667, low 1.0, high 1.6667
    const r = theilSen([3, 5, 4, 8, 7, 9, 12, 10, 15, 30, 14, 16], undefined, { confidence: 0.9 });
    expect(r.slope).toBeCloseTo(4 / 3, 12);
    expect(r.intercept).toBeCloseTo(2.166666666666667, 12);
    expect(r.lowSlope).toBeCloseTo(1, 12);
    expect(r.highSlope).toBeCloseTo(5 / 3, 12);
  });

  it('skips missing points but keeps their x positions', () => {
    const r = theilSen([1, Number.NaN, 5, 7, Number.NaN, 11]);
    expect(r.slope).toBe(2);
    expect(r.n).toBe(4);
    expect(() => theilSen([1, 2], [0])).toThrow(ClarityError);
  });
});

describe('robustAnomalies', () => {
  const base = [100, 102, 98, 101, 99, 103, 97, 100, 101, 99];

  it('flags a day whose robust z over the trailing baseline exceeds the threshold', () => {
    const values = [...base, 100, 160, 100];
    const r = robustAnomalies(values, { baselineDays: 10, threshold: 3.5, minBaseline: 5 });
    expect(r.baselineDays).toBe(10);
    expect(r.threshold).toBe(3.5);
    expect(r.anomalies).toEqual([11]);
    const p = r.points[11];
    // Baseline = days 1..10: 102 98 101 99 103 97 100 101 99 100 -> median 100,
    // |dev| sorted 0 0 1 1 1 1 2 2 3 3 -> MAD 1, scale 1.4826, z = 60 / 1.4826
    expect(p?.median).toBe(100);
    expect(p?.scale).toBeCloseTo(1.4826, 12);
    expect(p?.z).toBeCloseTo(60 / 1.4826, 10);
    expect(p?.direction).toBe('high');
    expect(r.points.slice(0, 5).every((q) => q.status === 'insufficient_baseline')).toBe(true);
  });

  it('skips missing days in the baseline and never flags them', () => {
    const values = [...base, Number.NaN, 40];
    const r = robustAnomalies(values, { baselineDays: 7, threshold: 3, minBaseline: 5 });
    expect(r.points[10]?.status).toBe('missing');
    expect(r.points[11]?.baselineCount).toBe(6); // 7-day window, one of them missing
    expect(r.points[11]?.direction).toBe('low');
    expect(r.anomalies).toEqual([11]);
    // days 4..9 = 99 103 97 100 101 99 (day 10 missing) -> median 99.5; a NaN read as 0 would give 99
    expect(r.points[11]?.median).toBe(99.5);
  });

  it('falls back to the mean absolute deviation when MAD is 0', () => {
    const values = [10, 10, 10, 10, 10, 12, 10, 13];
    const r = robustAnomalies(values, { baselineDays: 7, threshold: 3.5, minBaseline: 5 });
    const last = r.points[7];
    expect(last?.median).toBe(10);
    expect(last?.scale).toBeCloseTo((1.2533 * 2) / 7, 12);
    expect(r.anomalies).toEqual([5, 7]); // day 5: constant baseline, any change has infinite z
    expect(r.points[5]?.z).toBe(Number.POSITIVE_INFINITY);
  });

  it('validates its options', () => {
    expect(() => robustAnomalies([1], { baselineDays: 0 })).toThrow(ClarityError);
    expect(() => robustAnomalies([1], { baselineDays: 5, minBaseline: 6 })).toThrow(/minBaseline/);
  });
});

describe('normal helpers', () => {
  it('agree with scipy.stats.norm to 1e-14', () => {
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021048517795, 14);
    expect(normalCdf(-1)).toBeCloseTo(0.15865525393145707, 14);
    expect(normalQuantile(0.025)).toBeCloseTo(-1.9599639845400545, 12);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 12);
  });
});
