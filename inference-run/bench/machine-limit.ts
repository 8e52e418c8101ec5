/**
 * The machine's own limit for the inference benchmark, measured in the same run as the model:
 *   - GemmRunner: a square n x n x n float32 MatMul (n = 1024) through onnxruntime with the server's session
 *     options (threads, spinning, arena), timed in slices interleaved with the model's, so both see the
 *     same load from the rest of the machine. Its GFLOP/s is the dense fp32 rate a transformer can hope for.
 *   - profileOps: onnxruntime's own profiler over a few batch-1 runs of a model, summed per operator type, so
 *     the README can say how much of a sequence goes to softmax and layer norms rather than to products.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { seededRandom, type PatSize } from '@clarity/core';
import { cpuQuota, sessionOptions } from '../src/models/session.ts';
import { GraphBuilder } from '../tools/onnx-builder.ts';

/** One MatMul node: input A [n, n] times a constant B [n, n]. */
function matMulModel(n: number): Uint8Array {
  const g = new GraphBuilder();
  const rand = seededRandom(7);
  const b = new Float32Array(n * n);
  for (let i = 0; i < b.length; i++) b[i] = rand() - 0.5;
  const a = g.input('a', [n, n]);
  g.op('MatMul', [a, g.floatConst('b', [n, n], b)], {}, 'c');
  g.output('c', [n, n]);
  return g.encode('gemm');
}

export class GemmRunner {
  private readonly times: number[] = [];
  /** Process CPU seconds (all threads) spent in the timed runs. */
  private cpuSeconds = 0;
  private readonly session: ort.InferenceSession;
  private readonly feeds: Record<string, ort.Tensor>;
  readonly n: number;

  private constructor(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>, n: number) {
    this.session = session;
    this.feeds = feeds;
    this.n = n;
  }

  static async open(n = 1024): Promise<GemmRunner> {
    // PAT-M's options: the arena on, as for the sizes whose throughput the fraction is judged on.
    const session = await ort.InferenceSession.create(matMulModel(n), sessionOptions('m', cpuQuota(), 'cpu'));
    const rand = seededRandom(11);
    const a = new Float32Array(n * n);
    for (let i = 0; i < a.length; i++) a[i] = rand() - 0.5;
    const r = new GemmRunner(session, { a: new ort.Tensor('float32', a, [n, n]) }, n);
    await session.run(r.feeds); // first run: allocation and weight packing
    return r;
  }

  /** Runs the product for about `seconds` (at least twice). */
  async slice(seconds: number): Promise<void> {
    const start = performance.now();
    let runs = 0;
    const cpu = process.cpuUsage();
    while (runs < 2 || performance.now() - start < seconds * 1000) {
      const t = performance.now();
      await this.session.run(this.feeds);
      this.times.push(performance.now() - t);
      runs++;
    }
    const used = process.cpuUsage(cpu);
    this.cpuSeconds += (used.user + used.system) / 1e6;
  }

  /**
   * GFLOP per CPU-second (all onnxruntime threads): the rate per core actually received, so it moves much
   * less than wall-clock GFLOP/s when other work takes a share of the cores.
   */
  gflopsPerCpuSecond(): number {
    return (2 * this.n ** 3 * this.times.length) / this.cpuSeconds / 1e9;
  }

