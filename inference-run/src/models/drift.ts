/**
 * Input drift per model: running mean and variance (Welford) of raw observed input minutes and the
 * population stability index of their histogram against the manifest's reference:
 * PSI = Σ (a_i - e_i) ln(a_i / e_i) over bins, with fractions floored at 1e-4 so an empty bin stays finite.
 * Rule of thumb: < 0.1 stable, 0.1-0.25 moderate shift, > 0.25 large shift. Above the reference's `psiAlert`
 * (default 0.2), once at least `minObserved` minutes were seen, `onDrift` fires once; it re-arms when the PSI
 * falls back below the threshold (the server turns it into a log event and a metric).
 */
import type { DriftReference } from '@clarity/core';

export const DEFAULT_PSI_ALERT = 0.2;

export interface DriftEvent {
  psi: number;
  threshold: number;
  count: number;
}

export interface DriftOptions {
  /** Observed minutes needed before an alert (default one day: 1 440). */
  minObserved?: number;
  onDrift?: (e: DriftEvent) => void;
}

export class DriftMonitor {
  readonly reference: DriftReference | undefined;
  readonly threshold: number;
  private n = 0;
  private mean = 0;
  private m2 = 0;
  private readonly bins: number[];
  private readonly options: DriftOptions;
  private alerting = false;

  constructor(reference: DriftReference | undefined, options: DriftOptions = {}) {
    this.reference = reference;
    this.threshold = reference?.psiAlert ?? DEFAULT_PSI_ALERT;
    this.options = options;
    this.bins = new Array<number>((reference?.edges.length ?? 0) + 1).fill(0);
  }

  /** True while the PSI is above the threshold (after enough minutes). */
  get drifted(): boolean {
    return this.alerting;
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
      const b = binOf(v, edges);
      this.bins[b] = (this.bins[b] ?? 0) + 1;
    }
    const psi = this.psi();
    if (psi === undefined || this.n < (this.options.minObserved ?? 1440)) return;
    if (psi > this.threshold && !this.alerting) {
      this.alerting = true;
      this.options.onDrift?.({ psi, threshold: this.threshold, count: this.n });
    } else if (psi <= this.threshold) this.alerting = false;
  }

  stats(): { count: number; mean: number; std: number; psi: number | undefined } {
    const std = this.n > 1 ? Math.sqrt(this.m2 / this.n) : 0;
    return { count: this.n, mean: this.mean, std, psi: this.psi() };
  }

  private psi(): number | undefined {
    if (!this.reference || this.n === 0) return undefined;
    return psiOf(
      this.bins.map((b) => b / this.n),
      this.reference.fractions,
    );
  }
}

/** The histogram bin of v: the number of interior edges at or below it (edges ascending). */
export function binOf(v: number, edges: readonly number[]): number {
  let b = 0;
  while (b < edges.length && v >= (edges[b] ?? Infinity)) b++;
  return b;
}

/** PSI of observed bin fractions against expected ones (both floored at 1e-4). */
export function psiOf(actual: number[], expected: number[]): number {
  let psi = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = Math.max(actual[i] ?? 0, 1e-4);
    const e = Math.max(expected[i] ?? 0, 1e-4);
    psi += (a - e) * Math.log(a / e);
  }
  return psi;
}
