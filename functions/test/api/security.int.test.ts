/**
 * The security layer against the real Auth and Firestore emulators, through createApp served on loopback:
 *  - rate limits under load from autocannon: 429s begin at the configured limit, per user (across two app
 *    instances, i.e. two Firestore clients sharing the buckets) and for the users' sharded pool; anonymous
 *    callers have their own pool; refused requests consume nothing; failed sign-ins are limited too;
 *  - signed requests: a valid one passes, a replay, an expired timestamp and a tampered body do not;
 *  - security headers, CORS allowlist and preflight, body limits;
 *  - the audit trail and the logs of a full upload -> ingest run (no sample value in any log line).
 * Documents go to their own project so the emulated triggers of demo-clarity do not race these tests.
 */
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { initializeApp } from 'firebase-admin/app';
import { getFirestore, type Firestore } from 'firebase-admin/firestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.ts';
import type { ApiDeps } from '../../src/api/context.ts';
import { errorHandler, requestContext, requireUser } from '../../src/api/middleware.ts';
import { FirestoreRateLimitStore, RateLimiter, type RateLimitConfig } from '../../src/api/rate-limit.ts';
import { defaultSecurity, type SecurityDeps } from '../../src/api/security.ts';
import { requireSignedRequest, signRequest } from '../../src/api/signing.ts';
import { ingestUpload } from '../../src/pipeline/ingest.ts';
import { createLogger, type LogFields, type Logger } from '../../src/platform/logger.ts';
import { FsBlobStore } from '../../src/store/blob-store.ts';
import { adminAuth, adminDb, requireEmulators, signUp } from '../support/emulators.ts';
import { runLoad } from '../support/load.ts';

const project = 'demo-clarity-security';
const blobs = new FsBlobStore(mkdtempSync(path.join(tmpdir(), 'clarity-sec-blobs-')));
const servers: Server[] = [];

/** A logger that keeps every entry (as the JSON line it would print) and still prints it. */
function recordingLogger(lines: string[], base: LogFields = {}): Logger {
  const inner = createLogger(base);
  const rec =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (event: string, fields: LogFields = {}): void => {
      lines.push(JSON.stringify({ level, event, ...base, ...fields }));
      inner[level](event, fields);
    };
  return {
    debug: rec('debug'),
    info: rec('info'),
    warn: rec('warn'),
    error: rec('error'),
    child: (fields) => recordingLogger(lines, { ...base, ...fields }),
  };
}

function deps(db: Firestore, security: Partial<SecurityDeps>, extra: Partial<ApiDeps> = {}): ApiDeps {
  return {
    db,
    auth: adminAuth(),
    blobs,
    log: createLogger({ test: 'security' }),
    now: Date.now,
    maxUploadBytes: 64 * 1024,
    version: 'test',
    startedAt: Date.now(),
    security: { ...defaultSecurity, ...security },
    ...extra,
  };
}

async function serve(app: express.Express | ((req: never, res: never) => void)): Promise<string> {
  const server = createServer(app as Parameters<typeof createServer>[1] & object);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * A frozen instant far from now, later than every earlier one of this run: the limiter's buckets (the
 * pools' shards above all) are shared documents, and GCRA state written at a later instant would refuse
 * requests made at an earlier one.
 */
let frozenAt = Date.UTC(2040, 0, 1) + Math.floor(Math.random() * 1e3) * 86_400_000;
function frozenClock(): () => number {
  frozenAt += 86_400_000;
  const t = frozenAt;
  return () => t;
}

function batch(values: number[]): string {
  return JSON.stringify({
    samples: values.map((v, i) => ({
      type: 'HKQuantityTypeIdentifierHeartRate',
      value: v,
      unit: 'count/min',
      startDate: `2026-11-20T07:${String(i).padStart(2, '0')}:00-05:00`,
      endDate: `2026-11-20T07:${String(i).padStart(2, '0')}:00-05:00`,
      sourceName: 'Apple Watch',
    })),
  });
}

function uploadHeaders(idToken: string, idempotencyKey: string): Record<string, string> {
  return {
    authorization: `Bearer ${idToken}`,
    'content-type': 'application/json',
    'idempotency-key': idempotencyKey,
  };
}

beforeAll(() => requireEmulators());
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
});

