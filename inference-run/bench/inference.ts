/**
 * Inference benchmark: for the PAT-S and PAT-M stand-ins, in one run,
 *   1. the raw onnxruntime loop (same session options as the server): batch-1 latency and batch-8 throughput,
 *      the ceiling on this machine, measured in 2 s slices alternating with the server's slices;
 *   2. the real server entry point (child process) under 1, 8 and 32 concurrent autocannon clients, one
 *      sequence per request;
 * then the throughput ratio server/raw at 32 clients, p50/p99 latency, and the server's peak RSS.
 *
 *   npm run bench:inference [-- --json] [-- --duration S (server seconds per point, default 16)] [-- --sizes s,m]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import ort from 'onnxruntime-node';
import {
  modelManifestSchema,
  normaliseInto,
  patArchitecture,
  patWork,
  PAT_SEQUENCE_MINUTES,
  type ModelManifest,
  type PatSize,
} from '@clarity/core';
import { cpuQuota, sessionOptions } from '../src/models/session.ts';
import { writeStandin } from '../tools/standin.ts';
import { GemmRunner, profileOps, type OpProfile } from './machine-limit.ts';
import { syntheticWeek } from '../tools/synthetic.ts';

interface ServerPoint {
  perSec: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
}

interface ModelResult {
  name: string;
  rawPerSec: number;
  rawSingleMs: number;
  raw8Ms: number;
  /** The raw reference measured around each server point. */
  raws: Record<string, RawRef>;
  server: Record<string, ServerPoint>;
  ratio: number;
  peakRssMb: number;
  perMinuteAt32: number;
  /** The stand-in's weights and activations: float32 (the only precision the converter writes today). */
  precision: 'fp32';
  /** FLOPs of one sequence, from the architecture (patWork). */
  flopsPerSeq: number;
  /** The 1024^3 float32 MatMul rate measured in slices interleaved with this model's raw and server slices. */
  gemmGflops: number;
  rawGflops: number;
  serverGflops: number;
  /** rawGflops / gemmGflops: how close the raw loop runs to the machine's dense fp32 rate. */
  fractionOfGemm: number;
  profile: OpProfile;
  /** The int8 variant against fp32, raw loops (batch 8) in alternating slices of the same run. */
  int8: Int8Result;
}

interface Int8Result {
  rawPerSec: number;
  fp32RawPerSec: number;
  /** int8 / fp32 sequences per second (target for PAT-M: >= 1.8). */
  ratio: number;
  singleMsInt8: number;
  singleMsFp32: number;
  /** As recorded in the int8 manifest when the variant was written (tools/int8.ts). */
  agreement: ModelManifest['agreement'];
}

/** fp32 and int8 raw loops in alternating 2 s slices (same load for both). */
async function benchInt8(dir: string, size: PatSize, slices: number): Promise<Int8Result> {
  const f = await RawRunner.open(join(dir, 'model.onnx'), size);
  const q = await RawRunner.open(join(`${dir}-int8`, 'model.onnx'), size);
  for (let i = 0; i < slices; i++) {
    await f.slice(2);
    await q.slice(2);
  }
  const [rf, rq] = [f.result(), q.result()];
  await Promise.all([f.close(), q.close()]);
  const manifest = modelManifestSchema.parse(
    JSON.parse(await readFile(join(`${dir}-int8`, 'manifest.json'), 'utf8')),
  );
  return {
    rawPerSec: rq.rawPerSec,
    fp32RawPerSec: rf.rawPerSec,
    ratio: rq.rawPerSec / rf.rawPerSec,
    singleMsInt8: rq.rawSingleMs,
    singleMsFp32: rf.rawSingleMs,
    agreement: manifest.agreement,
  };
}

const MAX_BATCH = 8;
const ROW_SEP = '|---|---|---|---|---|---|---|---|---|---|---|---|';

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? NaN;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

/** The raw onnxruntime loop: one persistent session, measured in slices interleaved with the server's. */
class RawRunner {
  readonly singles: number[] = [];
  readonly batches: number[] = [];
  private readonly session: ort.InferenceSession;
  private readonly one: Record<string, ort.Tensor>;
  private readonly eight: Record<string, ort.Tensor>;

