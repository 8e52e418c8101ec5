import { describe, expect, it } from 'vitest';
import {
  averageDayProfile,
  binSums,
  circadianMetrics,
  cosinor,
  interdailyStability,
  intradailyVariability,
  l5m10,
} from '../../../src/analytics/circadian/index.ts';
import { createEpochSeries, type EpochSeries } from '../../../src/contracts/epoch-series.ts';
import { ClarityError } from '../../../src/errors.ts';
import { seededRandom } from '../../../src/util/seeded-random.ts';
import { naiveIsIv } from '../../support/circadian-reference.ts';

function series(values: ArrayLike<number>, start = '2020-01-01T00:00:00', epochSeconds = 60): EpochSeries {
  return createEpochSeries({
    start,
    epochSeconds,
    values: Float64Array.from(values),
    quantity: 'counts',
    source: { format: 'synthetic' },
  });
}

/** Minute series over `days` days from `start`, value f(hours after midnight of the first day). */
function minuteSeries(
  days: number,
  startHour: number,
  f: (hour: number) => number,
  start?: string,
): EpochSeries {
  const v = Array.from({ length: days * 1440 }, (_, i) => f(startHour + i / 60));
  return series(v, start ?? `2020-01-01T${String(startHour).padStart(2, '0')}:00:00`);
}

describe('cosinor', () => {
  it('recovers MESOR, amplitude and acrophase of a pure 24-h cosine exactly', () => {
    // y = 100 + 50 cos(2 pi (t - 15)/24): peak at 15:00, acrophase phi = -2 pi 15/24 wrapped to (-pi, pi]
    const s = minuteSeries(7, 6, (t) => 100 + 50 * Math.cos((2 * Math.PI * (t - 15)) / 24));
    const c = cosinor(s);
    expect(c.mesor).toBeCloseTo(100, 9);
    expect(c.amplitude).toBeCloseTo(50, 9);
    expect(c.acrotime).toBeCloseTo(15, 9);
    expect(c.acrophase).toBeCloseTo(-2 * Math.PI * (15 / 24) + 2 * Math.PI, 9);
    expect(c.r2).toBeCloseTo(1, 12);
  });

  it('measures time from local midnight of the first day, not from the first sample', () => {
    const f = (t: number) => 10 + 4 * Math.cos((2 * Math.PI * (t - 3.5)) / 24);
    expect(cosinor(minuteSeries(3, 0, f)).acrotime).toBeCloseTo(3.5, 9);
    expect(cosinor(minuteSeries(3, 17, f)).acrotime).toBeCloseTo(3.5, 9);
  });

  it('fits log(1 + x) when asked and excludes missing epochs', () => {
    const f = (t: number) => Math.expm1(2 + Math.cos((2 * Math.PI * (t - 20)) / 24));
    const s = minuteSeries(4, 0, f);
    s.values[100] = Number.NaN;
    s.missing[100] = 1;
    s.values[5000] = Number.NaN;
    s.missing[5000] = 1;
    const c = cosinor(s, { log1p: true });
    expect(c.mesor).toBeCloseTo(2, 9);
    expect(c.amplitude).toBeCloseTo(1, 9);
    expect(c.acrotime).toBeCloseTo(20, 9);
    expect(cosinor(s).r2).toBeLessThan(1); // raw counts are not a cosine
  });

  it('residual noise lowers R^2 to 1 - SSE/SST', () => {
    const rnd = seededRandom(7);
    const s = minuteSeries(5, 0, (t) => 5 + 2 * Math.cos((2 * Math.PI * t) / 24) + (rnd() - 0.5) * 2);
    const c = cosinor(s);
    const omega = (2 * Math.PI) / 24;
    let sse = 0;
    let sst = 0;
    const mean = s.values.reduce((a, b) => a + b, 0) / s.values.length;
    s.values.forEach((y, i) => {
      const fit = c.mesor + c.amplitude * Math.cos(omega * (i / 60) + c.acrophase);
      sse += (y - fit) ** 2;
      sst += (y - mean) ** 2;
    });
    expect(c.r2).toBeCloseTo(1 - sse / sst, 9);
    expect(c.r2).toBeGreaterThan(0.8);
    expect(c.r2).toBeLessThan(0.99);
  });
});

