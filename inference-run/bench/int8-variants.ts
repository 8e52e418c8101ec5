/**
 * Why int8 PAT is not 1.8x fp32 here: the graph variants side by side, on the PAT-M stand-in, in one run.
 *
 *   fp32 fused          the served graph (com.microsoft Attention + SkipLayerNormalization)
 *   fp32 standard       the same function with standard ONNX operators (softmax, transposes as nodes)
 *   int8 weights        the int8 version the converter writes (QAttention + DynamicQuantizeMatMul)
 *   int8 attention      also Q·Kᵀ and softmax·V in integer (standard operators, per-row/per-key scales)
 *
 * For each: batch-8 throughput in alternating 1 s slices (wall clock and per CPU-second, the latter less
 * sensitive to the other work on the machine), onnxruntime's profile by operator family, and for the int8
 * variants the agreement with fp32 as the converter records it (embedding cosine over seeded and
 * real-derived weeks from the five .AWD recordings, and the largest head-probability difference).
 *
 *   npm run bench:inference -- --variants [--size m] [--sequences 1000] [--rounds 10] [--json]
 */
import { readdirSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { patArchitecture, PAT_SEQUENCE_MINUTES, type ModelManifest, type PatSize } from '@clarity/core';
import { cpuQuota, sessionOptions } from '../src/models/session.ts';
import { writeInt8Variant } from '../tools/int8.ts';
import { seededPatWeights } from '../tools/keras-layout.ts';
import { buildPatOnnx } from '../tools/pat-graph.ts';
import { writeStandin } from '../tools/standin.ts';
import { syntheticBatch } from '../tools/synthetic.ts';
import { profileOps, type OpProfile } from './machine-limit.ts';

const BATCH = 8;
const AWD_DIR = join(import.meta.dirname, '../../../shared/data/actigraphy/actiwatch_awd');

export interface VariantResult {
  name: string;
  perSec: number;
  perCpuSecond: number;
  /** Against fp32 fused, wall clock and per CPU-second, over the same slices. */
  ratio: number;
  cpuRatio: number;
  profile: OpProfile;
  agreement?: ModelManifest['agreement'];
}

export interface VariantsOptions {
  size: PatSize;
  sequences: number;
  rounds: number;
  log: (s: string) => void;
}

export async function runVariants(
  o: VariantsOptions,
): Promise<{ loadAverage: number[][]; variants: VariantResult[] }> {
  const load0 = loadavg();
  const root = join(tmpdir(), 'clarity-bench', `variants-pat-${o.size}`);
  await rm(root, { recursive: true, force: true });
  const arch = patArchitecture(o.size);
  const seed = { s: 1, m: 2, l: 3 }[o.size];
  const weights = seededPatWeights(arch, seed);
  const fp32 = join(root, 'fp32');
  await writeStandin({ size: o.size, out: fp32, seed, withHead: true });
  const standard = join(root, 'standard.onnx');
  await writeFile(standard, buildPatOnnx(weights, arch, {}, { precision: 'fp32', fused: false }));
  const recordings = readdirSync(AWD_DIR)
    .filter((f) => f.endsWith('.AWD'))
    .map((f) => join(AWD_DIR, f));
  const agreements: Record<string, ModelManifest['agreement']> = {};
  for (const [name, attention] of [
    ['int8 weights', false],
    ['int8 attention', true],
  ] as const) {
    o.log(`${name}: writing, agreement over ${o.sequences} sequences...`);
    const dir = join(root, attention ? 'int8-attention' : 'int8-weights');
    agreements[name] = (
      await writeInt8Variant(weights, fp32, dir, { attention, sequences: o.sequences, recordings })
    ).agreement;
  }
  const paths: Record<string, string> = {
    'fp32 fused': join(fp32, 'model.onnx'),
    'fp32 standard': standard,
    'int8 weights': join(root, 'int8-weights', 'model.onnx'),
    'int8 attention': join(root, 'int8-attention', 'model.onnx'),
  };
  const input = syntheticBatch(BATCH);
  const feeds = { input: new ort.Tensor('float32', input, [BATCH, PAT_SEQUENCE_MINUTES]) };
  const sessions: Record<string, ort.InferenceSession> = {};
  for (const [name, path] of Object.entries(paths)) {
    sessions[name] = await ort.InferenceSession.create(path, sessionOptions(o.size, cpuQuota(), 'cpu'));
    await sessions[name].run(feeds);
  }
  const wall: Record<string, number> = {};
  const cpu: Record<string, number> = {};
  const runs: Record<string, number> = {};
  o.log(`timing: ${o.rounds} rounds of 1 s per variant, batch ${BATCH}...`);
  for (let r = 0; r < o.rounds; r++)
    for (const [name, session] of Object.entries(sessions)) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      while (performance.now() - t0 < 1000) {
        await session.run(feeds, ['embedding']);
        runs[name] = (runs[name] ?? 0) + 1;
      }
      const c = process.cpuUsage(c0);
      wall[name] = (wall[name] ?? 0) + (performance.now() - t0) / 1000;
      cpu[name] = (cpu[name] ?? 0) + (c.user + c.system) / 1e6;
    }
  await Promise.all(Object.values(sessions).map((s) => s.release()));
  const perSec = (n: string): number => ((runs[n] ?? 0) * BATCH) / (wall[n] ?? NaN);
  const perCpu = (n: string): number => ((runs[n] ?? 0) * BATCH) / (cpu[n] ?? NaN);
  const variants: VariantResult[] = [];
  for (const [name, path] of Object.entries(paths)) {
    o.log(`${name}: profile...`);
    variants.push({
      name,
      perSec: perSec(name),
      perCpuSecond: perCpu(name),
      ratio: perSec(name) / perSec('fp32 fused'),
      cpuRatio: perCpu(name) / perCpu('fp32 fused'),
      profile: await profileOps(path, o.size, feeds, 4),
      ...(agreements[name] ? { agreement: agreements[name] } : {}),
    });
  }
  return { loadAverage: [load0, loadavg()], variants };
}

export function variantLines(r: { loadAverage: number[][]; variants: VariantResult[] }): string[] {
  const pct = (v: number): string => `${(100 * v).toFixed(1)} %`;
  const lines = [
    `load average ${r.loadAverage.map((l) => l.map((v) => v.toFixed(1)).join(' ')).join(' -> ')}`,
    '| variant | seq/s (batch 8) | vs fp32 fused | seq per CPU-s | vs fp32 fused | min cosine | head diff |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const v of r.variants)
    lines.push(
      `| ${v.name} | ${v.perSec.toFixed(1)} | ${v.ratio.toFixed(2)}x | ${v.perCpuSecond.toFixed(1)} | ${v.cpuRatio.toFixed(2)}x | ${v.agreement?.minCosine.toFixed(5) ?? '(exact)'} | ${v.agreement?.maxHeadProbabilityDiff?.toFixed(4) ?? '-'} |`,
    );
  for (const v of r.variants)
    lines.push(
      `${v.name}: ${Object.entries(v.profile.shareByFamily)
        .filter(([, s]) => s >= 0.005)
        .map(([k, s]) => `${k} ${pct(s)}`)
        .join(', ')}`,
    );
  return lines;
}
