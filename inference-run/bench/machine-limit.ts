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
    while (runs < 2 || performance.now() - start < seconds * 1000) {
      const t = performance.now();
      await this.session.run(this.feeds);
      this.times.push(performance.now() - t);
      runs++;
    }
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
  softmaxShare: number;
  layerNormShare: number;
  runs: number;
}

interface TraceEvent {
  cat?: string;
  dur?: number;
  args?: { op_name?: string };
}

/** Profiles `runs` batch-1 runs of the model at `modelPath` with the server's session options. */
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
    let total = 0;
    for (const e of events) {
      const op = e.args?.op_name;
      if (e.cat !== 'Node' || !op || typeof e.dur !== 'number') continue;
      byOp[op] = (byOp[op] ?? 0) + e.dur;
      total += e.dur;
    }
    const shareByOp = Object.fromEntries(
      Object.entries(byOp)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => [k, v / total]),
    );
    const share = (pattern: RegExp): number =>
      Object.entries(shareByOp)
        .filter(([k]) => pattern.test(k))
        .reduce((a, [, v]) => a + v, 0);
    return {
      shareByOp,
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
