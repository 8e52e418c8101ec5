/** Small helpers the analysis domains share: JSON-safe numbers, means, clock times and provenance. */
import type { AnalysisMetrics, Provenance } from '@clarity/core';

/** A finite number, or null (NaN, infinities and absent values are not JSON). */
export const finite = (v: number | undefined | null): number | null =>
  v === undefined || v === null || !Number.isFinite(v) ? null : v;

export function mean(values: number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

/** `HH:MM` of a minute of the day (negative or past midnight wraps). */
export function clock(minuteOfDay: number): string {
  const m = ((Math.round(minuteOfDay) % 1440) + 1440) % 1440;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

export type StoredProvenance = NonNullable<AnalysisMetrics['circadian']>['provenance'];

/** A core provenance as stored: JSON-safe scalars and short arrays only (parameters can hold typed arrays). */
export function plainProvenance(p: Provenance): StoredProvenance {
  const parameters: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p.parameters)) {
    if (typeof v === 'number') parameters[k] = Number.isFinite(v) ? v : null;
    else if (typeof v === 'string' || typeof v === 'boolean' || v === null) parameters[k] = v;
    else if (
      Array.isArray(v) &&
      v.length <= 16 &&
      v.every((x) => typeof x === 'number' || typeof x === 'string')
    )
      parameters[k] = v;
    else if (v && typeof v === 'object' && !ArrayBuffer.isView(v))
      parameters[k] = JSON.parse(JSON.stringify(v)) as unknown;
  }
  return {
    algorithm: p.algorithm,
    ...(p.variant ? { variant: p.variant } : {}),
    parameters,
    ...(p.epochSeconds ? { epochSeconds: p.epochSeconds } : {}),
    coverage: { ...p.coverage },
  };
}

/** Provenance of a plain sum or mean over `valid` of `total` values. */
export function sumProvenance(
  algorithm: string,
  total: number,
  valid: number,
  parameters: Record<string, unknown>,
) {
  return { algorithm, parameters, coverage: { total, valid, fraction: total === 0 ? 0 : valid / total } };
}