  private constructor(session: ort.InferenceSession) {
    this.session = session;
    const input = new Float32Array(MAX_BATCH * PAT_SEQUENCE_MINUTES);
    for (let b = 0; b < MAX_BATCH; b++)
      normaliseInto(
        syntheticWeek(b + 1),
        { kind: 'per-sequence', minStd: 1e-6 },
        input,
        b * PAT_SEQUENCE_MINUTES,
      );
    this.one = {
      input: new ort.Tensor('float32', input.subarray(0, PAT_SEQUENCE_MINUTES), [1, PAT_SEQUENCE_MINUTES]),
    };
    this.eight = { input: new ort.Tensor('float32', input, [MAX_BATCH, PAT_SEQUENCE_MINUTES]) };
  }

  static async open(modelPath: string, size: PatSize): Promise<RawRunner> {
    const r = new RawRunner(
      await ort.InferenceSession.create(modelPath, sessionOptions(size, cpuQuota(), 'cpu')),
    );
    await r.session.run(r.one);
    await r.session.run(r.eight);
    return r;
  }

  /** A third of the slice on batch-1 latency, two thirds on batch-8 throughput. */
  async slice(seconds: number): Promise<void> {
    const t1 = performance.now();
    while (performance.now() - t1 < (seconds * 1000) / 3) {
      const t = performance.now();
      await this.session.run(this.one, ['embedding']);
      this.singles.push(performance.now() - t);
    }
    const t8 = performance.now();
    while (performance.now() - t8 < (seconds * 2000) / 3) {
      const t = performance.now();
      await this.session.run(this.eight, ['embedding']);
      this.batches.push(performance.now() - t);
    }
  }

