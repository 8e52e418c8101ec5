/**
 * Circadian rest-activity variables of an epoch series (definitions: packages/core/README-analytics-rhythms.md, "Definitions and choices"):
 * non-parametric IS, IV (Witting 1990; van Someren 1999), L5, M10, RA, and a single-component 24-h cosinor.
 *
 * Choices (all recorded in `params` / provenance):
 * - IS / IV bins start at the recording start (not at clock hours), `binMinutes` long (default 60), and a bin's
 *   value is the SUM of its epochs' counts, as pyActigraphy's `resample(origin='start').sum()`.
 * - Missing epochs (NaN / `missing` mask, e.g. non-wear masked upstream) are never read as 0. A bin with more
 *   than `maxBinMissingFraction` (default 0.1) of its epochs missing is a missing bin; a bin with fewer missing
 *   epochs is scaled up to a full bin (sum of valid epochs * epochsPerBin / validEpochs). Epochs past the end
 *   of the recording count as missing, so a short trailing bin follows the same rule. Missing bins are
 *   excluded: N = valid bins, x-bar and the hourly means over valid bins only, and IV's (N - 1) becomes the
 *   number of consecutive valid bin pairs, with only those pairs in its numerator.
 * - IS and IV are the textbook formulas with population variances (pyActigraphy uses sample variances:
 *   IS_py = IS * (N-1)/(p-1) * p/N on whole days, IV_py = IV * (N-1)/N). On whole days without missing bins
 *   IS is in [0, 1]; when hours have unequal numbers of valid days (partial days, masked bins) the textbook
 *   N/p weighting can push it slightly above 1 (the tools differ there too: README-analytics-rhythms.md).
 * - Optional binarisation (`binarizeThreshold` T): count > T -> 1 else 0, before binning; applies to IS, IV,
 *   L5, M10 and RA, not to the cosinor.
 * - L5 / M10 on the average 24-h profile at native epoch resolution, indexed by clock time of day (the series
 *   start gives the clock), windows wrap midnight, value = mean per epoch of the profile within the window.
 *   Ties go to the earliest start after midnight.
 * - Cosinor: least squares y = M + b cos(wt) + g sin(wt), w = 2 pi / 24 h, t in hours from local midnight of
 *   the first day; amplitude A = sqrt(b^2 + g^2); the model is M + A cos(w t + phi) with acrophase
 *   phi = atan2(-g, b) in radians, (-pi, pi]; acrotime = (-phi / w) mod 24, hours after midnight of the peak.
 */
import { invalidField } from '../../errors.ts';
import type { EpochSeries } from '../../contracts/epoch-series.ts';
import { coverageOf, type Provenance } from '../../contracts/provenance.ts';
import {
  isivGgir,
  isivPyActigraphy,
  type CircadianConvention,
  type ConventionResult,
} from './conventions.ts';

export * from './conventions.ts';

export interface CircadianOptions {
  /** IS / IV bin length in minutes; must divide 1440 and be a multiple of the epoch. Default 60. */
  binMinutes?: number;
  /** Count > T -> 1, else 0, before IS / IV / L5 / M10 / RA. Off by default. */
  binarizeThreshold?: number;
  /** Fit the cosinor to log(1 + x) (as GGIR) instead of x. Default false. */
  cosinorLog1p?: boolean;
  /** Largest fraction of missing epochs a bin may have and still count. Default 0.1. */
  maxBinMissingFraction?: number;
  /**
   * Whose IS/IV definition (conventions.ts): `clarity` (default, the textbook formulas above), `ggir`
   * (GGIR g.IVIS) or `pyactigraphy` (pyActigraphy IS()/IV()). L5, M10, RA and the cosinor are the same
   * in all three. With `ggir` the binarisation is GGIR's (inverted, off unless binarizeThreshold is given);
   * with `pyactigraphy` it defaults to the tool's (count > 4 -> 1) unless binarizeThreshold is given or
   * `binarize: false`.
   */
  convention?: CircadianConvention;
  /** pyactigraphy convention only: false = binarize=False. */
  binarize?: boolean;
  /**
   * Least days of data (valid epochs x epoch length) for IS, IV and RA; below it they are not computed and
   * `insufficient` says why. Default 2: IS compares each hour across days, so one day gives IS = 1 by
   * construction, and RA of one day is that day's contrast, not a rhythm's (van Someren et al. 1999 advise
   * 7 days or more for stable values).
   */
  minDays?: number;
}