describe('IS and IV', () => {
  it('IS = 1 for a perfectly periodic series with any daily pattern', () => {
    const rnd = seededRandom(1);
    const day = Array.from({ length: 1440 }, () => Math.floor(rnd() * 500));
    const s = series(
      Array.from({ length: 9 * 1440 }, (_, i) => day[i % 1440] as number),
      '2020-01-01T13:37:00',
    );
    expect(circadianMetrics(s).IS).toBeCloseTo(1, 12);
  });

  it('IV = 4 for strictly alternating bins and about 2 for white noise', () => {
    // Alternating 0/1: sum of squared successive differences N - 1, sum of squared deviations N/4
    // -> IV = N (N - 1) / ((N - 1) N / 4) = 4. White noise: E[(x_i - x_{i-1})^2] = 2 var -> IV ~ 2.
    expect(intradailyVariability(Array.from({ length: 240 }, (_, i) => i % 2))).toBeCloseTo(4, 12);
    const rnd = seededRandom(3);
    const noise = Array.from({ length: 24 * 200 }, () => rnd());
    expect(intradailyVariability(noise)).toBeGreaterThan(1.9);
    expect(intradailyVariability(noise)).toBeLessThan(2.1);
    // Smooth series: IV near 0
    expect(
      intradailyVariability(Array.from({ length: 240 }, (_, i) => Math.sin((2 * Math.PI * i) / 24))),
    ).toBeLessThan(0.1);
  });

  it('matches an independent straightforward implementation and the pyActigraphy conversions', () => {
    const rnd = seededRandom(11);
    // 10 whole days of noisy rest-activity with a daily rhythm, starting mid-afternoon
    const s = minuteSeries(
      10,
      15,
      (t) => Math.max(0, Math.round(200 * Math.cos((2 * Math.PI * (t - 14)) / 24) + 150 * rnd())),
      '2020-01-01T15:12:00',
    );
    const r = circadianMetrics(s);
    const ref = naiveIsIv(Array.from(s.values), 60, 24);
    expect(r.IS).toBeCloseTo(ref.IS, 12);
    expect(r.IV).toBeCloseTo(ref.IV, 12);
    const N = ref.N;
    const p = 24;
    expect(r.IS * ((N - 1) / (p - 1)) * (p / N)).toBeCloseTo(ref.ISpyActigraphy, 12);
    expect(r.IV * ((N - 1) / N)).toBeCloseTo(ref.IVpyActigraphy, 12);
  });

  it('bins from the recording start and sums counts per bin', () => {
    // 30-min bins of 1-min epochs starting 10:15: bin 0 = epochs 0..29
    const v = Array.from({ length: 120 }, (_, i) => i);
    const bins = binSums(Float64Array.from(v), 30, 0.1);
    expect(Array.from(bins)).toEqual([435, 1335, 2235, 3135]);
  });

  it('never reads missing epochs as 0: partial bins are scaled, mostly-missing bins dropped', () => {
    const v = new Float64Array(180).fill(2);
    v[5] = Number.NaN; // bin 0: 1 of 60 missing (1.7 % <= 10 %) -> 59 * 2 * 60/59 = 120
    for (let i = 60; i < 80; i++) v[i] = Number.NaN; // bin 1: 20 of 60 missing -> missing bin
    expect(Array.from(binSums(v, 60, 0.1)).map((x) => (Number.isNaN(x) ? 'NaN' : x))).toEqual([
      120,
      'NaN',
      120,
    ]);
    // trailing bin: 150 epochs = 2.5 bins -> the half bin is missing
    expect(Number.isNaN(binSums(new Float64Array(150).fill(1), 60, 0.1)[2] as number)).toBe(true);
  });

  it('excludes missing bins from IS and IV sums (a masked day does not lower IS)', () => {
    const rnd = seededRandom(5);
    const day = Array.from({ length: 24 }, () => rnd() * 100);
    const bins = Array.from({ length: 24 * 6 }, (_, i) => day[i % 24] as number);
    for (let i = 48; i < 72; i++) bins[i] = Number.NaN; // day 3 off-wrist
    expect(interdailyStability(bins, 24)).toBeCloseTo(1, 12);
    const zeroFilled = bins.map((x) => (Number.isNaN(x) ? 0 : x));
    expect(interdailyStability(zeroFilled, 24)).toBeLessThan(0.9);
    // IV: only pairs of consecutive valid bins: N = 120 valid bins, 118 valid pairs
    const ref = naiveIsIv(bins, 1, 24, { binsAlready: true });
    expect(intradailyVariability(bins)).toBeCloseTo(ref.IV, 12);
  });

  it('binarises counts > T before binning', () => {
    const v = [0, 4, 5, 100]; // binarised with T = 4: 0 0 1 1 (strictly greater)
    const s = series(Array.from({ length: 1440 * 2 }, (_, i) => v[i % 4] as number));
    const r = circadianMetrics(s, { binarizeThreshold: 4 });
    expect(r.params.binarizeThreshold).toBe(4);
    expect(r.M10).toBeCloseTo(0.5, 12);
    expect(r.L5).toBeCloseTo(0.5, 12);
    expect(circadianMetrics(s).M10).toBeCloseTo(109 / 4, 12);
    // cosinor stays on the raw counts
    expect(r.cosinor.mesor).toBeCloseTo(109 / 4, 9);
  });
});

