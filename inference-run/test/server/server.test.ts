import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normaliseInto } from '@clarity/core';
import { jsonLogger } from '../../src/server/logger.ts';
import { startServer, type RunningServer } from '../../src/server/start.ts';
import { metricValue, post, standinModels, tamperedCopy, week } from '../support/servers.ts';

const quiet = jsonLogger(() => undefined);
let models: string;
const servers: RunningServer[] = [];

async function start(options: Partial<Parameters<typeof startServer>[0]> = {}): Promise<RunningServer> {
  const s = await startServer({ models, port: 0, host: '127.0.0.1', logger: quiet, threads: 1, ...options });
  servers.push(s);
  return s;
}

beforeAll(async () => {
  models = await standinModels();
}, 60_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.shutdown()));
});

describe('model server over HTTP', () => {
  let s: RunningServer;
  beforeAll(async () => {
    s = await start({ maxBatch: 8, maxWaitMs: 20 });
    await s.ready;
  }, 60_000);

  it('is healthy, and ready only with verified models, naming the execution provider', async () => {
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${s.url}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as {
      executionProvider: string;
      models: { model: string }[];
      default: string;
    };
    expect(body.executionProvider).toBe('cpu');
    expect(body.models.map((m) => m.model).sort()).toEqual(['pat-s@v1', 'pat-s@v2']);
  });

  it('embeds a sequence exactly as the onnx session does, with model version and the untrained notice', async () => {
    const values = week(3);
    const r = await post(`${s.url}/v1/embed`, { model: 'pat-s@v1', sequences: [{ id: 'w', values }] });
    expect(r.status).toBe(200);
    const body = r.json as {
      model: { name: string; version: string; sha256: string; trained: boolean };
      results: { id: string; embedding: number[]; missingFraction: number }[];
      notice: string;
    };
    expect(body.model).toMatchObject({ name: 'pat-s', version: 'v1', trained: false });
    expect(body.notice).toMatch(/Untrained stand-in/);
    expect(body.results[0]?.id).toBe('w');
    expect(body.results[0]?.missingFraction).toBeCloseTo(191 / 10_080, 10);

    const manifest = JSON.parse(await readFile(join(models, 'a', 'manifest.json'), 'utf8')) as {
      sha256: string;
    };
    expect(body.model.sha256).toBe(manifest.sha256);
    const input = new Float32Array(10_080);
    normaliseInto(values, { kind: 'per-sequence', minStd: 1e-6 }, input);
    const session = await ort.InferenceSession.create(join(models, 'a', 'model.onnx'));
    const direct = (await session.run({ input: new ort.Tensor('float32', input, [1, 10_080]) })).embedding!
      .data as Float32Array;
    const served = body.results[0]!.embedding;
    expect(served).toHaveLength(96);
    for (let i = 0; i < 96; i++) expect(served[i]).toBeCloseTo(direct[i]!, 5);
  });

  it('serves two versions side by side and returns tokens on request', async () => {
    const values = week(4);
    const [a, b] = await Promise.all([
      post(`${s.url}/v1/embed`, { model: 'pat-s@v1', sequences: [{ values }] }),
      post(`${s.url}/v1/embed`, { model: 'pat-s@v2', sequences: [{ values }], includeTokens: true }),
    ]);
    const ea = (a.json.results as { embedding: number[] }[])[0]!.embedding;
    const rb = (b.json.results as { embedding: number[]; tokens: number[][] }[])[0]!;
    expect(ea[0]).not.toBeCloseTo(rb.embedding[0]!, 4);
    expect(rb.tokens).toHaveLength(560);
    expect(rb.tokens[0]).toHaveLength(96);
    expect((await post(`${s.url}/v1/embed`, { model: 'pat-x', sequences: [{ values }] })).status).toBe(404);
  });

  it('merges concurrent requests into batches larger than one', async () => {
    const before = await (await fetch(`${s.url}/metrics`)).text();
    const count0 = metricValue(before, 'inference_batch_size_count', { model: 'pat-s@v1' }) ?? 0;
    const seqs0 = metricValue(before, 'inference_batch_size_sum', { model: 'pat-s@v1' }) ?? 0;
    const rs = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        post(`${s.url}/v1/embed`, { model: 'pat-s@v1', sequences: [{ values: week(10 + i) }] }),
      ),
    );
    expect(rs.every((r) => r.status === 200)).toBe(true);
    const after = await (await fetch(`${s.url}/metrics`)).text();
    const batches = (metricValue(after, 'inference_batch_size_count', { model: 'pat-s@v1' }) ?? 0) - count0;
    const sequences = (metricValue(after, 'inference_batch_size_sum', { model: 'pat-s@v1' }) ?? 0) - seqs0;
    expect(sequences).toBe(16);
    expect(batches).toBeLessThan(16); // some batch held more than one request's sequence
    const singleBatches =
      metricValue(after, 'inference_batch_size_bucket', { model: 'pat-s@v1', le: '1' }) ?? 0;
    const allBatches = metricValue(after, 'inference_batch_size_count', { model: 'pat-s@v1' }) ?? 0;
    expect(allBatches - singleBatches).toBeGreaterThan(0);
  });

  it('rejects wrong length, non-finite, non-number, out-of-range and unparsable bodies with 400 and the reason', async () => {
    const short = await post(`${s.url}/v1/embed`, { sequences: [{ values: [1, 2, 3] }] });
    expect(short.status).toBe(400);
    expect(JSON.stringify(short.json)).toMatch(/exactly 10080/);
    const nanBody = `{"sequences":[{"values":[NaN${',1'.repeat(10_079)}]}]}`;
    const nan = await post(`${s.url}/v1/embed`, nanBody);
    expect(nan.status).toBe(400);
    expect((nan.json.error as { code: string }).code).toBe('parse_error');
    const str = week(5) as unknown[];
    str[7] = 'NaN';
    const s400 = await post(`${s.url}/v1/embed`, { sequences: [{ values: str }] });
    expect(s400.status).toBe(400);
    const big = week(5);
    big[9] = 1e9;
    const range = await post(`${s.url}/v1/embed`, { sequences: [{ values: big }] });
    expect(range.status).toBe(400);
    expect((range.json.error as { details: { path: unknown[]; message: string }[] }).details[0]).toEqual({
      path: ['sequences', 0, 'values', 9],
      message: 'out of range [0, 32767]',
    });
    // Issue 15: an all-null week (and any week under 1 440 observed minutes) is invalid, as the README says.
    const empty = await post(`${s.url}/v1/embed`, { sequences: [{ values: new Array(10_080).fill(null) }] });
    expect(empty.status).toBe(400);
    expect((empty.json.error as { details: { path: unknown[]; message: string }[] }).details[0]).toEqual({
      path: ['sequences', 0, 'values'],
      message: 'has 0 observed minutes; at least 1440 are needed for an embedding',
    });
    const day = new Array<number | null>(10_080).fill(null).fill(3, 0, 1439);
    expect((await post(`${s.url}/v1/embed`, { sequences: [{ values: day }] })).status).toBe(400);
    expect((await post(`${s.url}/v1/embed`, { sequences: [{ values: day.fill(3, 0, 1440) }] })).status).toBe(
      200,
    );
    // A known path with another method: 405 and Allow, not 404.
    const wrong = await fetch(`${s.url}/v1/embed`, { method: 'GET' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect((await fetch(`${s.url}/v1/nothing`, { method: 'GET' })).status).toBe(404);
    const media = await fetch(`${s.url}/v1/embed`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(media.status).toBe(415);
  });

  it('answers /metrics in Prometheus text with latency, errors, per-model counts and drift', async () => {
    const text = await (await fetch(`${s.url}/metrics`)).text();
    expect(text).toMatch(
      /inference_request_duration_seconds_bucket\{le="0.005",route="\/v1\/embed",status="200"\}/,
    );
    expect(metricValue(text, 'inference_errors_total', { code: 'invalid_input' })).toBeGreaterThan(0);
    expect(
      metricValue(text, 'inference_sequences_total', { model: 'pat-s@v1', route: 'embed' }),
    ).toBeGreaterThan(0);
    const psi = metricValue(text, 'inference_input_psi', { model: 'pat-s@v1' });
    expect(psi).toBeGreaterThanOrEqual(0);
    // Synthetic weeks come from the same generator as the stand-in's reference: little drift.
    expect(psi).toBeLessThan(0.1);
    expect(metricValue(text, 'inference_queue_depth', { model: 'pat-s@v1' })).toBe(0);
  });

  it('refuses predictions while no validated head is configured', async () => {
    const r = await post(`${s.url}/v1/predict`, { sequences: [{ values: week(6) }] });
    expect(r.status).toBe(409);
    expect((r.json.error as { message: string }).message).toMatch(/no validated prediction head/);
  });
});

describe('limits', () => {
  it('answers 413 to an oversize body', async () => {
    const s = await start({ server: { maxBodyBytes: 50_000 } });
    await s.ready;
    const r = await post(`${s.url}/v1/embed`, { sequences: [{ values: week(1) }, { values: week(2) }] });
    expect(r.status).toBe(413);
  });

  it('answers 503 with Retry-After when the queue is full', async () => {
    const s = await start({ maxBatch: 1, maxQueue: 2, maxWaitMs: 0 });
    await s.ready;
    const tooMany = await post(`${s.url}/v1/embed`, {
      sequences: [{ values: week(1) }, { values: week(2) }, { values: week(3) }],
    });
    expect(tooMany.status).toBe(503);
    expect(tooMany.headers.get('retry-after')).toBe('1');
    const flood = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        post(`${s.url}/v1/embed`, { sequences: [{ values: week(i) }, { values: week(i + 1) }] }),
      ),
    );
    const statuses = flood.map((r) => r.status);
    expect(statuses.filter((x) => x === 503).length).toBeGreaterThan(0);
    expect(statuses.filter((x) => x !== 503 && x !== 200)).toEqual([]);
    const text = await (await fetch(`${s.url}/metrics`)).text();
    expect(metricValue(text, 'inference_queue_rejections_total', { model: 'pat-s@v1' })).toBeGreaterThan(0);
  });

  it('refuses to serve a model whose checksum does not match', async () => {
    const s = await start({ models: await tamperedCopy(join(models, 'a')) });
    await expect(s.ready).rejects.toThrow(/checksum mismatch/);
    const ready = await fetch(`${s.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(JSON.stringify(await ready.json())).toMatch(/checksum mismatch/);
    expect((await post(`${s.url}/v1/embed`, { sequences: [{ values: week(1) }] })).status).toBe(503);
  });

  it('fails fast with 503 and turns /readyz to 503 when a model worker stops', async () => {
    const s = await start();
    await s.ready;
    const v1 = s.registry.resolve('pat-s@v1');
    await v1.encoder.close();
    const r = await post(`${s.url}/v1/embed`, { model: 'pat-s@v1', sequences: [{ values: week(1) }] });
    expect(r.status).toBe(503);
    const ready = await fetch(`${s.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(JSON.stringify(await ready.json())).toMatch(/model worker stopped: pat-s@v1/);
    expect(
      (await post(`${s.url}/v1/embed`, { model: 'pat-s@v2', sequences: [{ values: week(1) }] })).status,
    ).toBe(200);
  });

  it('answers 504 when the deadline passes while sequences are still queued', async () => {
    // maxBatch 1: the second and third sequence wait for the first run, which outlasts a 1 ms deadline.
    const s = await start({ maxBatch: 1, server: { requestTimeoutMs: 1 } });
    await s.ready;
    const r = await post(`${s.url}/v1/embed`, {
      sequences: [{ values: week(1) }, { values: week(2) }, { values: week(3) }],
    });
    expect(r.status).toBe(504);
    expect((r.json.error as { code: string }).code).toBe('deadline_exceeded');
  });
});

describe('predict with (unvalidated, labelled) heads', () => {
  it('returns per-head probability, confidence, and the ensemble mean and spread across models', async () => {
    const s = await start({ server: { allowUnvalidatedHeads: true } });
    await s.ready;
    const r = await post(`${s.url}/v1/predict`, { sequences: [{ id: 'x', values: week(8) }] });
    expect(r.status).toBe(200);
    const body = r.json as {
      clinical: boolean;
      notice: string;
      models: unknown[];
      results: {
        id: string;
        heads: {
          task: string;
          probability: number;
          confidence: number;
          spread: number;
          byModel: { probability: number }[];
        }[];
      }[];
    };
    expect(body.clinical).toBe(false);
    expect(body.notice).toMatch(/not a clinical prediction/);
    expect(body.models).toHaveLength(2);
    const head = body.results[0]!.heads[0]!;
    expect(head.task).toBe('demo');
    expect(head.byModel).toHaveLength(2);
    const [p1, p2] = head.byModel.map((b) => b.probability) as [number, number];
    expect(head.probability).toBeCloseTo((p1 + p2) / 2, 12);
    expect(head.spread).toBeCloseTo(Math.abs(p1 - p2) / 2, 12);
    expect(head.confidence).toBeCloseTo(Math.max(head.probability, 1 - head.probability), 12);
  });
});
