import { ClarityError } from '../errors.ts';
import type { EpochSeries } from '../contracts/epoch-series.ts';
import { toMinuteEpochs } from '../analytics/preprocess/resample.ts';
import { scoreSleep, type SleepAlgorithm, type SleepScoring } from '../analytics/sleep/scoring.ts';
import type { CliOptionValues } from './command.ts';

export const ALGORITHMS: SleepAlgorithm[] = ['cole-kripke', 'sadeh', 'oakley', 'scripps'];

export function algorithmOption(values: CliOptionValues, fallback: SleepAlgorithm): SleepAlgorithm {
  const a = values.algorithm ?? fallback;
  if (typeof a !== 'string' || !(ALGORITHMS as string[]).includes(a))
    throw new ClarityError('invalid_argument', `--algorithm must be one of ${ALGORITHMS.join(', ')}`);
  return a as SleepAlgorithm;
}

/** Actiware's named Oakley wake thresholds. */
const OAKLEY_LEVELS: Record<string, number> = { low: 20, medium: 40, high: 80 };

export function thresholdOption(
  values: CliOptionValues,
  algorithm?: SleepAlgorithm,
): number | 'auto' | undefined {
  const t = values.threshold;
  if (t === undefined) return undefined;
  if (t === 'auto') return 'auto';
  if (typeof t === 'string' && t in OAKLEY_LEVELS) {
    if (algorithm !== 'oakley')
      throw new ClarityError('invalid_argument', `--threshold ${t} exists only for the Oakley algorithm`);
    return OAKLEY_LEVELS[t];
  }
  const n = Number(t);
  if (typeof t !== 'string' || t.trim() === '' || !Number.isFinite(n)) {
    throw new ClarityError(
      'invalid_argument',
      '--threshold must be a number (or auto, low, medium, high for oakley)',
    );
  }
  return n;
}

/**
 * Scores a series with the CLI's rules: Cole-Kripke, Sadeh and Scripps need 60-s epochs (shorter epochs
 * that divide a minute are summed to 60 s first); Oakley runs at the file's epoch (15/30/60/120 s).
 */
export function scoreForCli(
  series: EpochSeries,
  algorithm: SleepAlgorithm,
  threshold: number | 'auto' | undefined,
  rescore: boolean,
): { scoring: SleepScoring; series: EpochSeries } {
  const input = algorithm === 'oakley' ? series : toMinuteEpochs(series, algorithm);
  const scoring = scoreSleep(input, {
    algorithm,
    rescore,
    ...(threshold !== undefined ? { threshold } : {}),
  });
  return { scoring, series: input };
}
