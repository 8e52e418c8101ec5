/**
 * The canonical epoch series every reader produces and every analytic consumes.
 *
 * - `values[i]` is the count (or other value) of the epoch starting at `start + i * epochSeconds`.
 * - Missing data is NaN in `values` AND true in `missing`; it is never silently zero. Analytics must
 *   check `missing` (or `Number.isNaN`) and report coverage.
 * - `start` is the local wall-clock time of the first epoch as an ISO string without offset
 *   (`2016-03-22T12:00:00`), plus `timezone` (IANA name) or `utcOffsetMinutes` when the file states one.
 *   Device files (AWD, ActiLife) record local device time and no zone, so both may be absent.
 */
export interface EpochSeries {
  /** Local wall-clock start of the first epoch, `YYYY-MM-DDTHH:mm:ss`. */
  start: string;
  epochSeconds: number;
  values: Float64Array;
  missing: Uint8Array;
  timezone?: string;
  utcOffsetMinutes?: number;
  /** What the values are: activity counts (per epoch), steps, etc. */
  quantity: 'counts' | 'steps' | 'heart_rate' | 'other';
  /** Free-form provenance: file format, device, axis used. */
  source: { format: string; device?: string; subject?: string; axis?: string };
}

export function createEpochSeries(
  init: Omit<EpochSeries, 'missing'> & { missing?: Uint8Array },
): EpochSeries {
  const missing = init.missing ?? new Uint8Array(init.values.length);
  if (missing.length !== init.values.length) {
    throw new RangeError(`missing mask length ${missing.length} != values length ${init.values.length}`);
  }
  for (let i = 0; i < init.values.length; i++) {
    if (Number.isNaN(init.values[i])) missing[i] = 1;
  }
  return { ...init, missing };
}
