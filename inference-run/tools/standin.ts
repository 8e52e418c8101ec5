/**
 * Stand-in PAT models: seeded weights of the exact published layout, written as a Keras h5 file and
 * converted with the real converter, plus a manifest marked `trained: false`. For tests, the local demo and
 * benchmarks only; their embeddings mean nothing.
 *
 *   npm run model:standin -- --size s|m|l --out DIR [--seed N] [--with-head] [--int8]
 *
 * `--with-head` adds a seeded linear head (task "demo", NOT validated) so /v1/predict can be exercised; the
 * server refuses to serve unvalidated heads unless started with --allow-unvalidated-heads, and labels them.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  PAT_EMBED_DIM,
  patArchitecture,
  seededRandom,
  type ModelManifest,
  type PatSize,
} from '@clarity/core';
import { convertH5, sha256Hex } from './convert.ts';
import { writeKerasH5 } from './keras-h5.ts';
import { seededPatWeights } from './keras-layout.ts';
import { writeInt8Variant } from './int8.ts';
import { buildLinearHeadOnnx } from './pat-graph.ts';
import { syntheticDriftReference } from './synthetic.ts';

export const DRIFT_EDGES = [1, 10, 100, 300, 1000, 3000];

export interface StandinOptions {
  size: PatSize;
  out: string;
  seed?: number;
  withHead?: boolean;
  name?: string;
  version?: string;
  /** Also write the int8 variant into `${out}-int8` (agreement over this many sequences; default 200). */
  int8?: { sequences?: number; recordings?: string[] };
}

export async function writeStandin(options: StandinOptions): Promise<ModelManifest> {
  const seed = options.seed ?? { s: 1, m: 2, l: 3 }[options.size];
  const arch = patArchitecture(options.size);
  await mkdir(options.out, { recursive: true });
  const h5 = join(options.out, `standin-${options.size}.h5`);
  await writeKerasH5(h5, seededPatWeights(arch, seed));
  const heads: ModelManifest['heads'] = [];
  if (options.withHead) {
    const rand = seededRandom(seed + 100);
    const head = buildLinearHeadOnnx(
      Array.from({ length: PAT_EMBED_DIM }, () => (rand() * 2 - 1) * 0.2),
      0.1,
    );
    await writeFile(join(options.out, 'head-demo.onnx'), head);
    heads.push({
      task: 'demo',
      label: 'Untrained demo head (no meaning)',
      file: 'head-demo.onnx',
      sha256: sha256Hex(head),
      calibration: { method: 'platt', a: 1, b: 0 },
      validated: false,
      kind: 'binary',
    });
  }
  const manifest = await convertH5(h5, options.out, {
    name: options.name ?? `pat-${options.size}`,
    version: options.version ?? `standin-${seed}`,
    trained: false,
    heads,
    drift: syntheticDriftReference(DRIFT_EDGES),
    notes: `UNTRAINED stand-in: seeded random weights (seed ${seed}) of the exact PAT-${options.size.toUpperCase()} layout. Output is meaningless; for tests, demo and benchmarks only.`,
  });
  if (options.int8)
    await writeInt8Variant(seededPatWeights(arch, seed), options.out, `${options.out}-int8`, {
      sequences: options.int8.sequences ?? 200,
      recordings: options.int8.recordings ?? [],
    });
  return manifest;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: 's' },
      out: { type: 'string' },
      seed: { type: 'string' },
      'with-head': { type: 'boolean', default: false },
      int8: { type: 'boolean', default: false },
    },
  });
  const size = values.size;
  if (size !== 's' && size !== 'm' && size !== 'l') throw new Error('--size must be s, m or l');
  if (!values.out) throw new Error('usage: standin.ts --size s|m|l --out DIR [--seed N] [--with-head]');
  const manifest = await writeStandin({
    size,
    out: values.out,
    seed: values.seed === undefined ? undefined : Number(values.seed),
    withHead: values['with-head'],
    ...(values.int8 ? { int8: {} } : {}),
  });
  console.log(
    JSON.stringify({
      event: 'standin_written',
      name: manifest.name,
      version: manifest.version,
      sha256: manifest.sha256,
      out: values.out,
      trained: false,
    }),
  );
}

if (import.meta.main) {
  main().catch((e: unknown) => {
    console.error(`standin: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