/** Default least days of data for IS, IV and RA (CircadianOptions.minDays). */
export const circadianMinDays = 2;

export interface CosinorResult {
  mesor: number;
  amplitude: number;
  /** Radians, phi in y = M + A cos(2 pi t / 24 + phi), t in hours from local midnight of the first day. */
  acrophase: number;
  /** Hours after midnight at which the fitted curve peaks, [0, 24). */
  acrotime: number;
  /** 1 - SSE/SST of the fit (= squared correlation of data and fit). */
  r2: number;
}

export interface CircadianParams {
  /** Whose IS/IV definition; its own parameters are in `isiv`. */
  convention: CircadianConvention;
  isiv?: ConventionResult['params'];
  binMinutes: number;
  binAggregation: 'sum';
  binOrigin: 'recording-start';
  binarizeThreshold: number | null;
  maxBinMissingFraction: number;
  variances: 'population';
  lmxProfile: 'native-epoch-cyclic';
  cosinorPeriodHours: 24;
  cosinorLog1p: boolean;
  cosinorTimeOrigin: 'local-midnight-first-day';
  acrophaseConvention: 'y = M + A cos(2 pi t/24 + phi), radians';
}

export interface CircadianResult {
  IS: number;
  IV: number;
  /** Mean count per epoch of the least active 5 h of the average day. */
  L5: number;
  /** Mean count per epoch of the most active 10 h of the average day. */
  M10: number;
  RA: number;
  /** Clock time of the window start, "HH:MM". */
  L5Start: string;
  M10Start: string;
  cosinor: CosinorResult;
  /** Valid bins (N) and bins per day (p) used by IS / IV. */
  bins: { valid: number; total: number; perDay: number };
  /** Set when the recording is too short for IS, IV and RA (they are NaN then): the reason, in words. */
  insufficient?: string;
  params: CircadianParams;
  provenance: Provenance;
}

const DAY_SECONDS = 86400;

/** Seconds after local midnight of the series start ('YYYY-MM-DDTHH:mm[:ss]'). */
export function startSecondOfDay(start: string): number {
  const m = /T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?/.exec(start);
  if (!m) throw invalidField(`series start "${start}" has no time of day`, 'start');
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? 0);
}

function isMissing(series: EpochSeries, i: number): boolean {
  return series.missing[i] === 1 || !Number.isFinite(series.values[i]);
}

/** Epoch values with missing as NaN, binarised when asked. */
function epochValues(series: EpochSeries, binarizeThreshold: number | undefined): Float64Array {
  const out = new Float64Array(series.values.length);
  for (let i = 0; i < out.length; i++) {
    const v = series.values[i] as number;
    out[i] = isMissing(series, i)
      ? Number.NaN
      : binarizeThreshold === undefined
        ? v
        : v > binarizeThreshold
          ? 1
          : 0;
  }
  return out;
}

/** Bin sums from the recording start, NaN for missing bins (policy in the module comment). */
export function binSums(
  values: Float64Array,
  epochsPerBin: number,
  maxMissingFraction: number,
): Float64Array {
  const nBins = Math.ceil(values.length / epochsPerBin);
  const bins = new Float64Array(nBins);
  for (let b = 0; b < nBins; b++) {
    let sum = 0;
    let valid = 0;
    const end = Math.min(values.length, (b + 1) * epochsPerBin);
    for (let i = b * epochsPerBin; i < end; i++) {
      const v = values[i] as number;
      if (!Number.isNaN(v)) {
        sum += v;
        valid++;
      }
    }
    const missingFraction = 1 - valid / epochsPerBin;
    bins[b] = valid === 0 || missingFraction > maxMissingFraction ? Number.NaN : (sum * epochsPerBin) / valid;
  }
  return bins;
}

