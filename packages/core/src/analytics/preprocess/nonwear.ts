import { ClarityError } from '../../errors.ts';
import type { EpochSeries } from '../../contracts/epoch-series.ts';
import { coverageOf, type Provenance } from '../../contracts/provenance.ts';
import { epochTime } from '../../readers/local-time.ts';

/**
 * Non-wear detection on activity counts: Choi et al. 2011 and Troiano et al. 2008, as ActiLife 6 implements
 * them (reproduced period-for-period against ActiLife's exports by actigraph.sleepr and by our tests).
 *
 * Lengths are given in minutes and converted to epochs, so 60-s epochs (ActiLife's requirement) give the
 * reference behaviour. Missing epochs are their own state: they are neither "zero" nor a spike, so a non-wear
 * period never runs through a gap in the recording.
 */

export interface NonWearPeriod {
  /** First epoch index of the period. */
  startIndex: number;
  /** One past the last epoch index. */
  endIndex: number;
  /** Local ISO start and (exclusive) end. */
  start: string;
  end: string;
  minutes: number;
}

export interface NonWearResult {
  periods: NonWearPeriod[];
  /** 1 = non-wear epoch. */
  mask: Uint8Array;
  nonWearEpochs: number;
  provenance: Provenance;
}

export interface ChoiOptions {
  /** Minutes of consecutive zeros (allowing spikes) that make a non-wear period. ActiLife/Choi 2011: 90. */
  minPeriodMinutes?: number;
  /** Minutes of zeros required before AND after a spike for it to be ignored. Default 30. */
  minWindowMinutes?: number;
  /** Longest artefactual spike (minutes of non-zero counts) tolerated. Default 2. */
  spikeToleranceMinutes?: number;
}

const ZERO = 0;
const ACTIVE = 1;
const GAP = 2;
const STOP = 3;

interface Runs {
  state: number[];
  start: number[];
  len: number[];
}

function runsOf(states: Uint8Array): Runs {
  const r: Runs = { state: [], start: [], len: [] };
  for (let i = 0; i < states.length; i++) {
    const s = states[i]!;
    const last = r.state.length - 1;
    if (last >= 0 && r.state[last] === s) r.len[last]!++;
    else {
      r.state.push(s);
      r.start.push(i);
      r.len.push(1);
    }
  }
  return r;
}

/** Merges adjacent runs that now have the same state. */
function merge(r: Runs): Runs {
  const out: Runs = { state: [], start: [], len: [] };
  for (let k = 0; k < r.state.length; k++) {
    const last = out.state.length - 1;
    if (last >= 0 && out.state[last] === r.state[k]) out.len[last]! += r.len[k]!;
    else {
      out.state.push(r.state[k]!);
      out.start.push(r.start[k]!);
      out.len.push(r.len[k]!);
    }
  }
  return out;
}

function toEpochs(minutes: number, epochSeconds: number, name: string): number {
  const e = (minutes * 60) / epochSeconds;
  if (!Number.isInteger(e) || e < 0)
    throw new ClarityError(
      'invalid_argument',
      `${name} (${minutes} min) is not a whole number of ${epochSeconds}-s epochs`,
    );
  return e;
}

function result(
  series: EpochSeries,
  periods: [number, number][],
  algorithm: string,
  parameters: Record<string, unknown>,
): NonWearResult {
  const n = series.values.length;
  const mask = new Uint8Array(n);
  let nonWearEpochs = 0;
  const out: NonWearPeriod[] = periods.map(([a, b]) => {
    mask.fill(1, a, b);
    nonWearEpochs += b - a;
    return {
      startIndex: a,
      endIndex: b,
      start: epochTime(series.start, series.epochSeconds, a),
      end: epochTime(series.start, series.epochSeconds, b),
      minutes: ((b - a) * series.epochSeconds) / 60,
    };
  });
  let valid = 0;
  for (let i = 0; i < n; i++) if (!series.missing[i]) valid++;
  return {
    periods: out,
    mask,
    nonWearEpochs,
    provenance: {
      algorithm,
      variant: 'actilife',
      parameters,
      epochSeconds: series.epochSeconds,
      coverage: coverageOf(n, valid),
    },
  };
}

/** Choi 2011 non-wear periods. Defaults are ActiLife's "Choi" parameters (90 / 30 / 2 min). */
export function choiNonWear(series: EpochSeries, options: ChoiOptions = {}): NonWearResult {
  const minPeriodMinutes = options.minPeriodMinutes ?? 90;
  const minWindowMinutes = options.minWindowMinutes ?? 30;
  const spikeToleranceMinutes = options.spikeToleranceMinutes ?? 2;
  const es = series.epochSeconds;
  const minPeriod = toEpochs(minPeriodMinutes, es, 'minPeriodMinutes');
  const minWindow = toEpochs(minWindowMinutes, es, 'minWindowMinutes');
  const spikeTol = toEpochs(spikeToleranceMinutes, es, 'spikeToleranceMinutes');
  const states = new Uint8Array(series.values.length);
  for (let i = 0; i < states.length; i++)
    states[i] = series.missing[i] ? GAP : series.values[i] === 0 ? ZERO : ACTIVE;
  let r = runsOf(states);
  // Zero runs shorter than the spike tolerance are part of the surrounding activity.
  for (let k = 0; k < r.state.length; k++)
    if (r.state[k] === ZERO && r.len[k]! < spikeTol) r.state[k] = ACTIVE;
  r = merge(r);
  // A short spike with at least minWindow zeros on both sides is artefactual movement within non-wear.
  const flip: number[] = [];
  for (let k = 0; k < r.state.length; k++) {
    if (r.state[k] !== ACTIVE || r.len[k]! > spikeTol) continue;
    const before = k > 0 && r.state[k - 1] === ZERO ? r.len[k - 1]! : 0;
    const after = k + 1 < r.state.length && r.state[k + 1] === ZERO ? r.len[k + 1]! : 0;
    if (before >= minWindow && after >= minWindow) flip.push(k);
  }
  for (const k of flip) r.state[k] = ZERO;
  r = merge(r);
  const periods: [number, number][] = [];
  for (let k = 0; k < r.state.length; k++)
    if (r.state[k] === ZERO && r.len[k]! >= minPeriod) periods.push([r.start[k]!, r.start[k]! + r.len[k]!]);
  return result(series, periods, 'choi-2011', {
    minPeriodMinutes,
    minWindowMinutes,
    spikeToleranceMinutes,
    count: series.source.axis ?? 'counts',
  });
}

