/**
 * Time-domain HRV on a series of NN intervals (ms), following the Task Force of the ESC
 * and NASPE (1996) definitions. Every SD is the sample SD (ddof = 1), as in hrv-analysis and pyHRV, except
 * where a field name says otherwise.
 *
 * SDNN-based and RMSSD-based values are different physiological quantities (platforms report one or the
 * other: HealthKit SDNN, Health Connect / Fitbit RMSSD). They carry distinct branded types so that a value of
 * one cannot be stored where the other is expected without an explicit cast.
 */
import { ClarityError } from '../../errors.ts';
import { coverageOf, type Provenance } from '../../contracts/provenance.ts';

declare const hrvMetricBrand: unique symbol;
/** A number that is an HRV metric of kind `K`, in ms. Assignable to number; number is not assignable to it. */
export type HrvMetric<K extends string> = number & { readonly [hrvMetricBrand]: K };
/** SD of NN intervals (HealthKit's `HeartRateVariabilitySDNN`), ms. */
export type SdnnMs = HrvMetric<'sdnn'>;
/** Root mean square of successive differences (Health Connect, Fitbit `dailyRmssd`), ms. */
export type RmssdMs = HrvMetric<'rmssd'>;
/** The names under which HRV series are stored: never a bare "hrv". */
export type HrvSeriesMetric = 'hrv_sdnn_ms' | 'hrv_rmssd_ms';

export const sdnnMs = (v: number): SdnnMs => v as SdnnMs;
export const rmssdMs = (v: number): RmssdMs => v as RmssdMs;

/**
 * How SDANN / SDNN index cut the series into 5-min segments.
 * - 'clock' (default): absolute bins [k*T, (k+1)*T) of elapsed time, where the time of a beat is the
 *   cumulative sum of the intervals up to and including it. This is the Task Force definition ("5-min segments
 *   of the entire recording") and stays aligned to time. A trailing partial bin is kept when its intervals
 *   span at least half a segment, dropped otherwise (a few seconds of beats would give a noisy segment mean).
 * - 'pyhrv': pyHRV's `tools.segmentation` (greedy: add intervals while the segment sum is < T, drop the one
 *   that overflows, which then starts the next segment; ceil(total/T) segments, and the intervals left after
 *   the last one are discarded. Where pyHRV would run out of intervals (and raise) the last segment is kept).
 *   Use it to reproduce pyHRV reports; its segments are slightly shorter than T and drift against the clock.
 */
export type HrvSegmentation = 'clock' | 'pyhrv';

export interface HrvOptions {
  /** Segment length for SDANN / SDNN index, seconds. Default 300. */
  segmentSeconds?: number;
  segmentation?: HrvSegmentation;
}

export interface HrvResult {
  /** Number of NN intervals. */
  n: number;
  meanNN: number;
  /** SD(NN), ddof = 1. */
  sdnn: SdnnMs;
  /** sqrt(mean(dNN^2)) over the N-1 successive differences. */
  rmssd: RmssdMs;
  /** SD(dNN) with ddof = 1 on the signed differences (hrv-analysis uses ddof = 0: nearly the same). */
  sdsd: number;
  /**
   * pyHRV's SDSD: SD(|dNN|, ddof = 1), because its `tools.nni_diff` returns absolute differences. This is a
   * different quantity (the spread of the absolute changes), reported only so pyHRV numbers can be compared.
   */
  sdsdPyhrv: number;
  /** Count of |dNN| > 50 ms. */
  nn50: number;
  /** 100 * nn50 / (N - 1), in percent. */
  pnn50: number;
  /** SD (ddof = 1) of the segment means; NaN with fewer than 2 segments. */
  sdann: number;
  /** Mean of the segment SDs (ddof = 1); NaN with no usable segment. */
  sdnnIndex: number;
  /** Poincare SD1 = sqrt(var(dNN)/2), var with ddof = 1 (hrv-analysis). */
  sd1: number;
  /** Poincare SD2 = sqrt(2 var(NN) - var(dNN)/2), ddof = 1 (hrv-analysis). */
  sd2: number;
  /** Mean of the instantaneous heart rates 60000/NN, bpm (pyHRV's "Mean Heart Rate"). */
  meanHR: number;
  /** Number of segments used for SDANN / SDNN index. */
  segments: number;
  provenance: Provenance;
}

function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i] as number;
  return xs.length === 0 ? Number.NaN : s / xs.length;
}

/** Sample SD (ddof = 1); two-pass for accuracy. NaN for fewer than 2 values. */
function sampleSd(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n < 2) return Number.NaN;
  const m = mean(xs);
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = (xs[i] as number) - m;
    ss += d * d;
  }
  return Math.sqrt(ss / (n - 1));
}

