/**
 * IS and IV as the tools researchers compare against compute them. Each convention is a
 * definition, not a tolerance: bins, bin origin, partial bins, missing data, variance denominators and
 * binarisation follow the tool's source, read at the versions named below.
 *
 * - `clarity` (this project's textbook default, circadianMetrics): bin SUM from the recording start, bins with
 *   more than 10 % missing epochs left out, N/p and N/(N-1) textbook weights on population variances.
 * - `ggir`: GGIR `R/g.IVIS.R` at wadpac/GGIR 388064b (2026-05):
 *     - optional `threshold` T binarises INVERTED: x > T -> 0, else 1 (off by default);
 *     - epochs below an hour are aggregated to hours from the recording start, time (i-1)*epoch floored to
 *       3600 s; the bin value is the MEAN of the epochs present (NA skipped); a trailing partial hour is kept
 *       as the mean of its epochs; an hour with no data is NA;
 *     - hour-of-day = bin index mod 24 (bins counted from the recording start, not the clock);
 *     - Xh = mean per hour-of-day over the non-NA bins; Xm = mean of those (up to 24) Xh values, NOT the mean
 *       of all bins; N = non-NA bins;
 *     - IS = N * sum_h (Xh - Xm)^2 / (24 * sum_i (x_i - Xm)^2)   (24 literally, whatever the number of
 *       hours with data);
 *     - IV = N * sum_i (x_i - x_{i-1})^2 / ((N - 1) * sum_i (x_i - Xm)^2), differences with an NA skipped.
 * - `pyactigraphy`: pyActigraphy `metrics.py` `IS()`/`IV()` and `io/base.py` `resampled_data()` at
 *   ghammad/pyActigraphy e9e5e64 (2025-03):
 *     - binarise by default: x > 4 -> 1, else 0 (threshold and on/off are parameters); NA stays NA;
 *     - `resample(freq, origin='start').sum()`: bins of `freq` from the first epoch, value = SUM of the epochs
 *       present (an all-NA bin sums to 0), the trailing partial bin summed as it is;
 *       freq <= epoch: the epochs themselves;
 *     - IS = var(profile, ddof=1) / var(bins, ddof=1), profile = mean of the bins grouped by the clock time
 *       of their start (start clock + k*freq, mod 24 h);
 *     - IV = mean((x_i - x_{i-1})^2) / var(bins, ddof=1).
 * No mask is applied here: non-wear (if any) comes in as missing epochs, handled as each tool handles NaN.
 */
import { invalidField } from '../../errors.ts';
import type { EpochSeries } from '../../contracts/epoch-series.ts';

export const circadianConventions = ['clarity', 'ggir', 'pyactigraphy'] as const;
export type CircadianConvention = (typeof circadianConventions)[number];

export interface ConventionOptions {
  /** Bin length in minutes (pyactigraphy only: its `freq`; GGIR always uses 60). Default 60. */
  binMinutes?: number;
  /**
   * Binarisation threshold. ggir: x > T -> 0 else 1, off by default (null). pyactigraphy: x > T -> 1 else 0,
   * default 4 (pass null to turn it off, as binarize=False).
   */
  threshold?: number | null;
}

export interface ConventionResult {
  IS: number;
  IV: number;
  /** Bins (hourly for GGIR) with data, and in all. */
  bins: { valid: number; total: number };
  params: Record<string, string | number | boolean | null>;
}

/** Epoch values with missing as NaN. */
function rawValues(series: EpochSeries): Float64Array {
  const out = new Float64Array(series.values.length);
  for (let i = 0; i < out.length; i++) {
    const v = series.values[i] as number;
    out[i] = series.missing[i] === 1 || !Number.isFinite(v) ? Number.NaN : v;
  }
  return out;
}