  /** GFLOP/s over every timed run (2 n^3 floating-point operations each). */
  gflops(): number {
    const ms = this.times.reduce((a, b) => a + b, 0);
    return (2 * this.n ** 3 * this.times.length) / (ms / 1000) / 1e9;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

export interface OpProfile {
  /** Share of the summed kernel time, by onnxruntime operator type (after graph optimisation). */
  shareByOp: Record<string, number>;
  /** Share by what the node does (see `family`; keys are `OpFamily` values). */
  shareByFamily: Record<string, number>;
  softmaxShare: number;
  layerNormShare: number;
  runs: number;
  batch: number;
}

export type OpFamily =
  | 'fused attention (QKV + scores + softmax + AV)'
  | 'attention products'
  | 'weight products'
  | 'softmax'
  | 'layer norm'
  | 'quantisation'
  | 'layout'
  | 'other';

const PRODUCTS = new Set([
  'MatMul',
  'MatMulInteger',
  'MatMulIntegerToFloat',
  'DynamicQuantizeMatMul',
  'Gemm',
]);
const QUANT = new Set([
  'QuantizeLinear',
  'DequantizeLinear',
  'DynamicQuantizeLinear',
  'ReduceMax',
  'Abs',
  'Div',
  'Cast',
  'Max',
  'Mul',
]);

/**
 * What a node does, from its operator type and output shape: products whose output has rank 4 ([B, H, T, ·])
 * are the attention products Q·Kᵀ and softmax·V, the other products multiply by weights.
 */
export function family(op: string, outputRank: number): OpFamily {
  if (op === 'Attention' || op === 'QAttention') return 'fused attention (QKV + scores + softmax + AV)';
  if (PRODUCTS.has(op)) return outputRank === 4 ? 'attention products' : 'weight products';
  if (op === 'Softmax') return 'softmax';
  if (/LayerNorm/.test(op)) return 'layer norm';
  if (QUANT.has(op)) return 'quantisation';
  if (op === 'Transpose' || op === 'Reshape') return 'layout';
  return 'other';
}

interface TraceEvent {
  cat?: string;
  dur?: number;
  args?: { op_name?: string; output_type_shape?: Record<string, number[]>[] };
}

/** Profiles `runs` runs of the model at `modelPath` with the server's session options. */
export async function profileOps(
  modelPath: string,
  size: PatSize,
  feeds: Record<string, ort.Tensor>,
  runs = 8,
): Promise<OpProfile> {
  const dir = mkdtempSync(join(tmpdir(), 'clarity-ort-profile-'));
  try {
    const session = await ort.InferenceSession.create(modelPath, {
      ...sessionOptions(size, cpuQuota(), 'cpu'),
      enableProfiling: true,
      profileFilePrefix: join(dir, 'profile'),
    });
    await session.run(feeds); // warm-up, in the profile too: excluded below by taking runs 2..n+1
    for (let i = 0; i < runs; i++) await session.run(feeds);
    session.endProfiling();
    await session.release();
    const file = readdirJson(dir);
    const events = JSON.parse(readFileSync(file, 'utf8')) as TraceEvent[];
    const byOp: Record<string, number> = {};
    const byFamily: Record<string, number> = {};
    let total = 0;
    for (const e of events) {
      const op = e.args?.op_name;
      if (e.cat !== 'Node' || !op || typeof e.dur !== 'number') continue;
      byOp[op] = (byOp[op] ?? 0) + e.dur;
      const rank = Object.values(e.args?.output_type_shape?.[0] ?? {})[0]?.length ?? 0;
      const f = family(op, rank);
      byFamily[f] = (byFamily[f] ?? 0) + e.dur;
      total += e.dur;
    }
    const shares = (m: Record<string, number>): Record<string, number> =>
      Object.fromEntries(
        Object.entries(m)
          .sort((a, b) => b[1] - a[1])
          .map(([k, v]) => [k, v / total]),
      );
    const shareByOp = shares(byOp);
    const share = (pattern: RegExp): number =>
      Object.entries(shareByOp)
        .filter(([k]) => pattern.test(k))
        .reduce((a, [, v]) => a + v, 0);
    return {
      shareByOp,
      shareByFamily: shares(byFamily),
      batch: Object.values(feeds)[0]?.dims[0] ?? 1,
      softmaxShare: share(/Softmax/),
      layerNormShare: share(/LayerNorm/),
      runs,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function readdirJson(dir: string): string {
  const f = readdirSync(dir).find((n) => n.endsWith('.json'));
  if (!f) throw new Error('onnxruntime wrote no profile');
  return join(dir, f);
}
