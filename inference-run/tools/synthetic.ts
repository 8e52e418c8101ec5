/**
 * Seeded synthetic activity weeks (10 080 one-minute counts) for tests, the demo and benchmarks: quiet nights,
 * active days with bursts, a few missing minutes. Shaped like actigraphy, meaningless as data.
 */
import { normaliseInto, PAT_SEQUENCE_MINUTES, seededRandom } from '@clarity/core';

export function syntheticWeek(seed: number, missingEvery = 0, sleepShiftMinutes = 0): (number | null)[] {
  const rand = seededRandom(seed);
  const out: (number | null)[] = new Array<number | null>(PAT_SEQUENCE_MINUTES);
  const wake = 360 + Math.floor(rand() * 120);
  const sleep = 1320 + Math.floor(rand() * 90);
  for (let i = 0; i < PAT_SEQUENCE_MINUTES; i++) {
    // A later sleeper: the whole day (bed time and rise time) moves by sleepShiftMinutes.
    const m = (i - sleepShiftMinutes + 1440) % 1440;
    const awake = m >= wake && m < sleep;
    const base = awake ? 150 + 250 * rand() : 3 * rand();
    const burst = awake && rand() < 0.05 ? 2000 * rand() : 0;
    out[i] = missingEvery > 0 && i % missingEvery === 0 ? null : Math.round(base + burst);
  }
  return out;
}

/** Drift reference (raw-count statistics and histogram) of the synthetic generator, for stand-in manifests. */
export function syntheticDriftReference(
  edges: number[],
  weeks = 8,
): { mean: number; std: number; edges: number[]; fractions: number[] } {
  const counts = new Array<number>(edges.length + 1).fill(0);
  let n = 0;
  let sum = 0;
  let ss = 0;
  for (let w = 0; w < weeks; w++) {
    for (const v of syntheticWeek(1000 + w)) {
      if (v === null) continue;
      let b = 0;
      while (b < edges.length && v >= (edges[b] ?? Infinity)) b++;
      counts[b] = (counts[b] ?? 0) + 1;
      n++;
      sum += v;
      ss += v * v;
    }
  }
  const mean = sum / n;
  return {
    mean,
    std: Math.sqrt(Math.max(ss / n - mean * mean, 1e-12)),
    edges,
    fractions: counts.map((c) => c / n),
  };
}

/**
 * A batch input of `n` synthetic weeks (seeds 1..n), each normalised per sequence as the server does, back
 * to back: `n` x PAT_SEQUENCE_MINUTES values, the layout of the model's `input` tensor.
 */
export function syntheticBatch(n: number): Float32Array {
  const input = new Float32Array(n * PAT_SEQUENCE_MINUTES);
  for (let b = 0; b < n; b++)
    normaliseInto(
      syntheticWeek(b + 1),
      { kind: 'per-sequence', minStd: 1e-6 },
      input,
      b * PAT_SEQUENCE_MINUTES,
    );
  return input;
}
