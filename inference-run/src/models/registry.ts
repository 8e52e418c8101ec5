/**
 * Model registry: finds manifests, verifies every checksum before anything serves, opens one onnxruntime
 * session per model (plus one per head), warms them up, and keeps several models and versions side by side,
 * addressed as `name` (newest loaded version) or `name@version`.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import {
  ClarityError,
  modelManifestSchema,
  normaliseInto,
  PAT_EMBED_DIM,
  PAT_SEQUENCE_MINUTES,
  type ModelHead,
  type ModelManifest,
} from '@clarity/core';
import { MicroBatcher, type BatchStats } from '../batching/micro-batcher.ts';
import { DriftMonitor, type DriftEvent } from './drift.ts';
import { Encoder } from './encoder.ts';
import type { ProviderChoice } from './session.ts';

export interface EmbedItem {
  /** Normalised input, 10 080 float32 values. */
  input: Float32Array;
  wantTokens: boolean;
}

export interface EmbedOutput {
  embedding: Float32Array;
  tokens?: Float32Array;
}

export interface LoadedHead {
  head: ModelHead;
  session: ort.InferenceSession;
}

export interface LoadedModel {
  key: string;
  manifest: ModelManifest;
  provider: 'cpu' | 'cuda';
  encoder: Encoder;
  heads: LoadedHead[];
  drift: DriftMonitor;
  batcher: MicroBatcher<EmbedItem, EmbedOutput>;
}

export interface RegistryOptions {
  maxBatch: number;
  maxWaitMs: number;
  maxQueue: number;
  threads: number;
  provider: ProviderChoice;
  onBatch?: (model: LoadedModel, stats: BatchStats) => void;
  onQueueDepth?: (model: LoadedModel, depth: number) => void;
  /** The model's input PSI went above its reference's threshold (once per crossing). */
  onDrift?: (model: LoadedModel, event: DriftEvent) => void;
  /** Requests being received or parsed by the server (see MicroBatcher's dispatch policy). */
  arriving?: () => number;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function readVerified(dir: string, file: string, expected: string, what: string): Promise<Uint8Array> {
  const bytes = await readFile(join(dir, file));
  const actual = sha256(bytes);
  if (actual !== expected) {
    throw new ClarityError(
      'internal',
      `checksum mismatch for ${what} (${file}): manifest says ${expected.slice(0, 12)}…, file is ${actual.slice(0, 12)}…; refusing to serve`,
    );
  }
  return bytes;
}

/** Folders holding a manifest.json: `root` itself, or its direct subfolders. */
export async function findModelDirs(root: string): Promise<string[]> {
  if (existsSync(join(root, 'manifest.json'))) return [root];
  const entries = await readdir(root, { withFileTypes: true });
  const dirs = entries
    .filter((e) => e.isDirectory() && existsSync(join(root, e.name, 'manifest.json')))
    .map((e) => join(root, e.name));
  if (dirs.length === 0) throw new ClarityError('not_found', `no manifest.json in ${root} or its subfolders`);
  return dirs.sort();
}

export class ModelRegistry {
  private readonly models = new Map<string, LoadedModel>();
  private readonly options: RegistryOptions;
  private defaultKey: string | undefined;

  constructor(options: RegistryOptions) {
    this.options = options;
  }

  /** Loads every model under `root`; throws (and loads nothing further) on the first bad manifest or checksum. */
  async loadAll(root: string): Promise<LoadedModel[]> {
    const loaded: LoadedModel[] = [];
    for (const dir of await findModelDirs(root)) loaded.push(await this.load(dir));
    return loaded;
  }

