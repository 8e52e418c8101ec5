import { ClarityError } from '../../errors.ts';
import { createEpochSeries, type EpochSeries } from '../../contracts/epoch-series.ts';
import { coverageOf, type Provenance } from '../../contracts/provenance.ts';

export interface ResampleOptions {
  /**
   * What to do with a last output epoch that the recording only partly covers (the file ends mid-epoch):
   * - 'keep' (default): sum of the inputs that exist, as ActiLife does in its 60-s export of 10-s data;
   * - 'drop': leave it out;
   * - 'missing': keep it as a missing epoch.
   * This is about epochs past the end of the data; a missing epoch INSIDE the data always makes its output
   * epoch missing.
   */
  partialLast?: 'keep' | 'drop' | 'missing';
}

export interface ResampleResult {
  series: EpochSeries;
  provenance: Provenance;
}

/**
 * Sums counts into longer epochs (e.g. 10 s -> 60 s). Output epochs start at the series start, every
 * `targetSeconds`. An output epoch with any missing input is missing: counts are sums, and a sum over part of
 * an epoch would look like less activity.
 */
export function resampleEpochs(
  series: EpochSeries,
  targetSeconds: number,
  options: ResampleOptions = {},
): ResampleResult {
  const partialLast = options.partialLast ?? 'keep';
  const { epochSeconds } = series;
  if (!(targetSeconds > 0) || targetSeconds % epochSeconds !== 0) {
    throw new ClarityError(
      'invalid_argument',
      `cannot resample ${epochSeconds}-s epochs to ${targetSeconds} s: the target must be a whole multiple`,
    );
  }
  const factor = targetSeconds / epochSeconds;
  const n = series.values.length;
  const full = Math.floor(n / factor);
  const rest = n - full * factor;
  const outLen = full + (rest > 0 && partialLast !== 'drop' ? 1 : 0);
  const values = new Float64Array(outLen);
  const missing = new Uint8Array(outLen);
  const src = series.values;
  const srcMissing = series.missing;
  for (let k = 0; k < outLen; k++) {
    const from = k * factor;
    const to = Math.min(n, from + factor);
    let sum = 0;
    let miss = k >= full && partialLast === 'missing';
    for (let i = from; i < to && !miss; i++) {
      if (srcMissing[i]) miss = true;
      else sum += src[i]!;
    }
    if (miss) {
      values[k] = NaN;
      missing[k] = 1;
    } else values[k] = sum;
  }
  let valid = 0;
  for (let k = 0; k < outLen; k++) if (!missing[k]) valid++;
  return {
    series: createEpochSeries({ ...series, epochSeconds: targetSeconds, values, missing }),
    provenance: {
      algorithm: 'resample-sum',
      parameters: {
        fromEpochSeconds: epochSeconds,
        toEpochSeconds: targetSeconds,
        partialLast,
        partialLastEpochInputs: rest,
        missingRule: 'any missing input -> missing output',
      },
      epochSeconds: targetSeconds,
      coverage: coverageOf(outLen, valid),
    },
  };
}

/**
 * Returns 60-s counts for algorithms defined on 1-min epochs: the series itself when already 60 s, summed
 * when the epoch divides 60 s, otherwise an invalid_input error naming the epoch length.
 */
export function toMinuteEpochs(series: EpochSeries, algorithm: string): EpochSeries {
  if (series.epochSeconds === 60) return series;
  if (series.epochSeconds < 60 && 60 % series.epochSeconds === 0) return resampleEpochs(series, 60).series;
  throw new ClarityError(
    'invalid_input',
    `${algorithm} needs 60-s epochs and ${series.epochSeconds}-s epochs cannot be summed to 60 s`,
  );
}
