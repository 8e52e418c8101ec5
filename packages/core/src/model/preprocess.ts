/**
 * PAT input preprocessing shared by the functions (which build sequences from stored minute arrays) and the
 * model server (which validates and normalises what it receives).
 *
 * Alignment policy (`alignToWeek`), deterministic and noise-free:
 * - the series is one value per minute, oldest first; its LAST value is the most recent minute;
 * - longer than 10 080 minutes: the most recent 10 080 are kept (older minutes are dropped);
 * - shorter: the missing leading minutes are marked missing (left padding), so the week ends "now";
 * - null, undefined and NaN are missing; after normalisation a missing minute is 0, i.e. the reference mean
 *   of that minute (per-minute-of-week) or of the sequence (per-sequence), so gaps carry no signal;
 * - fewer than `minObservedMinutes` observed minutes (default 1 440, one day) is rejected: an embedding of an
 *   almost empty week would be an embedding of the fill value.
 */
import { ClarityError, type FieldIssue } from '../errors.ts';
import type { Normalisation } from './contracts.ts';
import { PAT_SEQUENCE_MINUTES } from './pat.ts';

export interface AlignedSequence {
  /** Exactly 10 080 values, NaN where missing. */
  values: Float64Array;
  /** Minutes added in front because the input was short. */
  padded: number;
  /** Oldest minutes dropped because the input was long. */
  truncated: number;
  observed: number;
  missingFraction: number;
}

export interface AlignOptions {
  minObservedMinutes?: number;
}

/** Fewest observed minutes a sequence may have for an embedding: one day (alignToWeek, sequenceIssues). */
export const minObservedMinutes = 1440;

export function alignToWeek(
  series: ArrayLike<number | null | undefined>,
  options: AlignOptions = {},
): AlignedSequence {
  const minObserved = options.minObservedMinutes ?? minObservedMinutes;
  const n = series.length;
  const truncated = Math.max(0, n - PAT_SEQUENCE_MINUTES);
  const padded = Math.max(0, PAT_SEQUENCE_MINUTES - n);
  const values = new Float64Array(PAT_SEQUENCE_MINUTES).fill(Number.NaN);
  let observed = 0;
  for (let i = truncated; i < n; i++) {
    const v = series[i];
    if (typeof v === 'number' && Number.isFinite(v)) {
      values[padded + i - truncated] = v;
      observed++;
    }
  }
  if (observed < minObserved) {
    throw new ClarityError(
      'invalid_input',
      `series has ${observed} observed minutes; at least ${minObserved} are needed for a PAT embedding`,
      {
        details: [{ path: ['values'], message: `too few observed minutes (${observed} < ${minObserved})` }],
      },
    );
  }
  return { values, padded, truncated, observed, missingFraction: 1 - observed / PAT_SEQUENCE_MINUTES };
}

export interface InputBounds {
  minutes: number;
  min: number;
  max: number;
}

/**
 * Checks one wire sequence (already JSON-parsed) and returns its problems, at most `limit`, each naming the
 * index; the values themselves are never echoed. An empty list means the sequence is usable.
 */
export function sequenceIssues(
  values: unknown,
  bounds: InputBounds,
  path: (string | number)[] = ['values'],
  limit = 5,
): FieldIssue[] {
  if (!Array.isArray(values)) return [{ path, message: 'must be an array of numbers or null' }];
  if (values.length !== bounds.minutes) {
    return [
      {
        path,
        message: `must hold exactly ${bounds.minutes} one-minute values, got ${values.length} (align with alignToWeek first)`,
      },
    ];
  }
  const issues: FieldIssue[] = [];
  let observed = 0;
  for (let i = 0; i < values.length && issues.length < limit; i++) {
    const v: unknown = values[i];
    if (v === null) continue;
    observed++;
    if (typeof v !== 'number') issues.push({ path: [...path, i], message: 'must be a number or null' });
    else if (!Number.isFinite(v))
      issues.push({ path: [...path, i], message: 'must be finite (use null for a missing minute)' });
    else if (v < bounds.min || v > bounds.max)
      issues.push({ path: [...path, i], message: `out of range [${bounds.min}, ${bounds.max}]` });
  }
  // The same rule as alignToWeek: under one day of observed minutes an embedding describes the padding.
  if (issues.length === 0 && observed < minObservedMinutes) {
    issues.push({
      path,
      message: `has ${observed} observed minutes; at least ${minObservedMinutes} are needed for an embedding`,
    });
  }
  return issues;
}

/**
 * Normalises one sequence into `out[offset .. offset + 10 080)` as float32 (the model's input type) and
 * returns how many minutes were missing. Missing minutes become 0 (see the policy above).
 */
export function normaliseInto(
  values: ArrayLike<number | null>,
  normalisation: Normalisation,
  out: Float32Array,
  offset = 0,
): number {
  const n = PAT_SEQUENCE_MINUTES;
  if (values.length !== n)
    throw new ClarityError('invalid_input', `sequence must hold ${n} values, got ${values.length}`);
  if (normalisation.kind === 'per-minute-of-week') {
    const { mean, std } = normalisation;
    return standardiseInto(
      values,
      out,
      offset,
      (i) => mean[i] ?? 0,
      (i) => ((std[i] ?? 0) > 1e-12 ? (std[i] ?? 1) : 1),
    );
  }
  let sum = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v !== null && v !== undefined && !Number.isNaN(v)) {
      sum += v;
      count++;
    }
  }
  const mean = count > 0 ? sum / count : 0;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v !== null && v !== undefined && !Number.isNaN(v)) ss += (v - mean) * (v - mean);
  }
  // Population std, as sklearn's StandardScaler uses.
  const std = count > 0 ? Math.sqrt(ss / count) : 0;
  const div = std >= normalisation.minStd ? std : 1;
  return standardiseInto(
    values,
    out,
    offset,
    () => mean,
    () => div,
  );
}

/** Writes (v - mean(i)) / div(i) for each value and 0 for a missing one; returns how many were missing. */
function standardiseInto(
  values: ArrayLike<number | null>,
  out: Float32Array,
  offset: number,
  mean: (i: number) => number,
  div: (i: number) => number,
): number {
  let missing = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || Number.isNaN(v)) {
      out[offset + i] = 0;
      missing++;
    } else out[offset + i] = (v - mean(i)) / div(i);
  }
  return missing;
}
