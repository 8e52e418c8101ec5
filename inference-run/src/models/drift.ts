/**
 * Input drift per model: running mean and variance (Welford) of raw observed input minutes and the
 * population stability index of their histogram against the manifest's reference:
 * PSI = Σ (a_i - e_i) ln(a_i / e_i) over bins, with fractions floored at 1e-4 so an empty bin stays finite.
 * Rule of thumb: < 0.1 stable, 0.1-0.25 moderate shift, > 0.25 large shift.
 */
import type { DriftReference } from '@clarity/core';

export class DriftMonitor {
  readonly reference: DriftReference | undefined;
  private n = 0;
  private mean = 0;
  private m2 = 0;
  private readonly bins: number[];

  constructor(reference: DriftReference | undefined) {
    this.reference = reference;
    this.bins = new Array<number>((reference?.edges.length ?? 0) + 1).fill(0);
  }

  observe(values: ArrayLike<number | null>): void {
    const edges = this.reference?.edges ?? [];
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === null || v === undefined || Number.isNaN(v)) continue;
      this.n++;
      const delta = v - this.mean;
      this.mean += delta / this.n;
      this.m2 += delta * (v - this.mean);
      let b = 0;
      while (b < edges.length && v >= (edges[b] ?? Infinity)) b++;
      this.bins[b] = (this.bins[b] ?? 0) + 1;
    }
  }

  stats(): { count: number; mean: number; std: number; psi: number | undefined } {
    const std = this.n > 1 ? Math.sqrt(this.m2 / this.n) : 0;
    return { count: this.n, mean: this.mean, std, psi: this.psi() };
  }

  private psi(): number | undefined {
    if (!this.reference || this.n === 0) return undefined;
    let psi = 0;
    for (let i = 0; i < this.bins.length; i++) {
      const a = Math.max((this.bins[i] ?? 0) / this.n, 1e-4);
      const e = Math.max(this.reference.fractions[i] ?? 0, 1e-4);
      psi += (a - e) * Math.log(a / e);
    }
    return psi;
  }
}
