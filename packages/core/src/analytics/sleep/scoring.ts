import { ClarityError } from '../../errors.ts';
import type { EpochSeries } from '../../contracts/epoch-series.ts';
import { coverageOf, type Provenance } from '../../contracts/provenance.ts';

/**
 * Epoch-by-epoch sleep/wake scoring. Every scorer returns 1 = sleep, 0 = wake.
 *
 * Missing-data policy (all scorers): a missing epoch is scored missing (`missing[i] = 1`, `sleep[i] = 0`).
 * As a neighbour in another epoch's window, a missing epoch contributes 0 counts - the same rule ActiLife
 * applies to the epochs beyond both ends of the recording - so one gap does not erase the scores around it.
 * Consumers must read `missing` (the CLI prints an empty cell).
 */
export interface SleepScoring {
  start: string;
  epochSeconds: number;
  /** 1 = sleep, 0 = wake (0 also where missing). */
  sleep: Uint8Array;
  missing: Uint8Array;
  /** The counts that were scored (same length), for period metrics such as the movement index. */
  counts: Float64Array;
  provenance: Provenance;
}

/** How many scored epochs are sleep, wake and missing. */
export function scoredEpochCounts(s: SleepScoring): {
  epochs: number;
  sleep: number;
  wake: number;
  missing: number;
} {
  let sleep = 0;
  let missing = 0;
  for (let i = 0; i < s.sleep.length; i++) {
    if (s.missing[i]) missing++;
    else if (s.sleep[i] === 1) sleep++;
  }
  return { epochs: s.sleep.length, sleep, wake: s.sleep.length - sleep - missing, missing };
}

export type SleepAlgorithm = 'cole-kripke' | 'sadeh' | 'oakley' | 'scripps';

function finish(
  series: EpochSeries,
  sleep: Uint8Array,
  algorithm: string,
  variant: string,
  parameters: Record<string, unknown>,
): SleepScoring {
  const n = series.values.length;
  let valid = 0;
  for (let i = 0; i < n; i++) {
    if (series.missing[i]) sleep[i] = 0;
    else valid++;
  }
  return {
    start: series.start,
    epochSeconds: series.epochSeconds,
    sleep,
    missing: series.missing.slice(),
    counts: series.values,
    provenance: {
      algorithm,
      variant,
      parameters: { ...parameters, missingEpochs: 'scored missing; as neighbours they count 0' },
      epochSeconds: series.epochSeconds,
      coverage: coverageOf(n, valid),
    },
  };
}

function requireEpoch(series: EpochSeries, seconds: number[], algorithm: string): void {
  if (!seconds.includes(series.epochSeconds)) {
    throw new ClarityError(
      'invalid_input',
      `${algorithm} is defined for ${seconds.join('/')}-s epochs, not ${series.epochSeconds}-s (resample first)`,
    );
  }
}

/** Weighted window sum over a transformed count array: out[t] = sum_k w[k] * a[t + k - past]; outside = 0. */
function windowSum(a: Float64Array, weights: readonly number[], past: number): Float64Array {
  const n = a.length;
  const out = new Float64Array(n);
  const m = weights.length;
  for (let t = 0; t < n; t++) {
    let s = 0;
    for (let k = 0; k < m; k++) {
      const j = t + k - past;
      if (j >= 0 && j < n) s += weights[k]! * a[j]!;
    }
    out[t] = s;
  }
  return out;
}

/** Counts with missing epochs as 0, optionally scaled and capped. */
function prepared(series: EpochSeries, divisor: number, cap: number): Float64Array {
  const n = series.values.length;
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = series.missing[i] ? 0 : Math.min(series.values[i]! / divisor, cap);
  return a;
}

// ---------------------------------------------------------------- Cole-Kripke

/** Cole et al. 1992 weight sets (W-4..W+2) and scale factor P, by how the 1-min value was derived. */
export const COLE_KRIPKE_WEIGHTS = {
  mean: { p: 0.001, weights: [106, 54, 58, 76, 230, 74, 67] },
  max10sOverlap: { p: 0.00001, weights: [404, 598, 326, 441, 1408, 508, 350] },
  max10sNonOverlap: { p: 0.00001, weights: [550, 378, 413, 699, 1736, 287, 309] },
  max30sNonOverlap: { p: 0.0001, weights: [50, 30, 14, 28, 121, 8, 50] },
} as const;

