/**
 * Trend statistics and anomaly flags for daily series (steps, sleep minutes, HRV ...): Theil-Sen slope,
 * Mann-Kendall test, and robust z-score anomalies against a rolling baseline.
 *
 * Missing values (NaN) are skipped, never treated as 0: Theil-Sen and Mann-Kendall use only the observed
 * points (keeping their x / order), and an anomaly baseline counts only observed days.
 * Pairwise methods are O(n^2) in time: fine for daily series of a few years (n ~ 1000: 0.5 M pairs).
 */
import { ClarityError } from '../../errors.ts';
import { coverageOf, type Provenance } from '../../contracts/provenance.ts';
import { medianOf, normalCdf, normalQuantile, roundHalfEven } from './stats.ts';

export { medianOf, normalCdf, normalQuantile } from './stats.ts';

function observed(values: ArrayLike<number>, x?: ArrayLike<number>): { xs: Float64Array; ys: Float64Array } {
  if (x !== undefined && x.length !== values.length) {
    throw new ClarityError('invalid_input', `x has ${x.length} values but the series has ${values.length}`, {
      details: [{ path: ['x'], message: 'must have the same length as values' }],
    });
  }
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const y = values[i] as number;
    const xi = x === undefined ? i : (x[i] as number);
    if (Number.isFinite(y) && Number.isFinite(xi)) {
      xs.push(xi);
      ys.push(y);
    }
  }
  return { xs: Float64Array.from(xs), ys: Float64Array.from(ys) };
}

/** Sizes of the groups of equal values (only groups of 2 or more). */
function tieGroups(values: Float64Array): number[] {
  const sorted = Float64Array.from(values).sort();
  const groups: number[] = [];
  let run = 1;
  for (let i = 1; i <= sorted.length; i++) {
    if (i < sorted.length && sorted[i] === sorted[i - 1]) run++;
    else {
      if (run > 1) groups.push(run);
      run = 1;
    }
  }
  return groups;
}

const tieTerm = (groups: number[]): number => groups.reduce((s, t) => s + t * (t - 1) * (2 * t + 5), 0);

export interface TheilSenResult {
  /** Median of the pairwise slopes (y_j - y_i)/(x_j - x_i), pairs with x_i = x_j skipped. */
  slope: number;
  /** median(y) - slope * median(x) (Conover; scipy.stats.theilslopes method 'separate'). */
  intercept: number;
  /** Two-sided confidence interval of the slope (Sen 1968, eq. 2.6, normal approximation), as scipy. */
  lowSlope: number;
  highSlope: number;
  confidence: number;
  /** Observed (non-NaN) points used. */
  n: number;
  provenance: Provenance;
}

export function theilSen(
  values: ArrayLike<number>,
  x?: ArrayLike<number>,
  options: { confidence?: number } = {},
): TheilSenResult {
  const confidence = options.confidence ?? 0.95;
  if (!(confidence > 0 && confidence < 1)) {
    throw new ClarityError('invalid_input', 'confidence must be between 0 and 1', {
      details: [{ path: ['confidence'], message: 'in (0, 1)' }],
    });
  }
  const { xs, ys } = observed(values, x);
  const n = ys.length;
  const pairs = (n * (n - 1)) / 2;
  const slopes = new Float64Array(pairs);
  let k = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = (xs[j] as number) - (xs[i] as number);
      if (dx !== 0) slopes[k++] = ((ys[j] as number) - (ys[i] as number)) / dx;
    }
  }
  const used = slopes.subarray(0, k).sort();
  const slope = k === 0 ? Number.NaN : medianOf(used, true);
  const intercept = k === 0 ? Number.NaN : medianOf(ys) - slope * medianOf(xs);

  let lowSlope = Number.NaN;
  let highSlope = Number.NaN;
  if (k > 0) {
    const z = normalQuantile((1 - confidence) / 2); // negative
    const sigma = Math.sqrt(
      (n * (n - 1) * (2 * n + 5) - tieTerm(tieGroups(xs)) - tieTerm(tieGroups(ys))) / 18,
    );
    const upper = Math.min(roundHalfEven((k - z * sigma) / 2), k - 1);
    const lower = Math.max(roundHalfEven((k + z * sigma) / 2) - 1, 0);
    lowSlope = used[lower] as number;
    highSlope = used[upper] as number;
  }
  return {
    slope,
    intercept,
    lowSlope,
    highSlope,
    confidence,
    n,
    provenance: {
      algorithm: 'theil-sen',
      variant: 'sen-1968-ci/scipy-theilslopes',
      parameters: { confidence, intercept: 'median(y) - slope*median(x)', missing: 'skipped' },
      coverage: coverageOf(values.length, n),
    },
  };
}