  result(): RawRef {
    const total = this.batches.reduce((a, b) => a + b, 0);
    return {
      rawSingleMs: median(this.singles),
      raw8Ms: median(this.batches),
      raw8P99Ms: quantile(this.batches, 0.99),
      rawPerSec: (this.batches.length * MAX_BATCH * 1000) / total,
    };
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

async function startChild(modelsDir: string): Promise<{ child: ChildProcess; url: string }> {
  const entry = join(import.meta.dirname, '..', 'src', 'server', 'main.ts');
  const child = spawn(
    process.execPath,
    [
      entry,
      '--models',
      modelsDir,
      '--port',
      '0',
      '--max-batch',
      String(MAX_BATCH),
      '--max-queue',
      '512',
      '--local-only',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let port = 0;
    child.once('exit', (code) => reject(new Error(`server exited with ${code ?? 'signal'}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const e = JSON.parse(line) as { event?: string; port?: number };
      if (e.event === 'listening') port = e.port ?? 0;
      if (e.event === 'ready') resolve(`http://127.0.0.1:${port}`);
      if (e.event === 'model_load_failed') reject(new Error(line));
    });
  });
  return { child, url };
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m?.[1] ? Number(m[1]) / 1024 : NaN;
}

interface Slice {
  requests: number;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
}

async function load(url: string, connections: number, seconds: number, body: string): Promise<Slice> {
  const r = await autocannon({
    url: `${url}/v1/embed`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections,
    duration: seconds,
    pipelining: 1,
  });
  return {
    requests: r.requests.total,
    seconds: r.duration,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    non2xx: r.non2xx + r.errors + r.timeouts,
  };
}

/** Throughput over all slices; p50 = median of the slices' p50; p99 = the worst slice's p99 (conservative). */
function combine(slices: Slice[]): ServerPoint {
  const requests = slices.reduce((a, s) => a + s.requests, 0);
  const seconds = slices.reduce((a, s) => a + s.seconds, 0);
  return {
    perSec: requests / seconds,
    p50Ms: median(slices.map((s) => s.p50Ms)),
    p99Ms: Math.max(...slices.map((s) => s.p99Ms)),
    non2xx: slices.reduce((a, s) => a + s.non2xx, 0),
  };
}

interface RawRef {
  rawPerSec: number;
  rawSingleMs: number;
  raw8Ms: number;
  /** The raw loop's own spread: p99 of its 8-sequence run times (the machine's noise, no server in it). */
  raw8P99Ms: number;
}

async function benchModel(size: PatSize, seconds: number, log: (s: string) => void): Promise<ModelResult> {
  const dir = join(tmpdir(), 'clarity-bench', `pat-${size}`);
  await writeStandin({ size, out: dir, int8: { sequences: 40 } });
  const { child, url } = await startChild(dir);
  const body = JSON.stringify({ sequences: [{ values: syntheticWeek(42, 97) }] });
  const server: Record<string, ServerPoint> = {};
  const raws: Record<string, RawRef> = {};
  let rss: number;
  const gemm = await GemmRunner.open();
  try {
    await load(url, 8, 1, body); // warm the HTTP path
    // The cores are shared with other work whose load swings several-fold within a minute, so raw and
    // server are measured in alternating slices (2 s raw, 4 s server) and each is summed over its slices, so
    // both see the same mix. After a server slice the bench waits out that slice's p99 latency, so requests
    // still queued when autocannon stops do not run during the next raw slice.
    const slices = Math.max(1, Math.round(seconds / 4));
    for (const c of [1, 8, 32]) {
      log(`pat-${size}: ${slices} x (2 s raw loop + 4 s server with ${c} clients)...`);
      const raw = await RawRunner.open(join(dir, 'model.onnx'), size);
      const points: Slice[] = [];
      for (let i = 0; i < slices; i++) {
        await gemm.slice(0.5);
        await raw.slice(2);
        const slice = await load(url, c, 4, body);
        points.push(slice);
        await new Promise((r) => setTimeout(r, slice.p99Ms));
      }
      raws[String(c)] = raw.result();
      await raw.close();
      server[String(c)] = combine(points);
    }
  } finally {
    await gemm.close();
    rss = peakRssMb(child.pid!);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  const sat = server['32']?.perSec ?? 0;
  const at32 = raws['32']!;
  const flopsPerSeq = patWork(patArchitecture(size)).flops;
  const gemmGflops = gemm.gflops();
  log(`pat-${size}: onnxruntime profile of 8 single-sequence runs...`);
  const one = new Float32Array(PAT_SEQUENCE_MINUTES);
  normaliseInto(syntheticWeek(1), { kind: 'per-sequence', minStd: 1e-6 }, one, 0);
  const profile = await profileOps(join(dir, 'model.onnx'), size, {
    input: new ort.Tensor('float32', one, [1, PAT_SEQUENCE_MINUTES]),
  });
  log(
    `pat-${size}: int8 vs fp32, ${Math.max(1, Math.round(seconds / 4))} x (2 s fp32 + 2 s int8 raw loops)...`,
  );
  const int8 = await benchInt8(dir, size, Math.max(1, Math.round(seconds / 4)));
  return {
    int8,
    precision: 'fp32',
    flopsPerSeq,
    gemmGflops,
    rawGflops: (at32.rawPerSec * flopsPerSeq) / 1e9,
    serverGflops: (sat * flopsPerSeq) / 1e9,
    fractionOfGemm: (at32.rawPerSec * flopsPerSeq) / 1e9 / gemmGflops,
    profile,
    name: `pat-${size}`,
    rawPerSec: at32.rawPerSec,
    rawSingleMs: raws['1']!.rawSingleMs,
    raw8Ms: raws['8']!.raw8Ms,
    raws,
    server,
    ratio: sat / at32.rawPerSec,
    peakRssMb: rss,
    perMinuteAt32: sat * 60,
  };
}

function table(results: ModelResult[]): string {
  const f = (n: number, d = 1): string => n.toFixed(d);
  const lines = [
    '| model | clients | raw seq/s (batch 8) | raw 1-seq ms | raw 8-seq ms | server req/s | server/raw | p50 ms | p99 ms | non-2xx | req/min | peak RSS MB |',
    ROW_SEP,
  ];
  for (const r of results) {
    for (const c of ['1', '8', '32']) {
      const s = r.server[c]!;
      const raw = r.raws[c]!;
      lines.push(
        `| ${c === '1' ? r.name : ''} | ${c} | ${f(raw.rawPerSec)} | ${f(raw.rawSingleMs)} | ${f(raw.raw8Ms)} | ${f(s.perSec)} | ${f(s.perSec / raw.rawPerSec, 2)} | ${f(s.p50Ms)} | ${f(s.p99Ms)} | ${s.non2xx} | ${f(s.perSec * 60, 0)} | ${c === '1' ? f(r.peakRssMb, 0) : ''} |`,
      );
    }
  }
  return lines.join('\n');
}

function targets(results: ModelResult[]): string[] {
  const out: string[] = [];
  for (const r of results) {
    const s1 = r.server['1']!;
    const s8 = r.server['8']!;
    out.push(`${r.name}: ratio ${r.ratio.toFixed(2)} (target >= 0.9) ${r.ratio >= 0.9 ? 'met' : 'MISSED'}`);
    out.push(
      `${r.name}: p50@1 ${s1.p50Ms.toFixed(1)} ms vs raw single ${r.rawSingleMs.toFixed(1)} + 3 ms ${s1.p50Ms <= r.rawSingleMs + 3 ? 'met' : 'MISSED'}`,
    );
    out.push(
      `${r.name}: p99@8 ${s8.p99Ms.toFixed(1)} ms vs 1.5 x raw 8-seq ${(1.5 * r.raw8Ms).toFixed(1)} ms ${s8.p99Ms <= 1.5 * r.raw8Ms ? 'met' : 'MISSED'} (the raw loop's own 8-seq p99 in the same slices: ${r.raws['8']!.raw8P99Ms.toFixed(1)} ms)`,
    );
    out.push(
      `${r.name}: ${(r.flopsPerSeq / 1e9).toFixed(2)} GFLOP per sequence; raw loop ${r.rawGflops.toFixed(1)} GFLOP/s, server ${r.serverGflops.toFixed(1)} GFLOP/s, GEMM 1024^3 ${r.gemmGflops.toFixed(1)} GFLOP/s in the same slices: raw at ${r.fractionOfGemm.toFixed(2)} of it${r.name === 'pat-m' ? ` (target >= 0.9) ${r.fractionOfGemm >= 0.9 ? 'met' : 'MISSED'}` : ''}`,
    );
    out.push(
      `${r.name}: kernel time by operator: ${Object.entries(r.profile.shareByOp)
        .filter(([, v]) => v >= 0.005)
        .map(([k, v]) => `${k} ${(100 * v).toFixed(1)} %`)
        .join(
          ', ',
        )} (softmax ${(100 * r.profile.softmaxShare).toFixed(1)} %, layer norms ${(100 * r.profile.layerNormShare).toFixed(1)} %)`,
    );
    out.push(int8Line(r.name, r.int8));
    if (r.name === 'pat-m')
      out.push(
        `pat-m: ${r.perMinuteAt32.toFixed(0)} requests/min at 32 clients (target >= 2000) ${r.perMinuteAt32 >= 2000 ? 'met' : 'MISSED'}`,
      );
  }
  return out;
}

function int8Line(name: string, r: Int8Result): string {
  const a = r.agreement;
  return `${name}: int8 ${r.rawPerSec.toFixed(1)} vs fp32 ${r.fp32RawPerSec.toFixed(1)} seq/s (batch 8) = ${r.ratio.toFixed(2)}x${name === 'pat-m' ? ` (target >= 1.8) ${r.ratio >= 1.8 ? 'met' : 'MISSED'}` : ''}; batch 1 ${r.singleMsInt8.toFixed(1)} vs ${r.singleMsFp32.toFixed(1)} ms; agreement min cosine ${a?.minCosine.toFixed(5) ?? '?'} over ${a?.sequences ?? 0} sequences, head diff ${a?.maxHeadProbabilityDiff?.toFixed(4) ?? 'n/a'}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      duration: { type: 'string', default: '16' },
      sizes: { type: 'string', default: 's,m' },
      'int8-only': { type: 'boolean', default: false },
    },
  });
  if (values['int8-only']) {
    // Only the int8/fp32 ratio (no server): quick enough for a shared machine.
    for (const size of values.sizes
      .split(',')
      .filter((s): s is PatSize => s === 's' || s === 'm' || s === 'l')) {
      const dir = join(tmpdir(), 'clarity-bench', `pat-${size}`);
      await writeStandin({ size, out: dir, int8: { sequences: 40 } });
      const r = await benchInt8(dir, size, Math.max(1, Math.round(Number(values.duration) / 4)));
      console.log(
        values.json ? JSON.stringify({ model: `pat-${size}`, int8: r }) : int8Line(`pat-${size}`, r),
      );
    }
    return;
  }
  const seconds = Number(values.duration);
  const sizes = values.sizes.split(',').filter((s): s is PatSize => s === 's' || s === 'm' || s === 'l');
  const log = values.json ? (): void => undefined : (s: string): void => console.error(s);
  const results: ModelResult[] = [];
  for (const size of sizes) results.push(await benchModel(size, seconds, log));
  if (values.json) {
    console.log(
      JSON.stringify({
        models: results.map(({ perMinuteAt32: _p, raw8Ms: _r, raws: _w, ...r }) => ({
          ...r,
          server: Object.fromEntries(
            Object.entries(r.server).map(([k, v]) => [
              k,
              { perSec: v.perSec, p50Ms: v.p50Ms, p99Ms: v.p99Ms },
            ]),
          ),
        })),
      }),
    );
    return;
  }
  console.log(
    `cpu quota: ${cpuQuota()} threads; onnxruntime-node ${ort.env.versions.common}; ${seconds} s of server load per point in 4 s slices alternating with 2 s raw slices; stand-in (untrained) models`,
  );
  console.log(table(results));
  for (const t of targets(results)) console.log(t);
}

main().catch((e: unknown) => {
  console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