/** A limiter on the emulator's Firestore; unlimited unless `over` says otherwise. */
function limiter(db: Firestore, over: Partial<RateLimitConfig>, now: () => number): RateLimiter {
  const open = { perCaller: 1_000_000, burst: 1_000_000, pool: 1_000_000, poolBurst: 1_000_000 };
  return new RateLimiter(
    new FirestoreRateLimitStore(db),
    { windowSeconds: 60, user: open, anon: open, poolShards: 4, ...over },
    { now, timeoutMs: 20_000 },
  );
}

describe('rate limits under load (autocannon, loopback)', () => {
  it('per user: 429s begin at the limit, counted across two app instances', async () => {
    const limit = 150;
    const now = frozenClock();
    const user = { perCaller: limit, burst: limit, pool: 1_000_000, poolBurst: 1_000_000 };
    // Two instances: separate Admin apps and Firestore clients, sharing only the emulator's documents.
    const second = getFirestore(initializeApp({ projectId: project }, `rate-second-${Date.now()}`));
    const a = await serve(
      createApp(deps(adminDb(project), { rateLimiter: limiter(adminDb(project), { user }, now) })),
    );
    const b = await serve(createApp(deps(second, { rateLimiter: limiter(second, { user }, now) })));
    const { idToken } = await signUp(`rate-user-${Date.now()}@example.com`);
    // The per-user limit runs inside requireUser, before the route. A retried upload (same
    // Idempotency-Key) is the cheapest authenticated route: after the first, each is one document read.
    const opts = {
      requests: [
        {
          method: 'POST',
          path: '/v1/health/upload',
          headers: uploadHeaders(idToken, 'rate-limit-user-key'),
          body: batch([70]),
        },
      ],
      amount: 120,
      connections: 8,
    };
    const [ra, rb] = await Promise.all([runLoad({ ...opts, url: a }), runLoad({ ...opts, url: b })]);
    const admitted =
      ra.statuses.filter((s) => s !== 429).length + rb.statuses.filter((s) => s !== 429).length;
    const limited = ra.limited + rb.limited;
    console.log(
      `rate-limit per user: limit ${limit}, sent ${ra.statuses.length + rb.statuses.length} over 2 instances, ` +
        `admitted ${admitted}, 429 ${limited}, first 429 after ${ra.statuses.indexOf(429)} (a) / ${rb.statuses.indexOf(429)} (b) responses`,
    );
    expect(ra.errors + rb.errors).toBe(0);
    expect(admitted).toBe(limit);
    expect(limited).toBe(240 - admitted);
    expect([...ra.statuses, ...rb.statuses].filter((x) => x !== 429 && x !== 202)).toEqual([]);
  });

  it("users' pool: 429s begin at the pool's limit across users; its shards are separate documents", async () => {
    const pool = 200;
    const now = frozenClock();
    const rl = limiter(
      adminDb(project),
      { user: { perCaller: 10_000, burst: 10_000, pool, poolBurst: pool } },
      now,
    );
    const base = await serve(createApp(deps(adminDb(project), { rateLimiter: rl })));
    const users = await Promise.all(
      [1, 2, 3].map((i) => signUp(`rate-global-${i}-${Date.now()}@example.com`)),
    );
    const result = await runLoad({
      url: base,
      amount: 300,
      connections: 10,
      requests: users.map((u, i) => ({
        method: 'POST',
        path: '/v1/health/upload',
        headers: uploadHeaders(u.idToken, `rate-limit-global-${i}`),
        body: batch([70]),
      })),
    });
    const admitted = result.statuses.filter((s) => s !== 429).length;
    console.log(
      `rate-limit users' pool: limit ${pool} over 4 shards, sent ${result.statuses.length}, admitted ${admitted}, ` +
        `429 ${result.limited}, first 429 after ${result.statuses.indexOf(429)} responses`,
    );
    expect(result.errors).toBe(0);
    expect(result.statuses.filter((x) => x !== 429 && x !== 202)).toEqual([]);
    // A request tries two random shards: near the end it can be refused while a third still has room.
    expect(admitted).toBeGreaterThanOrEqual(Math.floor(pool * 0.9));
    expect(admitted).toBeLessThanOrEqual(pool);
    const shards = await adminDb(project)
      .getAll(...[0, 1, 2, 3].map((i) => adminDb(project).doc(`rateLimits/pool_user_${i}`)))
      .then((snaps) => snaps.filter((sn) => sn.exists).length);
    expect(shards).toBe(4);
  });

  it("anonymous clients, from any number of addresses, cannot spend the signed-in users' pool", async () => {
    const now = frozenClock();
    const small = { perCaller: 1_000, burst: 1_000, pool: 20, poolBurst: 20 };
    const rl = limiter(adminDb(project), { user: small, anon: small }, now);
    // One proxy hop in front: every request comes from another client address.
    const base = await serve(createApp(deps(adminDb(project), { rateLimiter: rl, trustedProxyHops: 1 })));
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const res = await fetch(`${base}/v1/system/health`, {
        headers: { 'x-forwarded-for': `198.51.100.${i}` },
      });
      statuses.push(res.status);
    }
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(20);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(20);
    const users = await Promise.all(
      [1, 2, 3].map((i) => signUp(`rate-anon-pool-${i}-${Date.now()}@example.com`)),
    );
    for (const [i, u] of users.entries()) {
      const res = await fetch(`${base}/v1/health/upload`, {
        method: 'POST',
        headers: uploadHeaders(u.idToken, `rate-anon-pool-${i}`),
        body: batch([70]),
      });
      expect(res.status).toBe(202);
    }
  });

  it('refused requests consume no budget: one interval later the caller passes again', async () => {
    let t = frozenClock()();
    const rl = limiter(
      adminDb(project),
      { anon: { perCaller: 60, burst: 1, pool: 1_000_000, poolBurst: 1_000_000 } },
      () => t,
    );
    const base = await serve(createApp(deps(adminDb(project), { rateLimiter: rl })));
    expect((await fetch(`${base}/v1/system/health`)).status).toBe(200);
    for (let i = 0; i < 30; i++) expect((await fetch(`${base}/v1/system/health`)).status).toBe(429);
    t += 1000;
    expect((await fetch(`${base}/v1/system/health`)).status).toBe(200);
  });

  it('a failed sign-in is limited per client address like any anonymous request', async () => {
    const now = frozenClock();
    const rl = limiter(
      adminDb(project),
      { anon: { perCaller: 60, burst: 3, pool: 1_000_000, poolBurst: 1_000_000 } },
      now,
    );
    const base = await serve(createApp(deps(adminDb(project), { rateLimiter: rl })));
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${base}/v1/health/insights`, {
        headers: { authorization: 'Bearer forged.token.x' },
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
  });

  it('a limited response has Retry-After, RateLimit headers and the one error shape', async () => {
    const now = frozenClock();
    const rl = limiter(
      adminDb(project),
      { anon: { perCaller: 1, burst: 1, pool: 100, poolBurst: 100 } },
      now,
    );
    const base = await serve(createApp(deps(adminDb(project), { rateLimiter: rl })));
    const ok = await fetch(`${base}/v1/system/health`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('ratelimit-limit')).toBe('1');
    expect(ok.headers.get('ratelimit-remaining')).toBe('0');
    expect(ok.headers.get('ratelimit-policy')).toBe('"caller";q=1;w=60');
    const res = await fetch(`${base}/v1/system/health`);
    expect(res.status).toBe(429);
    const retry = Number(res.headers.get('retry-after'));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    expect(res.headers.get('ratelimit')).toMatch(/^"caller";r=0;t=\d+$/);
    const body = (await res.json()) as { error: { code: string; requestId: string } };
    expect(body.error.code).toBe('rate_limited');
    expect(body.error.requestId).toBe(res.headers.get('x-request-id'));
  });
});

describe('signed requests', () => {
  const secret = 'test-master-secret-0123456789abcdef0123456789';
  let base: string;
  let token: string;
  let key: string;

  beforeAll(async () => {
    const d = deps(
      adminDb(project),
      { signingSecret: secret, signatureMaxSkewSeconds: 300 },
      {
        now: Date.now,
      },
    );
    // The middleware on a route of its own: a signed JSON echo after requireUser.
    const app = express();
    app.use(requestContext(d));
    app.post('/signed/echo', requireUser(d), requireSignedRequest(d), (req, res) => {
      res.json({ ok: true, body: req.body as unknown });
    });
    app.use(errorHandler());
    base = await serve(app);
    ({ idToken: token } = await signUp(`signer-${Date.now()}@example.com`));
    const keyApp = await serve(createApp(d));
    const issued = await fetch(`${keyApp}/v1/security/signing-key`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(issued.status).toBe(201);
    ({ key } = ((await issued.json()) as { data: { key: string } }).data);
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  const send = (headers: Record<string, string>, body: string) =>
    fetch(`${base}/signed/echo`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      body,
    });

  it('accepts a correctly signed request and rejects its replay', async () => {
    const body = JSON.stringify({ url: 'https://hooks.example.com/x' });
    const headers = signRequest({ key, method: 'POST', path: '/signed/echo', body });
    const first = await send(headers, body);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ ok: true, body: { url: 'https://hooks.example.com/x' } });
    const replay = await send(headers, body);
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { error: { message: string } }).error.message).toMatch(
      /already been used/,
    );
  });

  it('rejects an expired timestamp, a tampered body, a wrong key and a missing signature', async () => {
    const body = '{"a":1}';
    const expired = signRequest({
      key,
      method: 'POST',
      path: '/signed/echo',
      body,
      // A minute past the 300 s skew: a 1 s margin failed when the request took over a second under load.
      nowMs: Date.now() - 360_000,
    });
    const r1 = await send(expired, body);
    expect(r1.status).toBe(401);
    expect(((await r1.json()) as { error: { message: string } }).error.message).toMatch(
      /outside the allowed 300 s/,
    );
    const future = signRequest({
      key,
      method: 'POST',
      path: '/signed/echo',
      body,
      nowMs: Date.now() + 360_000,
    });
    expect((await send(future, body)).status).toBe(401);
    const good = signRequest({ key, method: 'POST', path: '/signed/echo', body });
    expect((await send(good, '{"a":2}')).status).toBe(401);
    const wrongKey = signRequest({ key: `${key}x`, method: 'POST', path: '/signed/echo', body });
    expect((await send(wrongKey, body)).status).toBe(401);
    const wrongPath = signRequest({ key, method: 'POST', path: '/signed/other', body });
    expect((await send(wrongPath, body)).status).toBe(401);
    expect((await send({}, body)).status).toBe(401);
  });

  it('issues the key once; rotation needs a recent sign-in and invalidates the old key', async () => {
    const { idToken } = await signUp(`rotator-${Date.now()}@example.com`);
    const later = deps(adminDb(project), { signingSecret: secret }, { now: () => Date.now() + 10 * 60_000 });
    const keyApp = await serve(createApp(deps(adminDb(project), { signingSecret: secret })));
    const lateApp = await serve(createApp(later));
    const post = (b: string) =>
      fetch(`${b}/v1/security/signing-key`, {
        method: 'POST',
        headers: { authorization: `Bearer ${idToken}` },
      });
    const first = (await (await post(keyApp)).json()) as { data: { key: string; version: number } };
    expect(first.data.version).toBe(1);
    // Ten minutes after the sign-in: no second copy of the key (signing.int.test.ts: nor a first one).
    expect((await post(lateApp)).status).toBe(401);
    // Within five minutes of the sign-in: rotated.
    const second = (await (await post(keyApp)).json()) as { data: { key: string; version: number } };
    expect(second.data.version).toBe(2);
    expect(second.data.key).not.toBe(first.data.key);
  });
});

describe('headers, CORS and body limits', () => {
  let base: string;
  beforeAll(async () => {
    base = await serve(
      createApp(deps(adminDb(project), { corsOrigins: ['https://app.example.com'], maxJsonBytes: 1024 })),
    );
  });

  it('sets HSTS, CSP, X-Frame-Options and nosniff', async () => {
    const res = await fetch(`${base}/v1/system/health`);
    expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('answers a preflight from an allowlisted origin with credentials, refuses others', async () => {
    const pre = await fetch(`${base}/v1/health/upload`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(pre.headers.get('access-control-allow-credentials')).toBe('true');
    expect(pre.headers.get('access-control-allow-headers')).toContain('authorization');
    const evil = await fetch(`${base}/v1/health/upload`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example.net', 'access-control-request-method': 'POST' },
    });
    expect(evil.status).toBe(403);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    const get = await fetch(`${base}/v1/system/health`, { headers: { origin: 'https://evil.example.net' } });
    expect(get.status).toBe(200);
    expect(get.headers.get('access-control-allow-origin')).toBeNull();
    const post = await fetch(`${base}/v1/health/upload`, {
      method: 'POST',
      headers: { origin: 'https://evil.example.net', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(post.status).toBe(403);
  });

  it('refuses a body over the general limit with 413 before reading it', async () => {
    const res = await fetch(`${base}/v1/security/signing-key`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pad: 'x'.repeat(2000) }),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
  });
});

describe('audit trail and logs of a full upload -> ingest run', () => {
  it('records the upload and the ingest, and no log line carries a sample value', async () => {
    const lines: string[] = [];
    const log = recordingLogger(lines, { test: 'e2e-logs' });
    const db = adminDb(project);
    const base = await serve(createApp({ ...deps(db, {}), log }));
    const { uid, idToken } = await signUp(`audited-${Date.now()}@example.com`);
    const values = [61.2345, 73.98765, 88.4321, 102.5678];
    const res = await fetch(`${base}/v1/health/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${idToken}`, 'content-type': 'application/json' },
      body: batch(values),
    });
    expect(res.status).toBe(202);
    const requestId = res.headers.get('x-request-id') ?? '';
    const { data } = (await res.json()) as { data: { uploadId: string } };
    const outcome = await ingestUpload({ uid, uploadId: data.uploadId }, { db, blobs, log, now: Date.now });
    expect(outcome).toMatchObject({ kind: 'done', status: 'ingested', counts: { accepted: 4 } });

    const audit = await db.collection('audit').where('requestId', '==', requestId).get();
    const entries = audit.docs
      .map((d) => d.data())
      .sort((x, y) => String(x.action).localeCompare(String(y.action)));
    expect(entries.map((e) => e.action as string)).toEqual(['health.ingest', 'health.upload']);
    expect(entries[1]).toMatchObject({
      actorUid: uid,
      actorRoles: ['user'],
      targetUid: uid,
      resource: `users/${uid}/uploads/${data.uploadId}`,
    });
    expect(entries[0]).toMatchObject({ actorUid: 'system:ingest', targetUid: uid });

    const all = lines.join('\n');
    expect(all).toContain('"event":"upload.received"');
    expect(all).toContain('"event":"ingest.finished"');
    for (const v of values) expect(all).not.toContain(String(v));
    expect(all).not.toContain(idToken);
  });
});
