/**
 * Analytics benchmark: `npm run bench:analytics` (add `-- --json` for one JSON object).
 *
 * Workload A (the pyActigraphy comparison): for each of the five real Actiwatch recordings
 * (../shared/data/actigraphy/actiwatch_awd/example_0{1..5}.AWD), in process: read the file, compute IS, IV,
 * L5, M10, RA (circadianMetrics, which also fits the cosinor), and score Cole-Kripke, Sadeh and Scripps.
 * pyActigraphy does the same five recordings in 1.44 s on this machine; the target is >= 10x faster
 * (<= 144 ms for all five).
 * Workload B: the full `clarity summary` (read, Choi non-wear, four scorers, Tudor-Locke, midpoint, SRI,
 * circadian, activity, JSON) on a seeded, generated 90-day minute recording written as an AWD file.
 *
 * Each workload is warmed up, then timed RUNS times; the median is reported.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { circadianMetrics } from '../src/analytics/circadian/index.ts';
import { coleKripke, sadeh, scripps } from '../src/analytics/sleep/scoring.ts';
import { summariseActigraphy } from '../src/cli/commands/summary.ts';
import { toJson } from '../src/cli/format.ts';
import { readAwdFile } from '../src/readers/awd.ts';
import { loadDeviceFile } from '../src/readers/load.ts';
import { seededRandom } from '../src/util/seeded-random.ts';

const PY_ACTIGRAPHY_SECONDS = 1.44;
const WARMUP = 5;
const RUNS = 21;
const json = process.argv.includes('--json');

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const dataRoot = process.env.CLARITY_SHARED_DATA ?? path.resolve(repoRoot, '../shared/data');
const files = [1, 2, 3, 4, 5].map((i) =>
  path.join(dataRoot, 'actigraphy', 'actiwatch_awd', `example_0${i}.AWD`),
);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Read + IS/IV/L5/M10/RA + CK/Sadeh/Scripps of one recording; returns its epoch count. */
async function recordingWorkload(file: string): Promise<number> {
  const { series } = await readAwdFile(file);
  const c = circadianMetrics(series);
  const a = coleKripke(series);
  const b = sadeh(series);
  const d = scripps(series);
  // Keep the results observable so nothing is optimised away.
  if (
    !Number.isFinite(c.IS + c.IV + c.L5 + c.M10 + c.RA) ||
    a.sleep.length + b.sleep.length + d.sleep.length === 0
  )
    throw new Error('bad result');
  return series.values.length;
}

/** 90 days of minute counts: active days, quiet nights with a few movements, two off-wrist days. */
function generatedAwd(days: number, seed: number): string {
  const r = seededRandom(seed);
  const lines = ['synthetic', '01-Mar-2021', '08:00', ' 4 ', '40', 'SYN0001', 'X'];
  for (let i = 0; i < days * 1440; i++) {
    const minuteOfDay = (480 + i) % 1440;
    const day = Math.floor(i / 1440);
    let c: number;
    if (day === 30 || day === 61) c = 0;
    else if (minuteOfDay >= 1380 || minuteOfDay < 420) c = r() < 0.06 ? Math.floor(r() * 80) : 0;
    else c = Math.floor(-Math.log(1 - r()) * (150 + 250 * Math.sin((Math.PI * (minuteOfDay - 420)) / 960)));
    lines.push(String(c));
  }
  return lines.join('\r\n') + '\r\n';
}

