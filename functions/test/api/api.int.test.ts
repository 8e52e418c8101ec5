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
import { createApp } from '../../src/api/app.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { FsBlobStore } from '../../src/store/blob-store.ts';
import { adminAuth, adminDb, signUp } from '../support/emulators.ts';
import { morningBatch } from '../support/samples.ts';

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
  // Public callers get only the status; version, uptime and checks are for admins (test/api/gateway.int.test.ts).
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

  it('is strict like every body, and refuses samples dated before 1900, storing nothing', async () => {
    const before = (await adminDb(project).collection(`users/${uid}/uploads`).get()).size;
    const details = async (body: unknown) => {
      const res = await post(JSON.stringify(body));
      expect(res.status).toBe(400);
      return ((await res.json()) as { error: { details: { path: unknown[]; message: string }[] } }).error
        .details;
    };
    const batch = morningBatch();
    expect(await details({ ...batch, note: 'x' })).toEqual([
      { path: [], message: expect.stringMatching(/"note"/) as string },
    ]);
    const typo = morningBatch();
    typo.samples[1] = { ...typo.samples[1], sourceNmae: 'Watch' };
    expect(await details(typo)).toEqual([
      { path: ['samples', 1], message: expect.stringMatching(/"sourceNmae"/) as string },
    ]);
    const old = morningBatch();
    old.samples[0] = {
      ...old.samples[0],
      startDate: '1850-01-01T07:00:00Z',
      endDate: '1850-01-01T07:00:00Z',
    };
    expect(await details(old)).toEqual([
      { path: ['samples', 0, 'startDate'], message: 'must not be before 1900-01-01' },
    ]);
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

  it('answers 422 and stores nothing when an Idempotency-Key is reused with a different body', async () => {
    const first = await post(JSON.stringify(morningBatch('2026-11-22')), {
      'idempotency-key': 'reuse-key-0001',
    });
    expect(first.status).toBe(202);
    const { uploadId } = ((await first.json()) as { data: { uploadId: string } }).data;
    const before = await adminDb(project).doc(`users/${uid}/uploads/${uploadId}`).get();
    const other = await post(JSON.stringify(morningBatch('2026-11-23')), {
      'idempotency-key': 'reuse-key-0001',
    });
    expect(other.status).toBe(422);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe('unprocessable');
    const after = await adminDb(project).doc(`users/${uid}/uploads/${uploadId}`).get();
    expect(after.get('sha256')).toBe(before.get('sha256'));
    const raw = JSON.parse((await blobs.get(after.get('rawPath') as string)).toString()) as {
      samples: { startDate: string }[];
    };
    expect(raw.samples[0]?.startDate.startsWith('2026-11-22')).toBe(true);
  });

  it('answers 404 in the error shape for unknown routes', async () => {
    const res = await fetch(`${base}/v1/nope`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });

  it('answers 405 with Allow for a known path and a wrong method', async () => {
    const res = await fetch(`${base}/v1/health/upload`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('method_not_allowed');
    const del = await fetch(`${base}/v1/health/trends`, { method: 'DELETE' });
    expect(del.status).toBe(405);
    expect(del.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('Location of a 202', () => {
  it('points at GET /v1/health/uploads/{id} and GET /v1/health/jobs/{id}, which answer for the owner', async () => {
    const up = await post(JSON.stringify(morningBatch('2026-11-24')));
    expect(up.status).toBe(202);
    const loc = up.headers.get('location') as string;
    const got = await fetch(`${base}${loc}`, { headers: { authorization: `Bearer ${token}` } });
    expect(got.status).toBe(200);
    const body = (await got.json()) as { data: { uploadId: string; status: string; format: string } };
    expect(body.data).toMatchObject({ status: 'received', format: 'json' });
    expect(loc).toBe(`/v1/health/uploads/${body.data.uploadId}`);

    const job = await fetch(`${base}/v1/health/analyze`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ window: { start: '2026-11-18', end: '2026-11-24' } }),
    });
    expect(job.status).toBe(202);
    const jobLoc = job.headers.get('location') as string;
    const jr = await fetch(`${base}${jobLoc}`, { headers: { authorization: `Bearer ${token}` } });
    expect(jr.status).toBe(200);
    const jd = (
      (await jr.json()) as { data: { status: string; window: unknown; stages: Record<string, unknown> } }
    ).data;
    expect(jd).toMatchObject({ status: 'queued', window: { start: '2026-11-18', end: '2026-11-24' } });
    expect(Object.keys(jd.stages).sort()).toEqual(['analyze', 'deliver', 'infer', 'insight']);

    // Another user gets 403 (not whether the document exists); a missing id is 404.
    const other = await signUp(`api-other-${Date.now()}@example.com`);
    const denied = await fetch(`${base}${loc}?uid=${uid}`, {
      headers: { authorization: `Bearer ${other.idToken}` },
    });
    expect(denied.status).toBe(403);
    const missing = await fetch(`${base}/v1/health/jobs/nope-0000`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(missing.status).toBe(404);
  });
});

describe('dates a careless client sends', () => {
  const get = (q: string) =>
    fetch(`${base}/v1/health/trends?${q}`, { headers: { authorization: `Bearer ${token}` } });
  const analyze = (body: string | undefined, headers: Record<string, string> = {}) =>
    fetch(`${base}/v1/health/analyze`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, ...headers },
      ...(body === undefined ? {} : { body }),
    });
  const reasons = async (res: Response) =>
    ((await res.json()) as { error: { details: { path: unknown[]; message: string }[] } }).error.details;

  it('refuses impossible calendar dates and implausible years with the reason, on trends and analyze', async () => {
    for (const [q, field, reason] of [
      ['metric=steps&start=2026-02-30&end=2026-03-02', 'start', 'is not a calendar date'],
      ['metric=steps&start=2026-11-01&end=2026-13-45', 'end', 'is not a calendar date'],
      ['metric=steps&start=1899-12-30&end=1899-12-31', 'start', 'must lie between'],
      ['metric=steps&start=2099-01-01&end=2099-01-02', 'start', 'must lie between'],
    ] as const) {
      const res = await get(q);
      expect(res.status, q).toBe(400);
      const details = await reasons(res);
      expect(
        details.some((d) => d.path.join('.') === `query.${field}` && d.message.includes(reason)),
        q,
      ).toBe(true);
    }
    const res = await analyze(JSON.stringify({ window: { start: '2026-02-30', end: '2026-03-01' } }), {
      'content-type': 'application/json',
    });
    expect(res.status).toBe(400);
    expect((await reasons(res)).map((d) => d.path.join('.'))).toContain('body.window.start');
  });

  it('accepts POST /analyze with no body at all (the window is optional)', async () => {
    const res = await analyze(undefined);
    expect(res.status).toBe(202);
  });
});