/** Textbook IS on bins (NaN = missing): N * sum_h (xbar_h - xbar)^2 / (p * sum_i (x_i - xbar)^2). */
export function interdailyStability(bins: ArrayLike<number>, binsPerDay: number): number {
  let n = 0;
  let total = 0;
  const hourSum = new Float64Array(binsPerDay);
  const hourCount = new Float64Array(binsPerDay);
  for (let i = 0; i < bins.length; i++) {
    const v = bins[i] as number;
    if (Number.isNaN(v)) continue;
    n++;
    total += v;
    const h = i % binsPerDay;
    hourSum[h] = (hourSum[h] as number) + v;
    hourCount[h] = (hourCount[h] as number) + 1;
  }
  if (n < 2) return Number.NaN;
  const mean = total / n;
  let ss = 0;
  for (let i = 0; i < bins.length; i++) {
    const v = bins[i] as number;
    if (!Number.isNaN(v)) ss += (v - mean) ** 2;
  }
  let between = 0;
  let p = 0;
  for (let h = 0; h < binsPerDay; h++) {
    const c = hourCount[h] as number;
    if (c === 0) continue;
    p++;
    between += ((hourSum[h] as number) / c - mean) ** 2;
  }
  return ss === 0 ? Number.NaN : (n * between) / (p * ss);
}

/** Textbook IV on bins (NaN = missing): N * sum (x_i - x_{i-1})^2 / (P * sum (x_i - xbar)^2), P valid pairs. */
export function intradailyVariability(bins: ArrayLike<number>): number {
  let n = 0;
  let total = 0;
  for (let i = 0; i < bins.length; i++) {
    const v = bins[i] as number;
    if (!Number.isNaN(v)) {
      n++;
      total += v;
    }
  }
  if (n < 2) return Number.NaN;
  const mean = total / n;
  let ss = 0;
  let diffSq = 0;
  let pairs = 0;
  for (let i = 0; i < bins.length; i++) {
    const v = bins[i] as number;
    if (Number.isNaN(v)) continue;
    ss += (v - mean) ** 2;
    const prev = i > 0 ? (bins[i - 1] as number) : Number.NaN;
    if (!Number.isNaN(prev)) {
      diffSq += (v - prev) ** 2;
      pairs++;
    }
  }
  return ss === 0 || pairs === 0 ? Number.NaN : (n * diffSq) / (pairs * ss);
}

export interface LmxResult {
  L5: number;
  M10: number;
  RA: number;
  /** Seconds after midnight of the window starts. */
  L5StartSecond: number;
  M10StartSecond: number;
  L5Start: string;
  M10Start: string;
  /** The average day, one value per epoch slot from midnight (NaN where no day had data). */
  profile: Float64Array;
}

export function clockTime(secondOfDay: number): string {
  const minutes = Math.floor(secondOfDay / 60) % 1440;
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** Average 24-h profile at native resolution, slot 0 = the epoch starting at local midnight. */
export function averageDayProfile(
  values: Float64Array,
  epochSeconds: number,
  startSecond: number,
): Float64Array {
  const slots = DAY_SECONDS / epochSeconds;
  const sum = new Float64Array(slots);
  const count = new Float64Array(slots);
  const first = Math.floor(startSecond / epochSeconds);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isNaN(v)) continue;
    const k = (first + i) % slots;
    sum[k] = (sum[k] as number) + v;
    count[k] = (count[k] as number) + 1;
  }
  return sum.map((s, k) => ((count[k] as number) === 0 ? Number.NaN : s / (count[k] as number)));
}

/** Least / most active window of `hours` on the cyclic profile; mean per epoch of the valid slots. */
function extremeWindow(
  profile: Float64Array,
  epochSeconds: number,
  hours: number,
  mode: 'min' | 'max',
): { value: number; start: number } {
  const slots = profile.length;
  const w = Math.round((hours * 3600) / epochSeconds);
  let sum = 0;
  let count = 0;
  const add = (k: number, sign: 1 | -1) => {
    const v = profile[k % slots] as number;
    if (!Number.isNaN(v)) {
      sum += sign * v;
      count += sign;
    }
  };
  for (let k = 0; k < w; k++) add(k, 1);
  let best = Number.NaN;
  let bestStart = 0;
  for (let s = 0; s < slots; s++) {
    if (s > 0) {
      add(s - 1, -1);
      add(s + w - 1, 1);
    }
    if (count > 0) {
      const m = sum / count;
      if (Number.isNaN(best) || (mode === 'min' ? m < best - 1e-12 : m > best + 1e-12)) {
        best = m;
        bestStart = s;
      }
    }
  }
  return { value: best, start: bestStart * epochSeconds };
}

