/**
 * PAT converter: Keras .h5 weights → ONNX (opset 17) + manifest.json.
 *
 *   node inference-run/tools/convert.ts --h5 PAT-M_29k_weights.h5 --out models/pat-m [--name pat-m]
 *        [--version 29k] [--normalisation per-sequence | stats.json] [--source URL]
 *
 * The operator's one command (several h5 files, layout check, float64 reference, int8, sha256s) is
 * tools/model-convert.ts (`npm run model:convert`).
 *
 * The size is read off the tensor shapes. `--normalisation stats.json` takes {"mean": [10080], "std": [10080]}
 * (per-minute-of-week statistics of the training population); the default is per-sequence standardisation.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { modelManifestSchema, type ModelManifest, type Normalisation } from '@clarity/core';
import { readKerasH5 } from './keras-h5.ts';
import type { PatWeights } from './keras-layout.ts';
import {
  buildPatOnnx,
  EMBEDDING_NAME,
  inferArchitecture,
  INPUT_NAME,
  TOKENS_NAME,
  type Quantisation,
} from './pat-graph.ts';

export const PAT_ATTRIBUTION =
  'PAT: Pretrained Actigraphy Transformer. Ruan F.Y., Zhang A., Oh J.Y., Jin S., Jacobson N.C. (2024), "AI Foundation Models for Wearable Movement Data in Mental Health Research", arXiv:2411.15240. Weights licensed CC BY 4.0.';
export const PAT_SOURCE = 'https://github.com/njacobsonlab/Pretrained-Actigraphy-Transformer';

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface ConvertOptions {
  name?: string;
  version?: string;
  normalisation?: Normalisation;
  trained: boolean;
  drift?: ModelManifest['drift'];
  heads?: ModelManifest['heads'];
  notes?: string;
  /** int8: the dynamically quantised graph (pat-graph.ts), manifest `precision: int8`. */
  quant?: Quantisation;
  agreement?: ModelManifest['agreement'];
}

/** Converts in-memory weights and writes `model.onnx` and `manifest.json` into `outDir`. */
export async function convertWeights(
  weights: PatWeights,
  outDir: string,
  options: ConvertOptions,
): Promise<ModelManifest> {
  const arch = inferArchitecture(weights);
  const quant = options.quant ?? { precision: 'fp32' };
  const onnx = buildPatOnnx(weights, arch, {}, quant);
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, 'model.onnx'), onnx);
  const manifest = modelManifestSchema.parse({
    schemaVersion: 1,
    name: options.name ?? `pat-${arch.size}`,
    version: options.version ?? '29k',
    family: 'pat',
    architecture: {
      size: arch.size,
      patchSize: arch.patchSize,
      layers: arch.layers,
      heads: arch.heads,
      embedDim: arch.embedDim,
      ffDim: arch.ffDim,
      headDim: arch.headDim,
    },
    file: 'model.onnx',
    sha256: sha256Hex(onnx),
    input: {
      name: INPUT_NAME,
      minutes: 10_080,
      epochSeconds: 60,
      quantity: 'activity_counts',
      min: 0,
      max: 32_767,
    },
    normalisation: options.normalisation ?? { kind: 'per-sequence', minStd: 1e-6 },
    outputs: { embedding: EMBEDDING_NAME, tokens: TOKENS_NAME },
    heads: options.heads ?? [],
    drift: options.drift,
    precision: quant.precision,
    ...(quant.precision === 'int8'
      ? {
          quantisation: {
            weights: 'int8 per output channel, symmetric',
            activations: 'uint8 per tensor, dynamic',
            attentionProducts: quant.attention ?? false,
          },
        }
      : {}),
    ...(options.agreement ? { agreement: options.agreement } : {}),
    trained: options.trained,
    licence: { spdx: 'CC-BY-4.0', attribution: PAT_ATTRIBUTION, source: PAT_SOURCE },
    notes: options.notes,
  });
  await writeFile(join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
  return manifest;
}

export async function convertH5(
  h5Path: string,
  outDir: string,
  options: ConvertOptions,
): Promise<ModelManifest> {
  return convertWeights(await readKerasH5(h5Path), outDir, options);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      h5: { type: 'string' },
      out: { type: 'string' },
      name: { type: 'string' },
      version: { type: 'string' },
      normalisation: { type: 'string' },
    },
  });
  if (!values.h5 || !values.out)
    throw new Error(
      'usage: convert.ts --h5 FILE --out DIR [--name N] [--version V] [--normalisation per-sequence|stats.json]',
    );
  let normalisation: Normalisation | undefined;
  if (values.normalisation && values.normalisation !== 'per-sequence') {
    const stats = JSON.parse(await readFile(values.normalisation, 'utf8')) as {
      mean: number[];
      std: number[];
    };
    normalisation = { kind: 'per-minute-of-week', mean: stats.mean, std: stats.std };
  }
  const manifest = await convertH5(values.h5, values.out, {
    name: values.name,
    version: values.version,
    normalisation,
    trained: true,
  });
  console.log(
    JSON.stringify({
      event: 'converted',
      name: manifest.name,
      version: manifest.version,
      size: manifest.architecture.size,
      sha256: manifest.sha256,
      out: values.out,
    }),
  );
}

if (import.meta.main) {
  main().catch((e: unknown) => {
    console.error(`convert: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