export interface ColeKripkeOptions {
  /** Weight set; default 'mean', as ActiLife. */
  weights?: keyof typeof COLE_KRIPKE_WEIGHTS;
  /** Counts are divided by this before weighting (ActiLife: 100). */
  divisor?: number;
  /** ...and capped at this (ActiLife: 300). */
  cap?: number;
  /** D < threshold -> sleep (default 1). */
  threshold?: number;
}

/**
 * Cole-Kripke 1992 on 60-s epochs, ActiLife 6 variant by default: A = min(counts / 100, 300),
 * D = 0.001 * (106 A-4 + 54 A-3 + 58 A-2 + 76 A-1 + 230 A0 + 74 A+1 + 67 A+2), D < 1 -> sleep, epochs beyond
 * the ends = 0, no rescoring (use `websterRescore`).
 */
export function coleKripke(series: EpochSeries, options: ColeKripkeOptions = {}): SleepScoring {
  requireEpoch(series, [60], 'Cole-Kripke');
  const set = options.weights ?? 'mean';
  const { p, weights } = COLE_KRIPKE_WEIGHTS[set];
  const divisor = options.divisor ?? 100;
  const cap = options.cap ?? 300;
  const threshold = options.threshold ?? 1;
  const d = windowSum(prepared(series, divisor, cap), weights, 4);
  const sleep = new Uint8Array(d.length);
  for (let i = 0; i < d.length; i++) sleep[i] = p * d[i]! < threshold ? 1 : 0;
  const variant = set === 'mean' && divisor === 100 && cap === 300 && threshold === 1 ? 'actilife' : 'custom';
  return finish(series, sleep, 'cole-kripke-1992', variant, {
    weights: set,
    p,
    w: [...weights],
    divisor,
    cap,
    threshold,
    rule: 'P*D < threshold -> sleep',
    edges: 'zero padding',
  });
}

// ---------------------------------------------------------------- Sadeh

export interface SadehOptions {
  /** Count cap (ActiLife: 300). */
  cap?: number;
  /** PS > threshold -> sleep (ActiLife: -4; the paper: PS >= 0). */
  threshold?: number;
}

/**
 * Sadeh 1994 on 60-s epochs, ActiLife 6 variant: counts capped at 300 (not divided),
 * PS = 7.601 - 0.065 meanW5 - 1.08 NAT - 0.056 SDlast6 - 0.703 ln(A0 + 1), meanW5/NAT over A-5..A+5 with
 * NAT = #(50 <= c < 100), SDlast6 = sample SD (n - 1) of A-5..A0, zero padding at both ends, PS > -4 -> sleep.
 */
export function sadeh(series: EpochSeries, options: SadehOptions = {}): SleepScoring {
  requireEpoch(series, [60], 'Sadeh');
  const cap = options.cap ?? 300;
  const threshold = options.threshold ?? -4;
  const a = prepared(series, 1, cap);
  const n = a.length;
  const sleep = new Uint8Array(n);
  for (let t = 0; t < n; t++) {
    let sum = 0;
    let nat = 0;
    for (let j = t - 5; j <= t + 5; j++) {
      if (j < 0 || j >= n) continue;
      const c = a[j]!;
      sum += c;
      if (c >= 50 && c < 100) nat++;
    }
    const mean = sum / 11;
    let s6 = 0;
    for (let j = t - 5; j <= t; j++) if (j >= 0) s6 += a[j]!;
    const m6 = s6 / 6;
    let ss = 0;
    for (let j = t - 5; j <= t; j++) {
      const c = j >= 0 ? a[j]! : 0;
      ss += (c - m6) * (c - m6);
    }
    const sd = Math.sqrt(ss / 5);
    const ps = 7.601 - 0.065 * mean - 1.08 * nat - 0.056 * sd - 0.703 * Math.log(a[t]! + 1);
    sleep[t] = ps > threshold ? 1 : 0;
  }
  const variant = cap === 300 && threshold === -4 ? 'actilife' : 'custom';
  return finish(series, sleep, 'sadeh-1994', variant, {
    cap,
    threshold,
    rule: 'PS > threshold -> sleep',
    nat: '50 <= c < 100',
    sd: 'sample (n-1) of A-5..A0',
    logActivity: 'current epoch',
    edges: 'zero padding',
  });
}

