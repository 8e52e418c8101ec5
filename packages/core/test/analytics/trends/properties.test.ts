import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interdailyStability, intradailyVariability } from '../../../src/analytics/circadian/index.ts';
import { mannKendall, theilSen } from '../../../src/analytics/trends/index.ts';

const series = fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 3, maxLength: 60 });

describe('properties', () => {
  it('Mann-Kendall: reversing the series negates S and keeps var(S)', () => {
    fc.assert(
      fc.property(series, (xs) => {
        const a = mannKendall(xs);
        const b = mannKendall([...xs].reverse());
        expect(b.S + a.S).toBe(0);
        expect(b.varS).toBeCloseTo(a.varS, 9);
      }),
    );
  });

  it('Theil-Sen: slope(a*y + b*x + c) = a*slope(y) + b for a > 0', () => {
    fc.assert(
      fc.property(
        series,
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: -50, max: 50 }),
        fc.integer({ min: -99, max: 99 }),
        (ys, a, b, c) => {
          const t = theilSen(ys.map((y, i) => a * y + b * i + c));
          expect(t.slope).toBeCloseTo(a * theilSen(ys).slope + b, 9);
        },
      ),
    );
  });

  it('IS and IV do not change under a positive affine change of the bin values', () => {
    const bins = fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 48, maxLength: 240 });
    fc.assert(
      fc.property(bins, fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 100 }), (xs, a, b) => {
        fc.pre(new Set(xs).size > 1);
        const ys = xs.map((x) => a * x + b);
        expect(interdailyStability(ys, 24)).toBeCloseTo(interdailyStability(xs, 24), 9);
        expect(intradailyVariability(ys)).toBeCloseTo(intradailyVariability(xs), 9);
        // On whole days the textbook IS is a between-hours / total sum-of-squares ratio, so it lies in [0, 1]
        // (with unequal day counts per hour, N/p over-weights the short hours and it can exceed 1 slightly).
        const whole = xs.slice(0, xs.length - (xs.length % 24));
        fc.pre(new Set(whole).size > 1);
        const is = interdailyStability(whole, 24);
        expect(is).toBeGreaterThanOrEqual(0);
        expect(is).toBeLessThanOrEqual(1 + 1e-12);
      }),
    );
  });
});
