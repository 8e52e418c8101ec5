import { createEpochSeries, type EpochSeries } from '../../contracts/epoch-series.ts';
import { coverageOf, type Provenance } from '../../contracts/provenance.ts';

export interface OutlierOptions {
  /** Largest plausible count per epoch for the device; larger values become missing. Default: no limit. */
  maxCount?: number;
}

/**
 * Marks impossible counts as missing instead of letting them drive the analysis: negative or non-finite
 * values always, values above `maxCount` when a device maximum is given (e.g. a saturated or corrupted
 * epoch). How many were replaced is recorded in the provenance so a result can be traced back.
 */
export function removeOutliers(
  series: EpochSeries,
  options: OutlierOptions = {},
): { series: EpochSeries; replaced: number; provenance: Provenance } {
  const max = options.maxCount ?? Infinity;
  const values = series.values.slice();
  const missing = series.missing.slice();
  let replaced = 0;
  let valid = 0;
  for (let i = 0; i < values.length; i++) {
    if (missing[i]) continue;
    const v = values[i]!;
    if (!Number.isFinite(v) || v < 0 || v > max) {
      values[i] = NaN;
      missing[i] = 1;
      replaced++;
    } else valid++;
  }
  return {
    series: createEpochSeries({ ...series, values, missing }),
    replaced,
    provenance: {
      algorithm: 'outlier-removal',
      parameters: {
        rule: 'negative, non-finite or above maxCount -> missing',
        maxCount: options.maxCount ?? null,
        replaced,
      },
      epochSeconds: series.epochSeconds,
      coverage: coverageOf(values.length, valid),
    },
  };
}

/** A copy of the series with the epochs flagged in `mask` (1 = drop, e.g. non-wear) set missing. */
export function maskEpochs(series: EpochSeries, mask: Uint8Array): EpochSeries {
  const values = series.values.slice();
  const missing = series.missing.slice();
  for (let i = 0; i < values.length; i++) {
    if (mask[i]) {
      values[i] = NaN;
      missing[i] = 1;
    }
  }
  return createEpochSeries({ ...series, values, missing });
}