// ---------------------------------------------------------------- Oakley

/** Oakley 1997 (Actiware) weights, centred, per epoch length. */
export const OAKLEY_WEIGHTS: Record<number, number[]> = {
  15: [
    ...Array<number>(4).fill(1 / 25),
    ...Array<number>(4).fill(1 / 5),
    4,
    ...Array<number>(4).fill(1 / 5),
    ...Array<number>(4).fill(1 / 25),
  ],
  30: [0.04, 0.04, 0.2, 0.2, 2, 0.2, 0.2, 0.04, 0.04],
  60: [0.04, 0.2, 1, 0.2, 0.04],
  120: [0.12, 0.5, 0.12],
};

export interface OakleyOptions {
  /** Wake threshold in counts, or 'auto' (Actiware's automatic threshold). Default 40 (Actiware "medium"). */
  threshold?: number | 'auto';
}

/**
 * Actiware's automatic wake threshold: (sum of counts / MOBILE time in minutes) * 0.88888, where an epoch is
 * MOBILE when its count is >= the number of 15-s intervals in the epoch (>= 4 for 60-s epochs). Missing
 * epochs are left out.
 */
export function oakleyAutomaticThreshold(series: EpochSeries): number {
  const perEpoch = series.epochSeconds / 15;
  let sum = 0;
  let mobile = 0;
  for (let i = 0; i < series.values.length; i++) {
    if (series.missing[i]) continue;
    const c = series.values[i]!;
    sum += c;
    if (c >= perEpoch) mobile++;
  }
  const mobileMinutes = (mobile * series.epochSeconds) / 60;
  return mobileMinutes === 0 ? 0 : (sum / mobileMinutes) * 0.88888;
}

/**
 * Oakley 1997 / Actiware: O = weighted sum of counts in a centred window (weights by epoch length, see
 * OAKLEY_WEIGHTS; 120 s uses pyActigraphy's 0.12 where the Actiware manual says 1/8), O <= threshold -> sleep
 * (Actiware: "greater than the threshold = wake"). Epochs beyond the ends count 0.
 */
export function oakley(series: EpochSeries, options: OakleyOptions = {}): SleepScoring {
  const weights = OAKLEY_WEIGHTS[series.epochSeconds];
  if (!weights) requireEpoch(series, [15, 30, 60, 120], 'Oakley');
  const w = weights!;
  const requested = options.threshold ?? 40;
  const threshold = requested === 'auto' ? oakleyAutomaticThreshold(series) : requested;
  const o = windowSum(prepared(series, 1, Infinity), w, (w.length - 1) / 2);
  const sleep = new Uint8Array(o.length);
  for (let i = 0; i < o.length; i++) sleep[i] = o[i]! <= threshold ? 1 : 0;
  return finish(series, sleep, 'oakley-1997', 'actiware', {
    threshold,
    thresholdMode: requested === 'auto' ? 'auto (sum / mobile minutes * 0.88888)' : 'fixed',
    weights: w,
    rule: 'O <= threshold -> sleep',
    edges: 'zero padding',
  });
}

// ---------------------------------------------------------------- Scripps

/** Kripke et al. 2010 coefficients for A-10..A+2 (b-1 = 0.0664 > b0 = 0.0300 as published). */
export const SCRIPPS_WEIGHTS = [
  0.0064, 0.0074, 0.0112, 0.0112, 0.0118, 0.0118, 0.0128, 0.0188, 0.028, 0.0664, 0.03, 0.0112, 0.01,
] as const;

export interface ScrippsOptions {
  /** D < threshold -> sleep (default 1). */
  threshold?: number;
}

/** Scripps Clinic algorithm (Kripke 2010) on 60-s counts: D = 0.204 * sum b_i A_i over A-10..A+2, D < 1 -> sleep. */
export function scripps(series: EpochSeries, options: ScrippsOptions = {}): SleepScoring {
  requireEpoch(series, [60], 'Scripps');
  const threshold = options.threshold ?? 1;
  const d = windowSum(prepared(series, 1, Infinity), SCRIPPS_WEIGHTS, 10);
  const sleep = new Uint8Array(d.length);
  for (let i = 0; i < d.length; i++) sleep[i] = 0.204 * d[i]! < threshold ? 1 : 0;
  return finish(series, sleep, 'scripps-2010', 'kripke-2010', {
    scale: 0.204,
    weights: [...SCRIPPS_WEIGHTS],
    threshold,
    rule: '0.204*D < threshold -> sleep',
    edges: 'zero padding',
  });
}

