/**
 * Operator check after converting real weights: runs the converted ONNX model in onnxruntime and the
 * independent float64 reference forward pass (pat-reference.ts, computed straight from the h5 tensors) on
 * seeded synthetic weeks and fails when any embedding or token differs by more than 1e-5. Also re-checks the
 * manifest's sha256.
 *
 *   node inference-run/tools/verify.ts --h5 PAT-M_29k_weights.h5 --model models/pat-m [--sequences 1]
 *
 * The float64 reference takes seconds for PAT-S/M and ~20 s of CPU per sequence for PAT-L.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import ort from 'onnxruntime-node';
import { modelManifestSchema, normaliseInto, PAT_EMBED_DIM, PAT_SEQUENCE_MINUTES } from '@clarity/core';
import { sha256Hex } from './convert.ts';
import { readKerasH5 } from './keras-h5.ts';
import { inferArchitecture } from './pat-graph.ts';
import { referenceForward } from './pat-reference.ts';
import { syntheticWeek } from './synthetic.ts';

export const PARITY_BOUND = 1e-5;

export interface VerifyResult {
  embeddingMaxDiff: number;
  tokenMaxDiff: number;
  ok: boolean;
}

export async function verify(h5: string, modelDir: string, sequences = 1): Promise<VerifyResult> {
  const manifest = modelManifestSchema.parse(
    JSON.parse(await readFile(join(modelDir, 'manifest.json'), 'utf8')),
  );
  const onnx = await readFile(join(modelDir, manifest.file));
  if (sha256Hex(onnx) !== manifest.sha256)
    throw new Error(`${manifest.file} does not match the manifest's sha256`);
  const weights = await readKerasH5(h5);
  const arch = inferArchitecture(weights);
  const session = await ort.InferenceSession.create(onnx);
  let embeddingMaxDiff = 0;
  let tokenMaxDiff = 0;
  for (let s = 0; s < sequences; s++) {
    const input = new Float32Array(PAT_SEQUENCE_MINUTES);
    normaliseInto(syntheticWeek(9000 + s, 61), manifest.normalisation, input);
    const out = await session.run({
      [manifest.input.name]: new ort.Tensor('float32', input, [1, PAT_SEQUENCE_MINUTES]),
    });
    const emb = out[manifest.outputs.embedding]?.data as Float32Array;
    const tok = out[manifest.outputs.tokens]?.data as Float32Array;
    const ref = referenceForward(weights, arch, input);
    for (let i = 0; i < PAT_EMBED_DIM; i++)
      embeddingMaxDiff = Math.max(embeddingMaxDiff, Math.abs((emb[i] ?? NaN) - (ref.embedding[i] ?? NaN)));
    for (let i = 0; i < ref.tokens.length; i++)
      tokenMaxDiff = Math.max(tokenMaxDiff, Math.abs((tok[i] ?? NaN) - (ref.tokens[i] ?? NaN)));
  }
  // NaN compares false, so a NaN anywhere fails the check.
  const ok = embeddingMaxDiff <= PARITY_BOUND && tokenMaxDiff <= PARITY_BOUND;
  return { embeddingMaxDiff, tokenMaxDiff, ok };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      h5: { type: 'string' },
      model: { type: 'string' },
      sequences: { type: 'string', default: '1' },
    },
  });
  if (!values.h5 || !values.model) throw new Error('usage: verify.ts --h5 FILE --model DIR [--sequences N]');
  const r = await verify(values.h5, values.model, Number(values.sequences));
  console.log(JSON.stringify({ event: 'verified', ...r, bound: PARITY_BOUND }));
  if (!r.ok) process.exit(1);
}

if (import.meta.main) {
  main().catch((e: unknown) => {
    console.error(`verify: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