function validate(nnMs: ArrayLike<number>): Float64Array {
  const nn = Float64Array.from(nnMs);
  for (let i = 0; i < nn.length; i++) {
    const v = nn[i] as number;
    if (!Number.isFinite(v) || v <= 0) {
      throw new ClarityError(
        'invalid_input',
        `NN interval ${i + 1} is not a positive finite number of milliseconds`,
        {
          details: [{ path: ['nnMs', i], message: 'must be a positive finite number (ms)' }],
        },
      );
    }
  }
  if (nn.length < 2) {
    throw new ClarityError('invalid_input', `HRV needs at least 2 NN intervals, got ${nn.length}`, {
      details: [{ path: ['nnMs'], message: 'at least 2 intervals required' }],
    });
  }
  return nn;
}

/** pyHRV `tools.segmentation(nni, full=True, duration)`, reimplemented (see HrvSegmentation). */
export function segmentPyhrv(nnMs: ArrayLike<number>, segmentSeconds = 300): Float64Array[] {
  const nn = Float64Array.from(nnMs);
  const limit = segmentSeconds * 1000;
  let total = 0;
  for (let i = 0; i < nn.length; i++) total += nn[i] as number;
  if (total <= limit) return [];
  // pyHRV loops over np.arange(0, total + T, T).size - 1 = ceil(total / T) segments.
  const count = Math.ceil(total / limit);
  const segments: Float64Array[] = [];
  let index = 0;
  for (let s = 0; s < count && index < nn.length; s++) {
    const start = index;
    let sum = 0;
    while (sum < limit && index < nn.length) {
      sum += nn[index] as number;
      index++;
    }
    if (sum > limit) index--; // the overflowing interval starts the next segment
    segments.push(nn.slice(start, index));
  }
  return segments;
}

/** Absolute clock bins of `segmentSeconds` over elapsed time (see HrvSegmentation). */
export function segmentClock(nn: ArrayLike<number>, segmentSeconds = 300): Float64Array[] {
  const limit = segmentSeconds * 1000;
  const bins: number[][] = [];
  let t = 0;
  for (let i = 0; i < nn.length; i++) {
    const v = nn[i] as number;
    t += v;
    const k = Math.floor(t / limit);
    (bins[k] ??= []).push(v);
  }
  const total = t;
  const out: Float64Array[] = [];
  for (let k = 0; k < bins.length; k++) {
    const b = bins[k];
    if (b === undefined || b.length === 0) continue;
    const isTrailingPartial = (k + 1) * limit > total;
    if (isTrailingPartial && total - k * limit < limit / 2) continue;
    out.push(Float64Array.from(b));
  }
  return out;
}

export function hrvTimeDomain(nnMs: ArrayLike<number>, options: HrvOptions = {}): HrvResult {
  const segmentSeconds = options.segmentSeconds ?? 300;
  const segmentation: HrvSegmentation = options.segmentation ?? 'clock';
  if (!(segmentSeconds > 0)) {
    throw new ClarityError('invalid_input', 'segmentSeconds must be positive', {
      details: [{ path: ['segmentSeconds'], message: 'must be > 0' }],
    });
  }
  const nn = validate(nnMs);
  const n = nn.length;
  const diffs = new Float64Array(n - 1);
  const absDiffs = new Float64Array(n - 1);
  let sumSq = 0;
  let nn50 = 0;
  for (let i = 0; i < n - 1; i++) {
    const d = (nn[i + 1] as number) - (nn[i] as number);
    diffs[i] = d;
    absDiffs[i] = Math.abs(d);
    sumSq += d * d;
    if (Math.abs(d) > 50) nn50++;
  }
  const sdnn = sampleSd(nn);
  const sdsd = sampleSd(diffs);
  let hrSum = 0;
  for (let i = 0; i < n; i++) hrSum += 60000 / (nn[i] as number);

  const segments =
    segmentation === 'pyhrv' ? segmentPyhrv(nn, segmentSeconds) : segmentClock(nn, segmentSeconds);
  const segMeans = segments.map((s) => mean(s));
  const segSds = segments.map((s) => sampleSd(s)).filter((v) => !Number.isNaN(v));

  return {
    n,
    meanNN: mean(nn),
    sdnn: sdnnMs(sdnn),
    rmssd: rmssdMs(Math.sqrt(sumSq / (n - 1))),
    sdsd,
    sdsdPyhrv: sampleSd(absDiffs),
    nn50,
    pnn50: (100 * nn50) / (n - 1),
    sdann: sampleSd(segMeans),
    sdnnIndex: segSds.length === 0 ? Number.NaN : mean(segSds),
    sd1: Math.sqrt(0.5 * sdsd * sdsd),
    sd2: Math.sqrt(2 * sdnn * sdnn - 0.5 * sdsd * sdsd),
    meanHR: hrSum / n,
    segments: segments.length,
    provenance: {
      algorithm: 'hrv-time-domain',
      variant: 'task-force-1996/hrv-analysis',
      parameters: { ddof: 1, nnThresholdMs: 50, segmentSeconds, segmentation, sdsd: 'SD(dNN, ddof=1)' },
      coverage: coverageOf(n, n),
    },
  };
}