export function l5m10(series: EpochSeries, options: { binarizeThreshold?: number } = {}): LmxResult {
  checkEpoch(series.epochSeconds);
  const profile = averageDayProfile(
    epochValues(series, options.binarizeThreshold),
    series.epochSeconds,
    startSecondOfDay(series.start),
  );
  const l5 = extremeWindow(profile, series.epochSeconds, 5, 'min');
  const m10 = extremeWindow(profile, series.epochSeconds, 10, 'max');
  return {
    L5: l5.value,
    M10: m10.value,
    RA: (m10.value - l5.value) / (m10.value + l5.value),
    L5StartSecond: l5.start,
    M10StartSecond: m10.start,
    L5Start: clockTime(l5.start),
    M10Start: clockTime(m10.start),
    profile,
  };
}

/** Single-component 24-h cosinor by closed-form least squares; missing epochs excluded. */
export function cosinor(
  series: EpochSeries,
  options: { log1p?: boolean; periodHours?: number } = {},
): CosinorResult {
  const period = options.periodHours ?? 24;
  const omega = (2 * Math.PI) / period;
  const t0 = startSecondOfDay(series.start) / 3600;
  const dt = series.epochSeconds / 3600;
  // Normal equations of y = M + b c + g s; sums centred on the first valid y for numerical stability.
  let n = 0;
  let sc = 0,
    ss = 0,
    scc = 0,
    sss = 0,
    scs = 0,
    sy = 0,
    syc = 0,
    sys = 0,
    syy = 0;
  for (let i = 0; i < series.values.length; i++) {
    if (isMissing(series, i)) continue;
    const raw = series.values[i] as number;
    const y = options.log1p === true ? Math.log1p(raw) : raw;
    const a = omega * (t0 + i * dt);
    const c = Math.cos(a);
    const s = Math.sin(a);
    n++;
    sc += c;
    ss += s;
    scc += c * c;
    sss += s * s;
    scs += c * s;
    sy += y;
    syc += y * c;
    sys += y * s;
    syy += y * y;
  }
  const nan: CosinorResult = {
    mesor: Number.NaN,
    amplitude: Number.NaN,
    acrophase: Number.NaN,
    acrotime: Number.NaN,
    r2: Number.NaN,
  };
  if (n < 3) return nan;
  // Centre: regress (y - ybar) on (c - cbar), (s - sbar).
  const cc = scc - (sc * sc) / n;
  const sS = sss - (ss * ss) / n;
  const cs = scs - (sc * ss) / n;
  const yc = syc - (sy * sc) / n;
  const ys = sys - (sy * ss) / n;
  const yy = syy - (sy * sy) / n;
  const det = cc * sS - cs * cs;
  if (Math.abs(det) < 1e-12 * Math.max(1, cc * sS)) return nan; // less than a cycle's worth of spread
  const b = (yc * sS - ys * cs) / det;
  const g = (ys * cc - yc * cs) / det;
  const mesor = (sy - b * sc - g * ss) / n;
  const amplitude = Math.hypot(b, g);
  const acrophase = Math.atan2(-g, b);
  let acrotime = (((-acrophase / omega) % period) + period) % period;
  if (acrotime >= period - 1e-12) acrotime = 0;
  const ssr = b * yc + g * ys; // explained sum of squares of the centred regression
  return { mesor, amplitude, acrophase, acrotime, r2: yy === 0 ? Number.NaN : ssr / yy };
}

function checkEpoch(epochSeconds: number): void {
  if (!(epochSeconds > 0) || DAY_SECONDS % epochSeconds !== 0) {
    throw invalidField(`epoch of ${epochSeconds} s does not divide a day`, 'epochSeconds');
  }
}

