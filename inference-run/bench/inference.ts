/**
 * Inference benchmark: for the PAT-S, PAT-M and PAT-L stand-ins (fp32 and int8 versions, the converter's
 * graphs), in one run,
 *   1. the raw onnxruntime loop (same session options as the server): batch-1 latency and batch-8 throughput,
 *      the ceiling on this machine, measured in slices alternating with the server's slices;
 *   2. the real server entry point (child process, both precisions loaded) under 1, 8 and 32 concurrent
 *      autocannon clients, one sequence per request; int8 at 32 clients;
 *   3. the machine's dense fp32 rate (1024³ MatMul, machine-limit.ts) in slices between those, and each
 *      model's FLOPs per sequence, so throughput is also GFLOP/s and a fraction of that rate;
 *   4. onnxruntime profiles (fused fp32 graph as served, the standard-operator fp32 graph for the softmax and
 *      layer-norm shares, int8).
 * Throughput of a server slice counts the responses after the slice's first one (the pipeline is full from
 * then on) up to the slice's end, so requests still in flight at the end and the fill at the start do not
 * bias it; slices last at least 3 raw batch-8 times, so a slow model (PAT-L) still completes several batches.
 *
 *   npm run bench:inference [-- --json] [-- --duration S (server seconds per point, default 16)] [-- --sizes s,m,l]
 *   npm run bench:inference -- --variants [--size m] [--sequences 1000]   (int8-variants.ts: why int8 is not 1.8x)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import autocannon, { type Result as LoadResult } from 'autocannon';
import ort from 'onnxruntime-node';
import {
  modelManifestSchema,
  patArchitecture,
  patWork,
  PAT_SEQUENCE_MINUTES,
  type ModelManifest,
  type PatSize,
} from '@clarity/core';
import { cpuQuota, sessionOptions } from '../src/models/session.ts';
import { seededPatWeights } from '../tools/keras-layout.ts';
import { buildPatOnnx } from '../tools/pat-graph.ts';
import { writeStandin } from '../tools/standin.ts';
import { GemmRunner, profileOps, type OpProfile } from './machine-limit.ts';
import { runVariants, variantLines } from './int8-variants.ts';
import { syntheticBatch, syntheticWeek } from '../tools/synthetic.ts';

/** A model's work against the machine's dense fp32 rate, as the issue asks for each model and precision. */
interface AgainstGemm {
  /** FLOPs of one sequence, from the architecture (patWork). */
  flopsPerSeq: number;
  /** The 1024^3 float32 MatMul rate measured in slices interleaved with this model's raw and server slices. */
  gemmGflops: number;
  /** Sequences/s × the fp32 FLOP count (for int8: the same work, done in integer where quantised). */
  rawGflops: number;
  serverGflops: number;
  /** rawGflops / gemmGflops: how close the raw loop runs to the machine's dense fp32 rate. */
  fractionOfGemm: number;
  /**
   * The same ratio per CPU-second received (raw loop GFLOP per CPU-second / GEMM GFLOP per CPU-second): less
   * sensitive to how much of the cores other work took during each slice.
   */
  fractionOfGemmCpu: number;
  rawGflopsPerCpuSecond: number;
}

interface ServerPoint {
  perSec: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
}

interface ModelResult extends AgainstGemm {
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
  precision: 'fp32';
  /** The graph served: com.microsoft fused kernels (pat-graph.ts). */
  graph: 'fused';
  gemmGflopsPerCpuSecond: number;
  /** Batch-8 profile of the served (fused) graph. */
  profile: OpProfile;
  /** Batch-8 profile of the same function with standard operators: softmax and layer norms as their own nodes. */
  profileStandard: OpProfile;
  /** The int8 version against fp32, raw loops (batch 8) and server in alternating slices of the same run. */
  int8: Int8Result;
}

interface Int8Result extends AgainstGemm {
  precision: 'int8';
  server: ServerPoint;
  /** int8 server / int8 raw at 32 clients. */
  serverRatio: number;
  profile: OpProfile;
  rawPerSec: number;
  fp32RawPerSec: number;
  /** int8 / fp32 sequences per second (target for PAT-M: >= 1.8). */
  ratio: number;
  /** The same per CPU-second received in the same slices (less sensitive to other load). */
  cpuRatio: number;
  singleMsInt8: number;
  singleMsFp32: number;
  /** As recorded in the int8 manifest when the variant was written (tools/int8.ts). */
  agreement: ModelManifest['agreement'];
}