describe('L5 / M10 / RA', () => {
  it('gives the closed-form window means and start times of a cosine day', () => {
    const f = (t: number) => 100 + 50 * Math.cos((2 * Math.PI * (t - 15)) / 24);
    const r = l5m10(minuteSeries(5, 6, f));
    // Mean of cos(theta0 + k d), k = 0..w-1: cos(theta0 + (w-1) d/2) sin(w d/2) / (w sin(d/2))
    const d = (2 * Math.PI) / 1440;
    const windowMean = (startHour: number, w: number) =>
      100 +
      (50 * Math.cos((2 * Math.PI * (startHour - 15)) / 24 + ((w - 1) * d) / 2) * Math.sin((w * d) / 2)) /
        (w * Math.sin(d / 2));
    // L5 centred on the 03:00 trough: start 00:30 (the discrete optimum is 00:30 for odd/even symmetry)
    expect(r.L5Start).toBe('00:30');
    expect(r.M10Start).toBe('10:00');
    expect(r.L5).toBeCloseTo(windowMean(0.5, 300), 9);
    expect(r.M10).toBeCloseTo(windowMean(10, 600), 9);
    expect(r.RA).toBeCloseTo((r.M10 - r.L5) / (r.M10 + r.L5), 12);
  });

  it('wraps windows across midnight', () => {
    // Rest 22:00-03:00 (5 h crossing midnight) at 1 count/min, active 03:00-22:00 at 100; recording starts 12:00
    const restF = (t: number) => {
      const h = ((t % 24) + 24) % 24;
      return h >= 22 || h < 3 ? 1 : 100;
    };
    const rest = l5m10(minuteSeries(6, 12, restF));
    expect(rest.L5Start).toBe('22:00');
    expect(rest.L5).toBe(1);
    // Night-shift pattern: active 18:00-04:00 (10 h crossing midnight) at 300, else 10
    const shiftF = (t: number) => {
      const h = ((t % 24) + 24) % 24;
      return h >= 18 || h < 4 ? 300 : 10;
    };
    const shift = l5m10(minuteSeries(6, 9, shiftF));
    expect(shift.M10Start).toBe('18:00');
    expect(shift.M10).toBe(300);
    expect(shift.RA).toBeCloseTo((300 - 10) / (300 + 10), 12);
  });

  it('averages each clock slot over the valid days only', () => {
    const v: number[] = Array.from({ length: 3 * 1440 }, (_, i) => (i < 1440 ? 10 : 20));
    v[1440 + 60] = Number.NaN;
    const profile = averageDayProfile(Float64Array.from(v), 60, 0);
    expect(profile[60]).toBe(15); // (10 + 20) / 2, not (10 + 0 + 20) / 3
    expect(profile[61]).toBeCloseTo(50 / 3, 12);
  });
});

describe('circadianMetrics', () => {
  it('reports params and coverage, and rejects bins that do not fit', () => {
    const s = minuteSeries(3, 0, () => 1);
    s.values[0] = Number.NaN;
    s.missing[0] = 1;
    const r = circadianMetrics(s, { binMinutes: 30 });
    expect(r.params.binMinutes).toBe(30);
    expect(r.bins.perDay).toBe(48);
    expect(r.provenance.coverage.valid).toBe(3 * 1440 - 1);
    expect(() => circadianMetrics(s, { binMinutes: 7 })).toThrow(ClarityError);
    expect(() => circadianMetrics(series([1, 2, 3], '2020-01-01T00:00:00', 7))).toThrow(/epoch/);
  });
});