export function circadianMetrics(series: EpochSeries, options: CircadianOptions = {}): CircadianResult {
  const binMinutes = options.binMinutes ?? 60;
  const maxBinMissingFraction = options.maxBinMissingFraction ?? 0.1;
  const { binarizeThreshold } = options;
  checkEpoch(series.epochSeconds);
  if (!(binMinutes > 0) || 1440 % binMinutes !== 0 || (binMinutes * 60) % series.epochSeconds !== 0) {
    throw invalidField(
      `bin of ${binMinutes} min must divide 1440 and be a multiple of the ${series.epochSeconds}-s epoch`,
      'binMinutes',
    );
  }
  if (!(maxBinMissingFraction >= 0 && maxBinMissingFraction < 1)) {
    throw invalidField('maxBinMissingFraction must be in [0, 1)', 'maxBinMissingFraction');
  }
  if (binarizeThreshold !== undefined && !Number.isFinite(binarizeThreshold)) {
    throw invalidField('binarizeThreshold must be a finite number', 'binarizeThreshold');
  }
  const values = epochValues(series, binarizeThreshold);
  const epochsPerBin = (binMinutes * 60) / series.epochSeconds;
  const binsPerDay = 1440 / binMinutes;
  const bins = binSums(values, epochsPerBin, maxBinMissingFraction);
  let validBins = 0;
  for (const v of bins) if (!Number.isNaN(v)) validBins++;
  let validEpochs = 0;
  for (const v of values) if (!Number.isNaN(v)) validEpochs++;

  const lmx = l5m10(series, binarizeThreshold === undefined ? {} : { binarizeThreshold });
  const cosinorLog1p = options.cosinorLog1p ?? false;
  const convention = options.convention ?? 'clarity';
  let isiv: ConventionResult | undefined;
  if (convention === 'ggir') {
    if (binMinutes !== 60) throw invalidField('GGIR computes IS/IV on 60-min bins only', 'binMinutes');
    isiv = isivGgir(series, { threshold: binarizeThreshold ?? null });
  } else if (convention === 'pyactigraphy') {
    isiv = isivPyActigraphy(series, {
      binMinutes,
      threshold: options.binarize === false ? null : (binarizeThreshold ?? 4),
    });
  }
  const minDays = options.minDays ?? circadianMinDays;
  const daysOfData = (validEpochs * series.epochSeconds) / DAY_SECONDS;
  const insufficient =
    daysOfData < minDays
      ? `the recording has ${daysOfData.toFixed(2)} days of data; IS, IV and RA need at least ${minDays} (one day gives IS = 1 by construction)`
      : undefined;
  const params: CircadianParams = {
    convention,
    ...(isiv ? { isiv: isiv.params } : {}),
    binMinutes,
    binAggregation: 'sum',
    binOrigin: 'recording-start',
    binarizeThreshold: binarizeThreshold ?? null,
    maxBinMissingFraction,
    variances: 'population',
    lmxProfile: 'native-epoch-cyclic',
    cosinorPeriodHours: 24,
    cosinorLog1p,
    cosinorTimeOrigin: 'local-midnight-first-day',
    acrophaseConvention: 'y = M + A cos(2 pi t/24 + phi), radians',
  };
  const short = insufficient !== undefined;
  return {
    IS: short ? Number.NaN : isiv ? isiv.IS : interdailyStability(bins, binsPerDay),
    IV: short ? Number.NaN : isiv ? isiv.IV : intradailyVariability(bins),
    L5: lmx.L5,
    M10: lmx.M10,
    RA: short ? Number.NaN : lmx.RA,
    ...(short ? { insufficient } : {}),
    L5Start: lmx.L5Start,
    M10Start: lmx.M10Start,
    cosinor: cosinor(series, { log1p: cosinorLog1p }),
    bins: isiv
      ? { ...isiv.bins, perDay: binsPerDay }
      : { valid: validBins, total: bins.length, perDay: binsPerDay },
    params,
    provenance: {
      algorithm: 'circadian-nonparametric+cosinor',
      variant:
        convention === 'clarity'
          ? 'textbook (Witting 1990, van Someren 1999); cosinor OLS'
          : `IS/IV as ${convention === 'ggir' ? 'GGIR g.IVIS' : 'pyActigraphy IS()/IV()'}; L5/M10/RA textbook; cosinor OLS`,
      parameters: { ...params, minDays, ...(short ? { insufficient } : {}) },
      epochSeconds: series.epochSeconds,
      coverage: coverageOf(values.length, validEpochs),
    },
  };
}
