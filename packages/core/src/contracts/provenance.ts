/** Every analytic result says how it was computed and on how much data. */
export interface Coverage {
  /** Epochs (or intervals) in the analysed window. */
  total: number;
  /** Of those, epochs with a usable value (not missing, not masked as non-wear). */
  valid: number;
  /** valid / total, 0 when total is 0. */
  fraction: number;
}

export interface Provenance {
  algorithm: string;
  /** Where the variant matters: e.g. 'actilife', 'textbook', 'pyhrv'. */
  variant?: string;
  parameters: Record<string, unknown>;
  epochSeconds?: number;
  coverage: Coverage;
}

export function coverageOf(total: number, valid: number): Coverage {
  return { total, valid, fraction: total === 0 ? 0 : valid / total };
}
