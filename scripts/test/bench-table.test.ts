// `npm run bench` turns each benchmark's JSON into ratio rows; these shapes are the ones the benchmarks print.
import { describe, expect, it } from 'vitest';
import { ratios, table } from '../bench.ts';

describe('npm run bench: ratio rows', () => {
  it('judges analytics by its speed-up over pyActigraphy', () => {
    const [row] = ratios('analytics', { workloadA: { speedup: 12.5 } });
    expect(row).toMatchObject({ value: 12.5, met: true, target: '>= 10x' });
    expect(ratios('analytics', { workloadA: { speedup: 9.9 } })[0]?.met).toBe(false);
  });

  it('divides import throughput by the baseline measured in the same run, judged from 100 MB', () => {
    const rows = ratios('import', {
      rows: [
        { sizeMB: 20, tool: 'baseline', mbPerCpuSecond: 50, peakRssMB: 20 },
        { sizeMB: 20, tool: 'fast', mbPerCpuSecond: 200, peakRssMB: 80 },
        { sizeMB: 20, tool: 'import', mbPerCpuSecond: 60, peakRssMB: 90 },
        { sizeMB: 1000, tool: 'baseline', mbPerCpuSecond: 40, peakRssMB: 20 },
        { sizeMB: 1000, tool: 'fast', mbPerCpuSecond: 100, peakRssMB: 300 },
      ],
    });
    expect(rows.map((r) => [r.measure, r.value, r.met])).toEqual([
      ['parser vs iterparse, per CPU-second, 20 MB', 4, undefined],
      ['full import vs iterparse, per CPU-second, 20 MB', 1.2, undefined],
      ['parser vs iterparse, per CPU-second, 1000 MB', 2.5, false],
      ['fast peak RSS at 1000 MB', 300, false],
    ]);
  });

  it('reports the server/raw ratio per model, and the GEMM fraction when the benchmark measured it', () => {
    const rows = ratios('inference', {
      models: [
        { name: 'PAT-S', ratio: 0.95 },
        { name: 'PAT-M', ratio: 0.85, fractionOfGemm: 0.92 },
      ],
    });
    expect(rows.map((r) => [r.measure, r.met])).toEqual([
      ['PAT-S: server / raw loop throughput at saturation', true],
      ['PAT-M: server / raw loop throughput at saturation', false],
      ['PAT-M: raw loop GFLOP/s / measured GEMM GFLOP/s', true],
    ]);
  });

  it('judges the pipeline p50 against the 3 s limit', () => {
    const [row] = ratios('pipeline', { p50Ms: 1500, batch: 'day', runs: 5 });
    expect(row?.value).toBeCloseTo(0.5);
    expect(row?.met).toBe(true);
  });

  it('prints a missing value as n/a, never as a number', () => {
    const text = table(ratios('analytics', {}));
    expect(text).toContain('n/a');
    expect(text).toContain('NOT met');
    expect(text.split('\n')).toHaveLength(3);
  });
});