async function main(): Promise<void> {
  // Workload A
  for (let w = 0; w < WARMUP; w++) for (const f of files) await recordingWorkload(f);
  const perFile: number[][] = files.map(() => []);
  const totals: number[] = [];
  const epochs: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const t0 = performance.now();
    for (let k = 0; k < files.length; k++) {
      const t = performance.now();
      epochs[k] = await recordingWorkload(files[k]!);
      perFile[k]!.push(performance.now() - t);
    }
    totals.push(performance.now() - t0);
  }
  const totalMs = median(totals);
  const totalEpochs = epochs.reduce((a, b) => a + b, 0);
  const recordings = files.map((f, k) => {
    const ms = median(perFile[k]!);
    return { file: path.basename(f), epochs: epochs[k]!, ms, epochsPerSecond: (epochs[k]! / ms) * 1000 };
  });

  // Workload B
  const dir = mkdtempSync(path.join(tmpdir(), 'clarity-bench-'));
  const big = path.join(dir, 'generated-90d.AWD');
  writeFileSync(big, generatedAwd(90, 20240601));
  const summaryOnce = async () => {
    const loaded = await loadDeviceFile(big);
    if (loaded.kind !== 'epochs') throw new Error('expected epochs');
    const s = summariseActigraphy('generated-90d.AWD', loaded.format, loaded.series);
    return { epochs: loaded.series.values.length, bytes: toJson(s).length };
  };
  for (let w = 0; w < 3; w++) await summaryOnce();
  const sumTimes: number[] = [];
  let bigEpochs = 0;
  for (let run = 0; run < 9; run++) {
    const t = performance.now();
    bigEpochs = (await summaryOnce()).epochs;
    sumTimes.push(performance.now() - t);
  }
  rmSync(dir, { recursive: true, force: true });
  const summaryMs = median(sumTimes);

  const result = {
    node: process.version,
    runs: RUNS,
    warmup: WARMUP,
    workloadA: {
      description:
        'read AWD + IS, IV, L5, M10, RA (circadianMetrics, with cosinor) + Cole-Kripke, Sadeh, Scripps',
      recordings,
      totalMs,
      totalEpochs,
      epochsPerSecond: (totalEpochs / totalMs) * 1000,
      pyActigraphySeconds: PY_ACTIGRAPHY_SECONDS,
      speedup: (PY_ACTIGRAPHY_SECONDS * 1000) / totalMs,
      targetMs: (PY_ACTIGRAPHY_SECONDS * 1000) / 10,
      meetsTarget: totalMs <= (PY_ACTIGRAPHY_SECONDS * 1000) / 10,
    },
    workloadB: {
      description: 'clarity summary (full) on a seeded 90-day 1-min AWD',
      epochs: bigEpochs,
      ms: summaryMs,
      epochsPerSecond: (bigEpochs / summaryMs) * 1000,
    },
  };
  if (json) {
    process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  const f1 = (x: number) => x.toFixed(1);
  const rate = (x: number) => `${(x / 1e6).toFixed(2)} M`;
  const out = [
    `Analytics benchmark (node ${process.version}; median of ${RUNS} runs after ${WARMUP} warm-up)`,
    '',
    '| Recording | Epochs | ms (read + IS/IV/L5/M10/RA + CK/Sadeh/Scripps) | Epochs/s |',
    '|---|---:|---:|---:|',
    ...recordings.map((r) => `| ${r.file} | ${r.epochs} | ${f1(r.ms)} | ${rate(r.epochsPerSecond)} |`),
    `| **All five** | ${totalEpochs} | **${f1(totalMs)}** | ${rate(result.workloadA.epochsPerSecond)} |`,
    '',
    `pyActigraphy, same work: ${PY_ACTIGRAPHY_SECONDS * 1000} ms -> ${result.workloadA.speedup.toFixed(1)}x faster (target >= 10x, <= ${result.workloadA.targetMs.toFixed(0)} ms: ${result.workloadA.meetsTarget ? 'met' : 'NOT met'})`,
    '',
    '| Full summary | Epochs | ms | Epochs/s |',
    '|---|---:|---:|---:|',
    `| generated 90-day minute AWD (seed 20240601) | ${bigEpochs} | ${f1(summaryMs)} | ${rate(result.workloadB.epochsPerSecond)} |`,
    '',
  ];
  process.stdout.write(out.join('\n'));
}

await main();