/** What benchInt8 measures: the raw loops always, the server when there is one. */
type Int8Part = Omit<Int8Result, keyof AgainstGemm | 'profile' | 'server'> & {
  server?: ServerPoint;
  rawPerCpuSecond: number;
};

/**
 * fp32 and int8 raw loops in alternating slices (same load for both); with a server, also the int8 server
 * at 32 clients and GEMM slices between them.
 */
async function benchInt8(
  dir: string,
  size: PatSize,
  slices: number,
  withServer?: { url: string; gemm: GemmRunner; serverSeconds: number; rawSeconds: number },
): Promise<Int8Part> {
  const f = await RawRunner.open(join(dir, 'model.onnx'), size);
  const q = await RawRunner.open(join(`${dir}-int8`, 'model.onnx'), size);
  const body = JSON.stringify({ sequences: [{ values: syntheticWeek(42, 97) }], precision: 'int8' });
  const points: Slice[] = [];
  const rawSeconds = withServer?.rawSeconds ?? 2;
  for (let i = 0; i < slices; i++) {
    await withServer?.gemm.slice(0.5);
    await f.slice(rawSeconds);
    await q.slice(rawSeconds);
    if (withServer) {
      const slice = await load(withServer.url, 32, withServer.serverSeconds, body);
      points.push(slice);
      await new Promise((r) => setTimeout(r, slice.p99Ms));
    }
  }
  const [rf, rq] = [f.result(), q.result()];
  await Promise.all([f.close(), q.close()]);
  const manifest = modelManifestSchema.parse(
    JSON.parse(await readFile(join(`${dir}-int8`, 'manifest.json'), 'utf8')),
  );
  const server = withServer ? combine(points) : undefined;
  const part: Int8Part = {
    precision: 'int8',
    rawPerSec: rq.rawPerSec,
    rawPerCpuSecond: rq.rawPerCpuSecond,
    fp32RawPerSec: rf.rawPerSec,
    ratio: rq.rawPerSec / rf.rawPerSec,
    cpuRatio: rq.rawPerCpuSecond / rf.rawPerCpuSecond,
    singleMsInt8: rq.rawSingleMs,
    singleMsFp32: rf.rawSingleMs,
    agreement: manifest.agreement,
    serverRatio: server ? server.perSec / rq.rawPerSec : NaN,
  };
  if (server) part.server = server;
  return part;
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
  private batchCpuSeconds = 0;
  private readonly session: ort.InferenceSession;
  private readonly one: Record<string, ort.Tensor>;
  private readonly eight: Record<string, ort.Tensor>;

  private constructor(session: ort.InferenceSession) {
    this.session = session;
    const input = syntheticBatch(MAX_BATCH);
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
    const cpu = process.cpuUsage();
    while (performance.now() - t8 < (seconds * 2000) / 3) {
      const t = performance.now();
      await this.session.run(this.eight, ['embedding']);
      this.batches.push(performance.now() - t);
    }
    const used = process.cpuUsage(cpu);
    this.batchCpuSeconds += (used.user + used.system) / 1e6;
  }

  /** Median batch-8 run time so far, in seconds. */
  batchSeconds(): number {
    return median(this.batches) / 1000;
  }

  result(): RawRef {
    const total = this.batches.reduce((a, b) => a + b, 0);
    return {
      rawSingleMs: median(this.singles),
      raw8Ms: median(this.batches),
      raw8P99Ms: quantile(this.batches, 0.99),
      rawPerSec: (this.batches.length * MAX_BATCH * 1000) / total,
      rawPerCpuSecond: (this.batches.length * MAX_BATCH) / this.batchCpuSeconds,
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
      // Saturation, not deadlines: 32 queued PAT-L sequences take longer than the default 30 s.
      '--timeout-ms',
      '600000',
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

/**
 * One autocannon slice. Completions are timestamped: the slice's throughput counts those after the first
 * completion up to the slice's end, over that interval (the first response ends the pipeline's fill; requests
 * still queued when autocannon stops are neither counted nor timed).
 */
async function load(url: string, connections: number, seconds: number, body: string): Promise<Slice> {
  const done: number[] = [];
  const start = performance.now();
  const r = await new Promise<LoadResult>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${url}/v1/embed`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        connections,
        duration: seconds,
        pipelining: 1,
        // 32 clients queue 32 PAT-L sequences: tens of seconds each, not a failure.
        timeout: 600,
      },
      (err, result) =>
        err ? reject(err instanceof Error ? err : new Error('autocannon failed')) : resolve(result),
    );
    instance.on('response', () => done.push(performance.now()));
  });
  // The server answers a batch at once: a burst of completions. Count from the end of the first burst to the
  // last completion (both are batch boundaries), so neither the fill nor the requests cut off at the end bias
  // the rate.
  const gap = Math.min(20, 0.25 * r.latency.p50);
  const first = done[0] ?? 0;
  const firstBurst = done.filter((t) => t - first <= gap).length;
  const last = done.at(-1) ?? first;
  const steady = done.length > firstBurst && last > first;
  return {
    requests: steady ? done.length - firstBurst : done.length,
    seconds: steady ? (last - first) / 1000 : (performance.now() - start) / 1000,
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
  /** Batch-8 sequences per process CPU-second (all onnxruntime threads). */
  rawPerCpuSecond: number;
}

async function benchModel(size: PatSize, seconds: number, log: (s: string) => void): Promise<ModelResult> {
  // fp32 in root/model, int8 in root/model-int8: the server loads both from root.
  const root = join(tmpdir(), 'clarity-bench', `pat-${size}`);
  const dir = join(root, 'model');
  await rm(root, { recursive: true, force: true });
  log(`pat-${size}: writing the stand-in (fp32 and int8, agreement over 40 sequences)...`);
  const seed = { s: 1, m: 2, l: 3 }[size];
  await writeStandin({ size, out: dir, seed, int8: { sequences: 40 } });
  const arch = patArchitecture(size);
  const standardPath = join(root, 'standard.onnx');
  await writeFile(
    standardPath,
    buildPatOnnx(seededPatWeights(arch, seed), arch, {}, { precision: 'fp32', fused: false }),
  );
  const { child, url } = await startChild(root);
  const body = JSON.stringify({ sequences: [{ values: syntheticWeek(42, 97) }] });
  const server: Record<string, ServerPoint> = {};
  const raws: Record<string, RawRef> = {};
  let rss: number;
  const gemm = await GemmRunner.open();
  let int8Part: Int8Part;
  try {
    await load(url, 8, 1, body); // warm the HTTP path
    // The cores are shared with other work whose load swings several-fold within a minute, so raw and
    // server are measured in alternating slices and each is summed over its slices, so both see the same
    // mix. Slices last at least 3 batch-8 times of the raw loop. After a server slice the bench waits out
    // that slice's p99 latency, so requests still queued when autocannon stops do not run during the next
    // raw slice.
    const probe = await RawRunner.open(join(dir, 'model.onnx'), size);
    await probe.slice(0.3);
    const batchS = probe.batchSeconds();
    await probe.close();
    const rawSeconds = Math.max(2, 2 * batchS);
    const serverSeconds = Math.max(4, Math.ceil(3 * batchS));
    const slices = Math.max(1, Math.round(seconds / serverSeconds));
    for (const c of [1, 8, 32]) {
      log(
        `pat-${size}: ${slices} x (${rawSeconds.toFixed(0)} s raw loop + ${serverSeconds} s server with ${c} clients)...`,
      );
      const raw = await RawRunner.open(join(dir, 'model.onnx'), size);
      const points: Slice[] = [];
      for (let i = 0; i < slices; i++) {
        await gemm.slice(0.5);
        await raw.slice(rawSeconds);
        const slice = await load(url, c, serverSeconds, body);
        points.push(slice);
        await new Promise((r) => setTimeout(r, slice.p99Ms));
      }
      raws[String(c)] = raw.result();
      await raw.close();
      server[String(c)] = combine(points);
    }
    log(`pat-${size}: int8, ${slices} x (fp32 raw + int8 raw + int8 server with 32 clients)...`);
    int8Part = await benchInt8(dir, size, slices, { url, gemm, serverSeconds, rawSeconds });
  } finally {
    await gemm.close();
    rss = peakRssMb(child.pid!);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  const sat = server['32']?.perSec ?? 0;
  const at32 = raws['32']!;
  const flopsPerSeq = patWork(arch).flops;
  const gemmGflops = gemm.gflops();
  const gemmCpu = gemm.gflopsPerCpuSecond();
  const runs = size === 'l' ? 2 : 4;
  log(
    `pat-${size}: onnxruntime profiles of ${runs} batch-${MAX_BATCH} runs (fused fp32, standard fp32, int8)...`,
  );
  const input = syntheticBatch(MAX_BATCH);
  const feeds = { input: new ort.Tensor('float32', input, [MAX_BATCH, PAT_SEQUENCE_MINUTES]) };
  const profile = await profileOps(join(dir, 'model.onnx'), size, feeds, runs);
  const profileStandard = await profileOps(standardPath, size, feeds, runs);
  const profileInt8 = await profileOps(join(`${dir}-int8`, 'model.onnx'), size, feeds, runs);
  const gf = (perSec: number): number => (perSec * flopsPerSeq) / 1e9;
  const int8: Int8Result = {
    ...int8Part,
    flopsPerSeq,
    gemmGflops,
    rawGflops: gf(int8Part.rawPerSec),
    serverGflops: gf(int8Part.server?.perSec ?? NaN),
    fractionOfGemm: gf(int8Part.rawPerSec) / gemmGflops,
    rawGflopsPerCpuSecond: gf(int8Part.rawPerCpuSecond),
    fractionOfGemmCpu: gf(int8Part.rawPerCpuSecond) / gemmCpu,
    server: int8Part.server!,
    profile: profileInt8,
  };
  return {
    int8,
    precision: 'fp32',
    graph: 'fused',
    flopsPerSeq,
    gemmGflops,
    rawGflops: gf(at32.rawPerSec),
    serverGflops: gf(sat),
    fractionOfGemm: gf(at32.rawPerSec) / gemmGflops,
    rawGflopsPerCpuSecond: gf(at32.rawPerCpuSecond),
    gemmGflopsPerCpuSecond: gemmCpu,
    fractionOfGemmCpu: gf(at32.rawPerCpuSecond) / gemmCpu,
    profile,
    profileStandard,
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
      `${r.name}: ${(r.flopsPerSeq / 1e9).toFixed(2)} GFLOP per sequence; raw loop ${r.rawGflops.toFixed(1)} GFLOP/s, server ${r.serverGflops.toFixed(1)} GFLOP/s, GEMM 1024^3 ${r.gemmGflops.toFixed(1)} GFLOP/s in the same slices: raw at ${r.fractionOfGemm.toFixed(2)} of it${r.name === 'pat-m' ? ` (target >= 0.9) ${r.fractionOfGemm >= 0.9 ? 'met' : 'MISSED'}` : ''}; per CPU-second received ${r.rawGflopsPerCpuSecond.toFixed(1)} vs ${r.gemmGflopsPerCpuSecond.toFixed(1)} GFLOP = ${r.fractionOfGemmCpu.toFixed(2)}`,
    );
    out.push(`${r.name}: ${profileLine('fused fp32 graph as served', r.profile)}`);
    out.push(
      `${r.name}: ${profileLine('standard-operator fp32 graph (same function)', r.profileStandard)}; softmax ${pct(r.profileStandard.softmaxShare)}, layer norms ${pct(r.profileStandard.layerNormShare)}`,
    );
    out.push(int8Line(r.name, r.int8));
    out.push(`${r.name}: ${profileLine('int8 graph', r.int8.profile)}`);
  }
  return out;
}

function pct(v: number): string {
  return `${(100 * v).toFixed(1)} %`;
}

function profileLine(what: string, p: OpProfile): string {
  const list = (m: Record<string, number>): string =>
    Object.entries(m)
      .filter(([, v]) => v >= 0.005)
      .map(([k, v]) => `${k} ${pct(v)}`)
      .join(', ');
  return `${what}, kernel time (batch ${p.batch}) by family: ${list(p.shareByFamily)}; by operator: ${list(p.shareByOp)}`;
}

function int8Line(name: string, r: Int8Part | Int8Result): string {
  const a = r.agreement;
  const server =
    'fractionOfGemm' in r
      ? `; server ${r.server.perSec.toFixed(1)} req/s at 32 clients (server/raw ${r.serverRatio.toFixed(2)}, non-2xx ${r.server.non2xx}), ${r.rawGflops.toFixed(1)} / ${r.serverGflops.toFixed(1)} GFLOP/s raw / server = ${r.fractionOfGemm.toFixed(2)} of GEMM (${r.fractionOfGemmCpu.toFixed(2)} per CPU-second)`
      : '';
  return `${name}: int8 ${r.rawPerSec.toFixed(1)} vs fp32 ${r.fp32RawPerSec.toFixed(1)} seq/s (batch 8) = ${r.ratio.toFixed(2)}x${name === 'pat-m' ? ` (target >= 1.8) ${r.ratio >= 1.8 ? 'met' : 'MISSED'}` : ''}, ${r.cpuRatio.toFixed(2)}x per CPU-second; batch 1 ${r.singleMsInt8.toFixed(1)} vs ${r.singleMsFp32.toFixed(1)} ms${server}; agreement min cosine ${a?.minCosine.toFixed(5) ?? '?'} over ${a?.sequences ?? 0} sequences, head diff ${a?.maxHeadProbabilityDiff?.toFixed(4) ?? 'n/a'}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      duration: { type: 'string', default: '16' },
      sizes: { type: 'string', default: 's,m,l' },
      'int8-only': { type: 'boolean', default: false },
      variants: { type: 'boolean', default: false },
      size: { type: 'string', default: 'm' },
      sequences: { type: 'string', default: '1000' },
      rounds: { type: 'string', default: '10' },
    },
  });
  if (values.variants) {
    const size = values.size;
    if (size !== 's' && size !== 'm' && size !== 'l') throw new Error('--size must be s, m or l');
    const r = await runVariants({
      size,
      sequences: Number(values.sequences),
      rounds: Number(values.rounds),
      log: values.json ? (): void => undefined : (s: string): void => console.error(s),
    });
    console.log(values.json ? JSON.stringify(r) : variantLines(r).join('\n'));
    return;
  }
  if (values['int8-only']) {
    // Only the int8/fp32 ratio (no server): quick enough for a shared machine.
    for (const size of values.sizes
      .split(',')
      .filter((s): s is PatSize => s === 's' || s === 'm' || s === 'l')) {
      const dir = join(tmpdir(), 'clarity-bench', `pat-${size}`, 'model');
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
  const loadAtStart = loadavg();
  for (const size of sizes) results.push(await benchModel(size, seconds, log));
  const machine = {
    cpus: availableParallelism(),
    threads: cpuQuota(),
    onnxruntime: ort.env.versions.common,
    /** 1-, 5- and 15-minute load averages when the run started and ended (other work on the same cores). */
    loadAverage: { start: loadAtStart, end: loadavg() },
  };
  if (values.json) {
    console.log(
      JSON.stringify({
        machine,
        models: results.map(({ perMinuteAt32: _p, raw8Ms: _r, raws: _w, ...r }) => ({
          ...r,
          server: Object.fromEntries(
            Object.entries(r.server).map(([k, v]) => [
              k,
              { perSec: v.perSec, p50Ms: v.p50Ms, p99Ms: v.p99Ms, non2xx: v.non2xx },
            ]),
          ),
        })),
      }),
    );
    return;
  }
  const la = (l: number[]): string => l.map((v) => v.toFixed(1)).join(' ');
  console.log(
    `cpu quota: ${machine.threads} threads of ${machine.cpus} cores; onnxruntime-node ${machine.onnxruntime}; load average ${la(machine.loadAverage.start)} at the start, ${la(machine.loadAverage.end)} at the end; about ${seconds} s of server load per point in slices alternating with raw slices; stand-in (untrained) models, fused fp32 graph`,
  );
  console.log(table(results));
  for (const t of targets(results)) console.log(t);
}

main().catch((e: unknown) => {
  console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