  async load(dir: string): Promise<LoadedModel> {
    const raw: unknown = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    const parsed = modelManifestSchema.safeParse(raw);
    if (!parsed.success)
      throw new ClarityError(
        'invalid_input',
        `manifest ${join(dir, 'manifest.json')} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    const manifest = parsed.data;
    const key = `${manifest.name}@${manifest.version}`;
    if (this.models.has(key)) throw new ClarityError('conflict', `model ${key} is loaded twice`);
    const bytes = await readVerified(dir, manifest.file, manifest.sha256, `model ${key}`);
    const heads: LoadedHead[] = [];
    for (const head of manifest.heads) {
      const headBytes = await readVerified(dir, head.file, head.sha256, `head ${head.task} of ${key}`);
      heads.push({
        head,
        session: await ort.InferenceSession.create(headBytes, {
          graphOptimizationLevel: 'all',
          intraOpNumThreads: 1,
        }),
      });
    }
    const encoder = await Encoder.open({
      bytes,
      size: manifest.architecture.size,
      threads: this.options.threads,
      provider: this.options.provider,
      inputName: manifest.input.name,
      embeddingName: manifest.outputs.embedding,
      tokensName: manifest.outputs.tokens,
      minutes: PAT_SEQUENCE_MINUTES,
    });
    const model: LoadedModel = {
      key,
      manifest,
      provider: encoder.provider,
      encoder,
      heads,
      drift: new DriftMonitor(manifest.drift, { onDrift: (e) => this.options.onDrift?.(model, e) }),
      batcher: undefined as unknown as MicroBatcher<EmbedItem, EmbedOutput>,
    };
    model.batcher = new MicroBatcher<EmbedItem, EmbedOutput>({
      maxBatch: this.options.maxBatch,
      maxWaitMs: this.options.maxWaitMs,
      maxQueue: this.options.maxQueue,
      run: (items) => runEncoder(model, items),
      onBatch: (s) => this.options.onBatch?.(model, s),
      onQueueDepth: (d) => this.options.onQueueDepth?.(model, d),
      ...(this.options.arriving ? { arriving: this.options.arriving } : {}),
    });
    await warmUp(model, this.options.maxBatch);
    this.models.set(key, model);
    this.defaultKey ??= key;
    return model;
  }

  setDefault(ref: string): void {
    this.defaultKey = this.resolve(ref).key;
  }

  get default(): LoadedModel | undefined {
    return this.defaultKey === undefined ? undefined : this.models.get(this.defaultKey);
  }

  list(): LoadedModel[] {
    return [...this.models.values()];
  }

  /**
   * `name@version` exactly, or `name` → the last loaded version of that name, or the default; `precision`
   * picks among the versions of that name (a name alone never picks int8 unless asked: fp32 stays the
   * default answer).
   */
  resolve(ref?: string, precision?: 'fp32' | 'int8'): LoadedModel {
    const base = ref === undefined ? this.default : this.models.get(ref);
    if (ref === undefined && !base) throw new ClarityError('unavailable', 'no model is loaded');
    if (base && (precision === undefined || base.manifest.precision === precision)) return base;
    const name = base?.manifest.name ?? ref;
    const byName = this.list().filter(
      (m) => m.manifest.name === name && m.manifest.precision === (precision ?? 'fp32'),
    );
    const last =
      byName.at(-1) ??
      (precision
        ? undefined
        : this.list()
            .filter((m) => m.manifest.name === name)
            .at(-1));
    if (!last)
      throw new ClarityError(
        'not_found',
        `model ${ref ?? name ?? ''}${precision ? ` (${precision})` : ''} is not loaded (loaded: ${[...this.models.keys()].join(', ')})`,
      );
    return last;
  }

  async drain(): Promise<void> {
    await Promise.all(this.list().map((m) => m.batcher.drain()));
  }

  async close(): Promise<void> {
    await Promise.all(this.list().map((m) => m.encoder.close()));
  }
}

async function runEncoder(model: LoadedModel, items: EmbedItem[]): Promise<EmbedOutput[]> {
  const n = items.length;
  const input = new Float32Array(n * PAT_SEQUENCE_MINUTES);
  items.forEach((it, i) => input.set(it.input, i * PAT_SEQUENCE_MINUTES));
  const wantTokens = items.some((it) => it.wantTokens);
  const { embedding: emb, tokens: tok } = await model.encoder.run(input, n, wantTokens);
  const perSeqTokens = tok ? tok.length / n : 0;
  return items.map((it, i) => ({
    embedding: emb.slice(i * PAT_EMBED_DIM, (i + 1) * PAT_EMBED_DIM),
    tokens: it.wantTokens && tok ? tok.slice(i * perSeqTokens, (i + 1) * perSeqTokens) : undefined,
  }));
}

/** Runs batch 1 and the largest batch once, so kernels, arenas and thread pools exist before /readyz. */
async function warmUp(model: LoadedModel, maxBatch: number): Promise<void> {
  const zeros = new Float32Array(PAT_SEQUENCE_MINUTES);
  normaliseInto(new Array<number>(PAT_SEQUENCE_MINUTES).fill(0), model.manifest.normalisation, zeros);
  for (const n of [...new Set([1, Math.min(maxBatch, 8)])])
    await runEncoder(
      model,
      Array.from({ length: n }, () => ({ input: zeros, wantTokens: false })),
    );
  for (const h of model.heads)
    await h.session.run({
      [h.session.inputNames[0] ?? 'embedding']: new ort.Tensor('float32', new Float32Array(PAT_EMBED_DIM), [
        1,
        PAT_EMBED_DIM,
      ]),
    });
}
