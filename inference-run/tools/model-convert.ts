/**
 * The operator's one command for real PAT weights (downloads nothing: it takes the .h5 files):
 *
 *   npm run model:convert -- --h5 PAT-S_29k_weights.h5 [--h5 PAT-M_29k_weights.h5 ...] --out models
 *        [--version 29k] [--normalisation stats.json] [--reference-sequences 2]
 *        [--int8 [--int8-attention] [--agreement-data FILE ...] [--agreement-sequences 1000]]
 *
 * For each file:
 * 1. sha256 of the h5 (recorded, so the release names exactly which download it converted);
 * 2. layout check against the published architecture: every tensor of the Keras layout present with its
 *    shape, and patch size / depth / heads equal to PAT-S, -M or -L (anything else is refused, named);
 * 3. conversion to `<out>/pat-<size>/` (model.onnx + manifest.json, `trained: true`);
 * 4. the float64 reference forward pass straight from the h5 tensors (tools/pat-reference.ts) against
 *    onnxruntime on seeded weeks: refused above 1e-5 on any embedding or token value;
 * 5. optionally the int8 version (`<out>/pat-<size>-int8/`) with its measured agreement (tools/int8.ts);
 * 6. `<out>/SHA256SUMS` (sha256sum format): every h5 and every file written.
 * Exit 1 when any check fails; the folders are then not fit to publish.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { ClarityError, type Normalisation } from '@clarity/core';
import { convertWeights } from './convert.ts';
import { writeInt8Variant } from './int8.ts';
import { readKerasH5 } from './keras-h5.ts';
import { inferArchitecture } from './pat-graph.ts';
import { verify } from './verify.ts';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

export interface ModelConvertOptions {
  out: string;
  version?: string;
  normalisation?: Normalisation;
  referenceSequences?: number;
  int8?: { attention: boolean; sequences: number; recordings: string[] };
}

export interface ConvertedModel {
  h5: string;
  h5Sha256: string;
  size: string;
  dir: string;
  reference: { embeddingMaxDiff: number; tokenMaxDiff: number; ok: boolean };
  int8?: { dir: string; passed: boolean; minCosine: number; maxHeadProbabilityDiff: number | null };
}

export async function modelConvert(files: string[], options: ModelConvertOptions): Promise<ConvertedModel[]> {
  const done: ConvertedModel[] = [];
  const sums: string[] = [];
  for (const h5 of files) {
    const h5Sha256 = sha(await readFile(h5));
    sums.push(`${h5Sha256}  ${basename(h5)}`);
    const weights = await readKerasH5(h5);
    let arch;
    try {
      arch = inferArchitecture(weights);
    } catch (e) {
      throw new ClarityError(
        'invalid_input',
        `${basename(h5)}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    if (!arch.known)
      throw new ClarityError(
        'invalid_input',
        `${basename(h5)}: patch ${arch.patchSize}, ${arch.layers} layers, ${arch.heads} heads is not PAT-S, -M or -L`,
      );
    const name = `pat-${arch.size}`;
    const dir = join(options.out, name);
    await convertWeights(weights, dir, {
      name,
      version: options.version ?? '29k',
      trained: true,
      ...(options.normalisation ? { normalisation: options.normalisation } : {}),
      notes: `Converted from ${basename(h5)} (sha256 ${h5Sha256}) by model:convert.`,
    });
    const reference = await verify(h5, dir, options.referenceSequences ?? 2);
    const entry: ConvertedModel = { h5, h5Sha256, size: arch.size, dir, reference };
    if (options.int8) {
      const m = await writeInt8Variant(weights, dir, `${dir}-int8`, options.int8);
      entry.int8 = {
        dir: `${dir}-int8`,
        passed: m.agreement?.passed ?? false,
        minCosine: m.agreement?.minCosine ?? Number.NaN,
        maxHeadProbabilityDiff: m.agreement?.maxHeadProbabilityDiff ?? null,
      };
    }
    for (const d of [dir, ...(entry.int8 ? [entry.int8.dir] : [])])
      for (const f of (await readdir(d)).sort())
        sums.push(`${sha(await readFile(join(d, f)))}  ${basename(d)}/${f}`);
    done.push(entry);
  }
  await writeFile(join(options.out, 'SHA256SUMS'), `${sums.join('\n')}\n`);
  return done;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      h5: { type: 'string', multiple: true },
      out: { type: 'string' },
      version: { type: 'string' },
      normalisation: { type: 'string' },
      'reference-sequences': { type: 'string', default: '2' },
      int8: { type: 'boolean', default: false },
      'int8-attention': { type: 'boolean', default: false },
      'agreement-data': { type: 'string', multiple: true },
      'agreement-sequences': { type: 'string', default: '1000' },
    },
  });
  const files = [...(values.h5 ?? []), ...positionals];
  if (files.length === 0 || !values.out)
    throw new ClarityError(
      'invalid_input',
      'usage: model:convert -- --h5 FILE [--h5 FILE ...] --out DIR (see the file header)',
    );
  let normalisation: Normalisation | undefined;
  if (values.normalisation) {
    const stats = JSON.parse(await readFile(values.normalisation, 'utf8')) as {
      mean: number[];
      std: number[];
    };
    normalisation = { kind: 'per-minute-of-week', mean: stats.mean, std: stats.std };
  }
  const results = await modelConvert(files, {
    out: values.out,
    ...(values.version ? { version: values.version } : {}),
    ...(normalisation ? { normalisation } : {}),
    referenceSequences: Number(values['reference-sequences']),
    ...(values.int8
      ? {
          int8: {
            attention: values['int8-attention'],
            sequences: Number(values['agreement-sequences']),
            recordings: values['agreement-data'] ?? [],
          },
        }
      : {}),
  });
  for (const r of results) console.log(JSON.stringify({ event: 'model_converted', ...r }));
  if (results.some((r) => !r.reference.ok || (r.int8 && !r.int8.passed))) process.exitCode = 1;
}

if (import.meta.main) {
  main().catch((e: unknown) => {
    console.error(`model:convert: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