export type TrendDirection = 'increasing' | 'decreasing' | 'no trend';

export interface MannKendallResult {
  /** S = sum over i<j of sign(x_j - x_i), observed values in order. */
  S: number;
  /** var(S) = [n(n-1)(2n+5) - sum_t t(t-1)(2t+5)] / 18, t = size of each group of tied values. */
  varS: number;
  /** Continuity-corrected: (S - 1)/sqrt(varS) for S > 0, (S + 1)/sqrt(varS) for S < 0, else 0. */
  Z: number;
  /** Two-sided p-value from the normal approximation. */
  p: number;
  /** Kendall's tau-a = S / (n(n-1)/2). */
  tau: number;
  trend: TrendDirection;
  alpha: number;
  n: number;
  provenance: Provenance;
}

export function mannKendall(values: ArrayLike<number>, options: { alpha?: number } = {}): MannKendallResult {
  const alpha = options.alpha ?? 0.05;
  const { ys } = observed(values);
  const n = ys.length;
  let S = 0;
  for (let i = 0; i < n; i++) {
    const yi = ys[i] as number;
    for (let j = i + 1; j < n; j++) S += Math.sign((ys[j] as number) - yi);
  }
  const varS = (n * (n - 1) * (2 * n + 5) - tieTerm(tieGroups(ys))) / 18;
  const Z = varS <= 0 ? 0 : S > 0 ? (S - 1) / Math.sqrt(varS) : S < 0 ? (S + 1) / Math.sqrt(varS) : 0;
  const p = varS <= 0 ? Number.NaN : 2 * (1 - normalCdf(Math.abs(Z)));
  const trend: TrendDirection = p < alpha ? (Z > 0 ? 'increasing' : 'decreasing') : 'no trend';
  return {
    S,
    varS,
    Z,
    p,
    tau: n < 2 ? Number.NaN : S / ((n * (n - 1)) / 2),
    trend,
    alpha,
    n,
    provenance: {
      algorithm: 'mann-kendall',
      variant: 'tie-corrected variance, continuity-corrected Z, two-sided',
      parameters: { alpha, missing: 'skipped' },
      coverage: coverageOf(values.length, n),
    },
  };
}

export interface AnomalyOptions {
  /** Days before the current one that form its baseline. Default 28. */
  baselineDays?: number;
  /** |robust z| above which a day is flagged. Default 3.5 (Iglewicz & Hoaglin 1993). */
  threshold?: number;
  /** Observed days the baseline needs before any z is computed. Default 14. */
  minBaseline?: number;
}

export type AnomalyStatus = 'ok' | 'anomaly' | 'missing' | 'insufficient_baseline';

export interface AnomalyPoint {
  index: number;
  value: number;
  status: AnomalyStatus;
  /** Median of the observed baseline days (NaN when not computed). */
  median: number;
  /** Scale used: 1.4826 * MAD, or 1.2533 * mean absolute deviation when MAD is 0 (NaN when not computed). */
  scale: number;
  /** (value - median) / scale; +-Infinity when the baseline is constant and the value differs. */
  z: number;
  baselineCount: number;
  direction?: 'high' | 'low';
}

