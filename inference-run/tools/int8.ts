/**
 * The int8 variant of a converted model: the same weights through the dynamically quantised graph
 * (pat-graph.ts `Quantisation`), written as a separate model version (`<version>-int8`, manifest
 * `precision: int8`, heads and drift reference copied), with its agreement with the fp32 version measured
 * and recorded in the manifest: embedding cosine on seeded synthetic weeks and on weeks derived from real
 * recordings (each real week rolled by a seeded offset and scaled by a seeded factor in [0.5, 2]), and the
 * largest difference of any head's calibrated class probability.
 */
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { PAT_EMBED_DIM, PAT_SEQUENCE_MINUTES, seededRandom, type ModelManifest } from '@clarity/core';
import { convertWeights } from './convert.ts';
import type { PatWeights } from './keras-layout.ts';
import { recordingMinutes } from './recordings.ts';
import { weeksOf } from './reference.ts';
import { syntheticWeek } from './synthetic.ts';
import { embedWeeks, loadManifest } from './train-head.ts';

export const MIN_COSINE = 0.999;
export const MAX_HEAD_DIFF = 0.01;

export interface Int8Options {
  attention?: boolean;
  sequences?: number;
  /** Recordings to derive real weeks from (any importer format); without them every sequence is seeded. */
  recordings?: string[];
}

/** `n` sequences: half derived from the recordings' weeks (when there are any), the rest seeded synthetic. */
export async function agreementSequences(
  n: number,
  recordings: string[],
): Promise<{ weeks: (number | null)[][]; real: number }> {
  const real: Float64Array[] = [];
  for (const f of recordings) real.push(...weeksOf(await recordingMinutes(f)));
  const rand = seededRandom(4242);
  const nReal = real.length > 0 ? Math.floor(n / 2) : 0;
  const weeks: (number | null)[][] = [];
  for (let i = 0; i < nReal; i++) {
    const src = real[i % real.length] as Float64Array;
    const shift = Math.floor(rand() * PAT_SEQUENCE_MINUTES);
    const factor = 0.5 + rand() * 1.5;
    weeks.push(
      Array.from({ length: PAT_SEQUENCE_MINUTES }, (_, j) => {
        const v = src[(j + shift) % PAT_SEQUENCE_MINUTES] ?? Number.NaN;
        return Number.isNaN(v) ? null : Math.min(32_767, Math.round(v * factor));
      }),
    );
  }
  for (let i = nReal; i < n; i++) weeks.push(syntheticWeek(70_000 + i, i % 3 === 0 ? 97 : 0, (i * 53) % 240));
  return { weeks, real: nReal };
}

function cosine(a: Float64Array, b: Float64Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < PAT_EMBED_DIM; i++) {
    ab += (a[i] ?? 0) * (b[i] ?? 0);
    aa += (a[i] ?? 0) ** 2;
    bb += (b[i] ?? 0) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

/** Calibrated class probabilities of every row of a head (binary → [1 − p, p]). */
async function headProbabilities(
  dir: string,
  head: ModelManifest['heads'][number],
  emb: Float64Array[],
): Promise<number[][]> {
  const session = await ort.InferenceSession.create(await readFile(join(dir, head.file)));
  const input = new Float32Array(emb.length * PAT_EMBED_DIM);
  emb.forEach((e, i) => input.set(e, i * PAT_EMBED_DIM));
  const out = await session.run({
    [session.inputNames[0] ?? 'embedding']: new ort.Tensor('float32', input, [emb.length, PAT_EMBED_DIM]),
  });
  await session.release();
  const logits = out[session.outputNames[0] ?? 'logit']?.data as Float32Array;
  const k = logits.length / emb.length;
  return emb.map((_, i) => {
    const z = Array.from(logits.subarray(i * k, (i + 1) * k));
    if (k === 1) {
      const c = head.calibration;
      const p = 1 / (1 + Math.exp(-(c.method === 'platt' ? c.a * (z[0] ?? 0) + c.b : (z[0] ?? 0))));
      return [1 - p, p];
    }
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  });
}

/** Writes `outDir` (the int8 version of the fp32 model in `fp32Dir`, same weights) with its agreement. */
export async function writeInt8Variant(
  weights: PatWeights,
  fp32Dir: string,
  outDir: string,
  options: Int8Options = {},
): Promise<ModelManifest> {
  const fp32 = await loadManifest(fp32Dir);
  // Weights only by default, on the fused graph (QAttention + DynamicQuantizeMatMul). The attention products
  // can be quantised too (`attention`, standard operators, per-row/per-key scales): see the README's
  // inference section for why that variant is not the default (its glue costs more than its integer
  // products save; bench/int8-variants.ts measures it).
  const attention = options.attention ?? false;
  const quant = { precision: 'int8' as const, attention, fused: !attention };
  const common = {
    name: fp32.name,
    version: `${fp32.version}-int8`,
    normalisation: fp32.normalisation,
    trained: fp32.trained,
    heads: fp32.heads,
    ...(fp32.drift ? { drift: fp32.drift } : {}),
    notes: `int8 (dynamic quantisation) of ${fp32.name}@${fp32.version}. ${fp32.notes ?? ''}`.trim(),
    quant,
  };
  await convertWeights(weights, outDir, common);
  for (const h of fp32.heads) await copyFile(join(fp32Dir, h.file), join(outDir, h.file));
  const { weeks, real } = await agreementSequences(options.sequences ?? 1000, options.recordings ?? []);
  const [a, b] = [await embedWeeks(fp32Dir, weeks), await embedWeeks(outDir, weeks)];
  const cos = a.map((e, i) => cosine(e, b[i] as Float64Array));
  let maxDiff: number | null = null;
  for (const h of fp32.heads) {
    const [pa, pb] = [await headProbabilities(fp32Dir, h, a), await headProbabilities(fp32Dir, h, b)];
    pa.forEach((row, i) =>
      row.forEach((p, k) => (maxDiff = Math.max(maxDiff ?? 0, Math.abs(p - (pb[i]?.[k] ?? Number.NaN))))),
    );
  }
  const minCosine = Math.min(...cos);
  const agreement = {
    reference: `${fp32.name}@${fp32.version}`,
    sequences: weeks.length,
    seeded: weeks.length - real,
    realDerived: real,
    minCosine,
    meanCosine: cos.reduce((x, y) => x + y, 0) / cos.length,
    maxHeadProbabilityDiff: maxDiff,
    passed: minCosine >= MIN_COSINE && (maxDiff === null || maxDiff <= MAX_HEAD_DIFF),
  };
  return convertWeights(weights, outDir, { ...common, agreement });
}