/** GGIR g.IVIS (see the module comment for the definition and version). */
export function isivGgir(series: EpochSeries, options: { threshold?: number | null } = {}): ConventionResult {
  const threshold = options.threshold ?? null;
  const es = series.epochSeconds;
  if (!(es > 0) || es > 3600)
    throw invalidField('GGIR IS/IV needs epochs of at most one hour', 'epochSeconds');
  let x = rawValues(series);
  if (threshold !== null) x = x.map((v) => (Number.isNaN(v) ? v : v > threshold ? 0 : 1));
  // Hourly means from the recording start (the epoch itself when it is an hour).
  let hourly: Float64Array;
  if (es < 3600) {
    const nBins = Math.floor(((x.length - 1) * es) / 3600) + 1;
    const sum = new Float64Array(nBins);
    const count = new Float64Array(nBins);
    for (let i = 0; i < x.length; i++) {
      const v = x[i] as number;
      if (Number.isNaN(v)) continue;
      const b = Math.floor((i * es) / 3600);
      sum[b] = (sum[b] as number) + v;
      count[b] = (count[b] as number) + 1;
    }
    hourly = sum.map((s, b) => ((count[b] as number) === 0 ? Number.NaN : s / (count[b] as number)));
  } else hourly = x;
  const n = hourly.length;
  const hSum = new Float64Array(24);
  const hCount = new Float64Array(24);
  let N = 0;
  for (let i = 0; i < n; i++) {
    const v = hourly[i] as number;
    if (Number.isNaN(v)) continue;
    N++;
    hSum[i % 24] = (hSum[i % 24] as number) + v;
    hCount[i % 24] = (hCount[i % 24] as number) + 1;
  }
  const Xh: number[] = [];
  for (let h = 0; h < 24; h++)
    if ((hCount[h] as number) > 0) Xh.push((hSum[h] as number) / (hCount[h] as number));
  const Xm = Xh.length === 0 ? Number.NaN : Xh.reduce((a, b) => a + b, 0) / Xh.length;
  let ssBetween = 0;
  for (const v of Xh) ssBetween += (v - Xm) ** 2;
  let ss = 0;
  let diffSq = 0;
  for (let i = 0; i < n; i++) {
    const v = hourly[i] as number;
    if (Number.isNaN(v)) continue;
    ss += (v - Xm) ** 2;
    const prev = i > 0 ? (hourly[i - 1] as number) : Number.NaN;
    if (!Number.isNaN(prev)) diffSq += (v - prev) ** 2;
  }
  const ok = N > 1 && ss > 0;
  return {
    IS: ok ? (ssBetween * N) / (24 * ss) : Number.NaN,
    IV: ok ? (diffSq * N) / ((N - 1) * ss) : Number.NaN,
    bins: { valid: N, total: n },
    params: {
      convention: 'ggir',
      reference: 'GGIR R/g.IVIS.R @ wadpac/GGIR 388064b',
      binMinutes: 60,
      binAggregation: 'mean',
      binOrigin: 'recording-start',
      partialBins: 'kept (mean of the epochs present)',
      profileMean: 'mean of the hour-of-day means',
      isDenominator: '24 * sum (x - Xm)^2',
      ivDenominator: '(N - 1) * sum (x - Xm)^2',
      binarizeThreshold: threshold,
      binarize: threshold === null ? 'off' : 'inverted: x > T -> 0, else 1',
    },
  };
}

/** Sample variance (ddof = 1) of the finite values, NaN with fewer than two. */
function sampleVariance(values: ArrayLike<number>): number {
  let n = 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isNaN(v)) continue;
    n++;
    sum += v;
  }
  if (n < 2) return Number.NaN;
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isNaN(v)) ss += (v - mean) ** 2;
  }
  return ss / (n - 1);
}

function secondOfDay(start: string): number {
  const m = /T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(start);
  if (!m) throw invalidField(`series start "${start}" has no time of day`, 'start');
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? 0);
}

/** pyActigraphy IS()/IV() (see the module comment for the definition and version). */
export function isivPyActigraphy(series: EpochSeries, options: ConventionOptions = {}): ConventionResult {
  const binMinutes = options.binMinutes ?? 60;
  const threshold = options.threshold === undefined ? 4 : options.threshold;
  const es = series.epochSeconds;
  const freq = binMinutes * 60;
  if (!(freq > 0) || !(es > 0)) throw invalidField('bin and epoch lengths must be positive', 'binMinutes');
  let x = rawValues(series);
  if (threshold !== null) x = x.map((v) => (Number.isNaN(v) ? v : v > threshold ? 1 : 0));
  let bins: Float64Array;
  if (freq <= es) bins = x;
  else {
    if (freq % es !== 0)
      throw invalidField(`bin of ${binMinutes} min is not a multiple of the epoch`, 'binMinutes');
    const per = freq / es;
    const nBins = Math.floor((x.length - 1) / per) + 1;
    bins = new Float64Array(nBins); // an all-NA bin sums to 0, as pandas' sum
    for (let i = 0; i < x.length; i++) {
      const v = x[i] as number;
      if (!Number.isNaN(v)) bins[Math.floor(i / per)] = (bins[Math.floor(i / per)] as number) + v;
    }
  }
  const step = Math.max(freq, es);
  const start = secondOfDay(series.start);
  const groups = new Map<number, { sum: number; count: number }>();
  for (let k = 0; k < bins.length; k++) {
    const v = bins[k] as number;
    if (Number.isNaN(v)) continue;
    const clock = (start + k * step) % 86400;
    const g = groups.get(clock) ?? { sum: 0, count: 0 };
    g.sum += v;
    g.count++;
    groups.set(clock, g);
  }
  const profile = [...groups.values()].map((g) => g.sum / g.count);
  const variance = sampleVariance(bins);
  let diffSq = 0;
  let pairs = 0;
  for (let k = 1; k < bins.length; k++) {
    const a = bins[k] as number;
    const b = bins[k - 1] as number;
    if (Number.isNaN(a) || Number.isNaN(b)) continue;
    diffSq += (a - b) ** 2;
    pairs++;
  }
  let valid = 0;
  for (const v of bins) if (!Number.isNaN(v)) valid++;
  return {
    IS: sampleVariance(profile) / variance,
    IV: pairs === 0 ? Number.NaN : diffSq / pairs / variance,
    bins: { valid, total: bins.length },
    params: {
      convention: 'pyactigraphy',
      reference:
        'pyActigraphy metrics.py IS()/IV(), io/base.py resampled_data() @ ghammad/pyActigraphy e9e5e64',
      binMinutes,
      binAggregation: 'sum',
      binOrigin: 'recording-start',
      partialBins: 'kept (sum of the epochs present)',
      profileGrouping: 'clock time of the bin start',
      variances: 'sample (ddof = 1)',
      binarizeThreshold: threshold,
      binarize: threshold === null ? 'off' : 'x > T -> 1, else 0',
    },
  };
}