export interface AnomalyResult {
  points: AnomalyPoint[];
  /** Indexes of the flagged days. */
  anomalies: number[];
  baselineDays: number;
  threshold: number;
  minBaseline: number;
  provenance: Provenance;
}

/**
 * Flags day i when |value_i - median(B)| / (1.4826 * MAD(B)) > threshold, where B holds the observed values
 * of days i-baselineDays .. i-1 (trailing, so today's value never shapes its own baseline). 1.4826 makes the
 * MAD a consistent estimator of the SD for normal data. When MAD(B) = 0 (more than half the baseline equal)
 * the scale falls back to 1.2533 * mean|B - median| (the same consistency for the mean absolute deviation);
 * when that is 0 too, any different value has an infinite z and is flagged.
 */
export function robustAnomalies(values: ArrayLike<number>, options: AnomalyOptions = {}): AnomalyResult {
  const baselineDays = options.baselineDays ?? 28;
  const threshold = options.threshold ?? 3.5;
  const minBaseline = options.minBaseline ?? 14;
  if (!Number.isInteger(baselineDays) || baselineDays < 1) {
    throw new ClarityError('invalid_input', 'baselineDays must be a positive integer', {
      details: [{ path: ['baselineDays'], message: 'integer >= 1' }],
    });
  }
  if (!Number.isInteger(minBaseline) || minBaseline < 1 || minBaseline > baselineDays) {
    throw new ClarityError('invalid_input', 'minBaseline must be an integer between 1 and baselineDays', {
      details: [{ path: ['minBaseline'], message: 'integer in [1, baselineDays]' }],
    });
  }
  if (!(threshold > 0)) {
    throw new ClarityError('invalid_input', 'threshold must be positive', {
      details: [{ path: ['threshold'], message: '> 0' }],
    });
  }
  const points: AnomalyPoint[] = [];
  const anomalies: number[] = [];
  let valid = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    const baseline: number[] = [];
    for (let j = Math.max(0, i - baselineDays); j < i; j++) {
      const b = values[j] as number;
      if (Number.isFinite(b)) baseline.push(b);
    }
    const base = {
      index: i,
      value,
      median: Number.NaN,
      scale: Number.NaN,
      z: Number.NaN,
      baselineCount: baseline.length,
    };
    if (!Number.isFinite(value)) {
      points.push({ ...base, status: 'missing' });
      continue;
    }
    valid++;
    if (baseline.length < minBaseline) {
      points.push({ ...base, status: 'insufficient_baseline' });
      continue;
    }
    const b = Float64Array.from(baseline);
    const median = medianOf(b);
    const dev = b.map((v) => Math.abs(v - median));
    let scale = 1.4826 * medianOf(dev);
    if (scale === 0) scale = 1.2533 * (dev.reduce((s, v) => s + v, 0) / dev.length);
    const diff = value - median;
    const z = scale === 0 ? (diff === 0 ? 0 : Math.sign(diff) * Number.POSITIVE_INFINITY) : diff / scale;
    const isAnomaly = Math.abs(z) > threshold;
    if (isAnomaly) anomalies.push(i);
    points.push({
      ...base,
      median,
      scale,
      z,
      status: isAnomaly ? 'anomaly' : 'ok',
      ...(isAnomaly ? { direction: z > 0 ? ('high' as const) : ('low' as const) } : {}),
    });
  }
  return {
    points,
    anomalies,
    baselineDays,
    threshold,
    minBaseline,
    provenance: {
      algorithm: 'robust-z-anomaly',
      variant: 'trailing rolling median/MAD',
      parameters: {
        baselineDays,
        threshold,
        minBaseline,
        madScale: 1.4826,
        meanAdScale: 1.2533,
        missing: 'skipped',
      },
      coverage: coverageOf(values.length, valid),
    },
  };
}