// ---------------------------------------------------------------- Webster rescoring

/**
 * Webster 1982 rescoring rules as used with Cole-Kripke (lengths in minutes, converted to epochs):
 * 1-3. after >= 4 / 10 / 15 min of wake, the first 1 / 3 / 4 min of the following sleep become wake (the
 *      strongest rule that applies; a shorter sleep run becomes wake entirely);
 * 4.   a sleep run of <= 6 min with >= 10 min of wake on both sides becomes wake;
 * 5.   a sleep run of <= 10 min with >= 20 min of wake on both sides becomes wake.
 * Runs are taken from the scoring before rescoring; a missing epoch ends a run (it is neither state).
 */
export function websterRescore(scoring: SleepScoring): SleepScoring {
  const perMin = 60 / scoring.epochSeconds;
  const ep = (min: number) => Math.max(1, Math.round(min * perMin));
  const { sleep, missing } = scoring;
  const n = sleep.length;
  const state = new Int8Array(n);
  for (let i = 0; i < n; i++) state[i] = missing[i] ? -1 : sleep[i]!;
  const starts: number[] = [];
  const lens: number[] = [];
  const states: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i > 0 && state[i] === state[i - 1]) lens[lens.length - 1]!++;
    else {
      starts.push(i);
      lens.push(1);
      states.push(state[i]!);
    }
  }
  const out = sleep.slice();
  const rules13: [number, number][] = [
    [ep(15), ep(4)],
    [ep(10), ep(3)],
    [ep(4), ep(1)],
  ];
  for (let k = 0; k < states.length; k++) {
    if (states[k] !== 1) continue;
    const prevWake = k > 0 && states[k - 1] === 0 ? lens[k - 1]! : 0;
    const nextWake = k + 1 < states.length && states[k + 1] === 0 ? lens[k + 1]! : 0;
    const len = lens[k]!;
    if (
      (len <= ep(6) && prevWake >= ep(10) && nextWake >= ep(10)) ||
      (len <= ep(10) && prevWake >= ep(20) && nextWake >= ep(20))
    ) {
      out.fill(0, starts[k], starts[k]! + len);
      continue;
    }
    for (const [afterWake, flip] of rules13) {
      if (prevWake >= afterWake) {
        out.fill(0, starts[k], starts[k]! + Math.min(flip, len));
        break;
      }
    }
  }
  return {
    ...scoring,
    sleep: out,
    provenance: {
      ...scoring.provenance,
      variant: `${scoring.provenance.variant ?? 'default'}+webster`,
      parameters: {
        ...scoring.provenance.parameters,
        rescoring:
          'webster-1982 rules 1-5 (4/10/15 min wake -> 1/3/4 min; <=6 min in >=10; <=10 min in >=20)',
      },
    },
  };
}

export interface ScoreOptions {
  algorithm: SleepAlgorithm;
  /** Threshold override (meaning depends on the algorithm; Oakley also accepts 'auto'). */
  threshold?: number | 'auto';
  rescore?: boolean;
  coleKripkeWeights?: keyof typeof COLE_KRIPKE_WEIGHTS;
}

/** Dispatches to one scorer (the CLI's entry point). */
export function scoreSleep(series: EpochSeries, options: ScoreOptions): SleepScoring {
  const t = options.threshold;
  if (t === 'auto' && options.algorithm !== 'oakley')
    throw new ClarityError('invalid_argument', 'threshold "auto" exists only for the Oakley algorithm');
  const num = typeof t === 'number' ? t : undefined;
  let s: SleepScoring;
  switch (options.algorithm) {
    case 'cole-kripke':
      s = coleKripke(series, {
        ...(num !== undefined ? { threshold: num } : {}),
        ...(options.coleKripkeWeights ? { weights: options.coleKripkeWeights } : {}),
      });
      break;
    case 'sadeh':
      s = sadeh(series, num !== undefined ? { threshold: num } : {});
      break;
    case 'oakley':
      s = oakley(series, t !== undefined ? { threshold: t } : {});
      break;
    case 'scripps':
      s = scripps(series, num !== undefined ? { threshold: num } : {});
      break;
  }
  return options.rescore ? websterRescore(s) : s;
}
