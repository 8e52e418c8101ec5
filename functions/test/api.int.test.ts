/**
 * The API against the real Auth and Firestore emulators, served by a plain Node HTTP server (so limits and
 * error paths are exercised exactly as Express sees them). Raw objects go to a temporary folder through the
 * same BlobStore the emulated functions use.
 */
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/api/app.ts';
import { createLogger } from '../src/platform/logger.ts';
import { FsBlobStore } from '../src/store/blob-store.ts';
import { adminAuth, adminDb, signUp } from './support/emulators.ts';
import { morningBatch } from './support/samples.ts';

let server: Server;
let base: string;
let token: string;
let uid: string;
// Documents go to their own project so the emulated ingest trigger of demo-clarity does not pick them up.
const project = 'demo-clarity-api';
const blobs = new FsBlobStore(mkdtempSync(path.join(tmpdir(), 'clarity-blobs-')));

beforeAll(async () => {
  const app = createApp({
    db: adminDb(project),
    auth: adminAuth(),
    blobs,
    log: createLogger({ test: 'api' }),
    now: Date.now,
    maxUploadBytes: 64 * 1024,
    version: 'test',
    startedAt: Date.now(),
  });
  server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ({ uid, idToken: token } = await signUp(`api-${Date.now()}@example.com`));
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const post = (body: string, headers: Record<string, string> = {}) =>
  fetch(`${base}/v1/health/upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body,
  });

describe('GET /v1/system/health', () => {
  // Public callers get only the status; version, uptime and checks are for admins (test/gateway).
  it('reports ok, and nothing more to an anonymous caller', async () => {
    const res = await fetch(`${base}/v1/system/health`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: Record<string, unknown> };
    expect(body.data).toEqual({ status: 'ok' });
  });
});

describe('POST /v1/health/upload', () => {
  it('stores a valid batch as received with its raw bytes and answers 202', async () => {
    const raw = JSON.stringify(morningBatch());
    const res = await post(raw);
    expect(res.status).toBe(202);
    const { data } = (await res.json()) as { data: { uploadId: string; status: string } };
    expect(data.status).toBe('received');
    const doc = (await adminDb(project).doc(`users/${uid}/uploads/${data.uploadId}`).get()).data();
    expect(doc).toMatchObject({
      status: 'received',
      source: 'healthkit',
      format: 'json',
      sampleCount: 14,
      byteSize: Buffer.byteLength(raw),
    });
    expect((await blobs.get(doc?.rawPath as string)).toString()).toBe(raw);
  });

  it('answers 401 without a token and with a bad one, in the one error shape', async () => {
    const none = await fetch(`${base}/v1/health/upload`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(none.status).toBe(401);
    const noneBody = (await none.json()) as { error: { code: string; message: string; requestId: string } };
    expect(noneBody.error.code).toBe('unauthenticated');
    expect(noneBody.error.requestId).toMatch(/[\w-]{8,}/);
    const bad = await post('{}', { authorization: 'Bearer not.a.token' });
    expect(bad.status).toBe(401);
  });

  it('answers 415 for a non-JSON content type and 413 over the size limit', async () => {
    const text = await post('hello', { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    expect(((await text.json()) as { error: { code: string } }).error.code).toBe('unsupported_media_type');
    const big = await post(JSON.stringify({ samples: [], pad: 'x'.repeat(70 * 1024) }));
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
  });

  it('answers 400 for malformed JSON without echoing it', async () => {
    const res = await post('{"samples": [');
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error).toMatchObject({ code: 'parse_error', message: 'request body is not valid JSON' });
  });

  it('answers 400 listing the path and reason of every invalid sample, and stores nothing', async () => {
    const before = (await adminDb(project).collection(`users/${uid}/uploads`).get()).size;
    const batch = morningBatch();
    batch.samples[2] = { ...batch.samples[2], value: 999 };
    batch.samples[5] = { ...batch.samples[5], unit: 'bpm' };
    const res = await post(JSON.stringify(batch));
    expect(res.status).toBe(400);
    const body = (await res.json()) as {
      error: { code: string; details: { path: unknown[]; message: string }[] };
    };
    expect(body.error.code).toBe('invalid_input');
    expect(body.error.details.map((d) => d.path)).toEqual([
      ['samples', 2, 'value'],
      ['samples', 5, 'unit'],
    ]);
    expect(JSON.stringify(body)).not.toContain('999');
    expect((await adminDb(project).collection(`users/${uid}/uploads`).get()).size).toBe(before);
  });

  it('maps a retried request with the same Idempotency-Key to the same upload', async () => {
    const raw = JSON.stringify(morningBatch('2026-11-21'));
    const a = (await (await post(raw, { 'idempotency-key': 'retry-key-0001' })).json()) as {
      data: { uploadId: string };
    };
    const second = await post(raw, { 'idempotency-key': 'retry-key-0001' });
    expect(second.status).toBe(202);
    const b = (await second.json()) as { data: { uploadId: string; replayed?: boolean } };
    expect(b.data).toEqual({ uploadId: a.data.uploadId, status: 'received', replayed: true });
  });

  it('answers 404 in the error shape for unknown routes', async () => {
    const res = await fetch(`${base}/v1/nope`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });
});
