import { describe, expect, it } from 'vitest';
import { ClarityError } from '@clarity/core';
import { MicroBatcher, type MicroBatcherOptions } from '../../src/batching/micro-batcher.ts';
import { DriftMonitor } from '../../src/models/drift.ts';

function doubler(sizes: number[], delayMs = 5): MicroBatcherOptions<number, number> {
  return {
    maxBatch: 4,
    maxWaitMs: 5,
    maxQueue: 10,
    run: async (xs: number[]) => {
      await new Promise((r) => setTimeout(r, delayMs));
      return xs.map((x) => x * 2);
    },
    onBatch: (s) => sizes.push(s.size),
  };
}

describe('MicroBatcher', () => {
  it('merges items submitted together, never above maxBatch, preserving order per item', async () => {
    const sizes: number[] = [];
    const b = new MicroBatcher<number, number>(doubler(sizes));
    const results = await Promise.all([
      ...b.submitAll([1, 2, 3], Infinity),
      ...b.submitAll([4, 5, 6], Infinity),
      ...b.submitAll([7], Infinity),
    ]);
    expect(results).toEqual([2, 4, 6, 8, 10, 12, 14]);
    expect(sizes).toEqual([4, 3]);
  });

  it('starts at once when nothing else is arriving, without waiting maxWaitMs', async () => {
    const sizes: number[] = [];
    const b = new MicroBatcher<number, number>({ ...doubler(sizes), maxWaitMs: 60_000, arriving: () => 0 });
    // With a one-minute wait and nobody arriving, only an immediate dispatch finishes within the test timeout.
    expect(await Promise.all(b.submitAll([1], Infinity))).toEqual([2]);
    expect(sizes).toEqual([1]);
  });

  it('waits for a request still being read, then batches it with the queued one when it arrives', async () => {
    const sizes: number[] = [];
    let arriving = 1;
    const b = new MicroBatcher<number, number>({
      ...doubler(sizes),
      maxWaitMs: 60_000,
      arriving: () => arriving,
    });
    const first = b.submitAll([1], Infinity);
    await new Promise((r) => setTimeout(r, 20));
    expect(sizes).toEqual([]); // still waiting for the other request
    arriving = 0;
    const second = b.submitAll([2], Infinity);
    expect(await Promise.all([...first, ...second])).toEqual([2, 4]);
    expect(sizes).toEqual([2]);
  });

  it('after a batch of concurrent requests, a lone arrival still waits maxWaitMs for its peers', async () => {
    const sizes: number[] = [];
    const b = new MicroBatcher<number, number>({ ...doubler(sizes), maxWaitMs: 60_000, arriving: () => 0 });
    await Promise.all([...b.submitAll([1, 2], Infinity)]);
    const late = b.submitAll([3], Infinity);
    await new Promise((r) => setTimeout(r, 20));
    expect(sizes).toEqual([2]); // not dispatched alone: the previous batch had two items
    const peers = b.submitAll([4, 5, 6], Infinity); // fills maxBatch (4): starts at once
    expect(await Promise.all([...late, ...peers])).toEqual([6, 8, 10, 12]);
    expect(sizes).toEqual([2, 4]);
  });

  it('stops waiting when the awaited request is rejected before queueing (poke)', async () => {
    const sizes: number[] = [];
    let arriving = 1;
    const b = new MicroBatcher<number, number>({
      ...doubler(sizes),
      maxWaitMs: 60_000,
      arriving: () => arriving,
    });
    const first = b.submitAll([1], Infinity);
    arriving = 0;
    b.poke();
    expect(await Promise.all(first)).toEqual([2]);
    expect(sizes).toEqual([1]);
  });

  it('refuses a submission that would overflow the queue, admitting none of it', async () => {
    const b = new MicroBatcher<number, number>({ ...doubler([]), maxQueue: 3 });
    const first = b.submitAll([1, 2], Infinity);
    expect(() => b.submitAll([3, 4], Infinity)).toThrow(ClarityError);
    expect(b.depth).toBe(2);
    expect(await Promise.all(first)).toEqual([2, 4]);
  });

  it('drops items whose deadline passed while queued', async () => {
    const b = new MicroBatcher<number, number>({ ...doubler([], 20), maxBatch: 1, maxWaitMs: 0 });
    const deadline = performance.now() + 10;
    const [a, c] = b.submitAll([1, 2], deadline);
    expect(await a).toBe(2);
    await expect(c).rejects.toMatchObject({ code: 'deadline_exceeded' });
  });

  it('drains: finishes queued work, then refuses new work', async () => {
    const b = new MicroBatcher<number, number>(doubler([]));
    const ps = b.submitAll([1, 2, 3, 4, 5], Infinity);
    await b.drain();
    expect(await Promise.all(ps)).toEqual([2, 4, 6, 8, 10]);
    expect(() => b.submitAll([1], Infinity)).toThrow(/shutting down/);
  });

  it('passes a failing run to every item of that batch', async () => {
    const b = new MicroBatcher<number, number>({
      maxBatch: 2,
      maxWaitMs: 0,
      maxQueue: 4,
      run: () => Promise.reject(new Error('boom')),
    });
    const ps = b.submitAll([1, 2], Infinity);
    for (const p of ps) await expect(p).rejects.toThrow('boom');
  });
});

describe('DriftMonitor', () => {
  const reference = { mean: 5, std: 2, edges: [2, 4, 6, 8], fractions: [0.1, 0.2, 0.4, 0.2, 0.1] };
  it('gives PSI near 0 for input distributed like the reference and large for shifted input', () => {
    const same = new DriftMonitor(reference);
    same.observe([
      ...Array<number>(10).fill(1),
      ...Array<number>(20).fill(3),
      ...Array<number>(40).fill(5),
      ...Array<number>(20).fill(7),
      ...Array<number>(10).fill(9),
      null,
    ]);
    expect(same.stats().psi).toBeCloseTo(0, 10);
    expect(same.stats().count).toBe(100);
    expect(same.stats().mean).toBeCloseTo(5, 10);
    const shifted = new DriftMonitor(reference);
    shifted.observe(Array<number>(100).fill(9));
    expect(shifted.stats().psi).toBeGreaterThan(1);
    expect(shifted.stats().std).toBe(0);
  });

  it('merges sequences into the same mean, std and PSI as one pass over all values', () => {
    let seed = 7;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 10;
    const seqs = [40, 1, 300, 17].map((n) =>
      Array.from({ length: n }, (_, i) => (i % 9 === 0 ? null : rand())),
    );
    const merged = new DriftMonitor(reference);
    for (const s of seqs) merged.observe(s);
    const all = seqs.flat().filter((v): v is number => v !== null);
    const mean = all.reduce((a, b) => a + b, 0) / all.length;
    const std = Math.sqrt(all.reduce((a, b) => a + (b - mean) ** 2, 0) / all.length);
    const counts = [0, 0, 0, 0, 0];
    for (const v of all) counts[reference.edges.filter((e) => v >= e).length]! += 1;
    const psi = counts.reduce((acc, c, i) => {
      const a = Math.max(c / all.length, 1e-4);
      const e = Math.max(reference.fractions[i] ?? 0, 1e-4);
      return acc + (a - e) * Math.log(a / e);
    }, 0);
    const got = merged.stats();
    expect(got.count).toBe(all.length);
    expect(got.mean).toBeCloseTo(mean, 12);
    expect(got.std).toBeCloseTo(std, 12);
    expect(got.psi).toBeCloseTo(psi, 12);
  });
});