export interface TroianoOptions {
  /** Highest count that is still "zero". Default 0. */
  activityThreshold?: number;
  /** Minutes of zeros that start a non-wear period. Default 60. */
  minPeriodMinutes?: number;
  /** Counts above this are treated as zero (device artefacts). Default Infinity. */
  maxNonzeroCount?: number;
  /** Non-zero minutes tolerated inside a period. Default 2. */
  spikeToleranceMinutes?: number;
  /** A count above this ends a period even within the tolerance. Default 100. */
  spikeStoplevel?: number;
  /**
   * true (default, ActiLife "end at nonzero sequence"): a period ends at a run of more than
   * `spikeTolerance` consecutive non-zero minutes. false: ActiLife's other mode, where at most
   * `spikeTolerance` non-zero minutes in total may follow within the period (longest-period search).
   */
  endAtNonzeroSequence?: boolean;
}

/** Troiano 2008 (NHANES) non-wear periods with ActiLife's parameters. */
export function troianoNonWear(series: EpochSeries, options: TroianoOptions = {}): NonWearResult {
  const activityThreshold = options.activityThreshold ?? 0;
  const minPeriodMinutes = options.minPeriodMinutes ?? 60;
  const maxNonzeroCount = options.maxNonzeroCount ?? Infinity;
  const spikeToleranceMinutes = options.spikeToleranceMinutes ?? 2;
  const spikeStoplevel = options.spikeStoplevel ?? 100;
  const endAtNonzeroSequence = options.endAtNonzeroSequence ?? true;
  const es = series.epochSeconds;
  const minPeriod = toEpochs(minPeriodMinutes, es, 'minPeriodMinutes');
  const spikeTol = toEpochs(spikeToleranceMinutes, es, 'spikeToleranceMinutes');
  const n = series.values.length;
  const parameters = {
    activityThreshold,
    minPeriodMinutes,
    maxNonzeroCount: Number.isFinite(maxNonzeroCount) ? maxNonzeroCount : 'Infinity',
    spikeToleranceMinutes,
    spikeStoplevel,
    endAtNonzeroSequence,
  };
  const periods: [number, number][] = [];

  if (endAtNonzeroSequence) {
    const states = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const v = series.values[i]!;
      if (series.missing[i]) states[i] = GAP;
      else if (v > spikeStoplevel) states[i] = STOP;
      else states[i] = v <= activityThreshold || v > maxNonzeroCount ? ZERO : ACTIVE;
    }
    let r = runsOf(states);
    // A short non-zero run followed by zeros continues the preceding state (it is a tolerated spike if that
    // state is non-wear, otherwise it stays activity).
    for (let k = 0; k < r.state.length; k++) {
      if (
        r.state[k] === ACTIVE &&
        k + 1 < r.state.length &&
        r.state[k + 1] === ZERO &&
        r.len[k]! <= spikeTol
      ) {
        r.state[k] = k === 0 ? ACTIVE : r.state[k - 1]!;
      }
    }
    r = merge(r);
    for (let k = 0; k < r.state.length; k++)
      if (r.state[k] === ZERO && r.len[k]! >= minPeriod) periods.push([r.start[k]!, r.start[k]! + r.len[k]!]);
  } else {
    // For each epoch, the longest non-wear period that can start there (scanned right to left, keeping the
    // lengths of the zero runs that follow each of the last `spikeTol` spikes).
    const lengths = new Int32Array(n);
    const zeros = new Int32Array(spikeTol + 1);
    for (let i = n - 1; i >= 0; i--) {
      if (series.missing[i]) {
        zeros.fill(0);
        continue;
      }
      let v = series.values[i]!;
      if (v > maxNonzeroCount) v = 0;
      if (v <= activityThreshold) {
        zeros[0]!++;
        let len = zeros[0]!;
        let add = false;
        for (let j = spikeTol; j > 0; j--) {
          if (zeros[j]! > 0) add = true;
          if (add) len += zeros[j]! + 1;
        }
        lengths[i] = len;
      } else if (v > spikeStoplevel) zeros.fill(0);
      else {
        for (let j = spikeTol; j > 0; j--) zeros[j] = zeros[j - 1]!;
        zeros[0] = 0;
      }
    }
    // Candidates start where a long-enough period begins (not one epoch into the previous candidate); the
    // earliest wins and overlapping later ones are dropped.
    let lastEnd = -1;
    let prevCandidate = false;
    for (let i = 0; i < n; i++) {
      const cand = lengths[i]! >= minPeriod;
      if (cand && !prevCandidate && i > lastEnd) {
        periods.push([i, i + lengths[i]!]);
        lastEnd = i + lengths[i]!;
      }
      prevCandidate = cand;
    }
  }
  return result(series, periods, 'troiano-2008', parameters);
}
