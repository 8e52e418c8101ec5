/**
 * Property-based fuzzing of every API endpoint (body, query and headers), in process through createApp on
 * loopback, against the real Auth and Firestore emulators. Two properties hold for every endpoint: no 5xx,
 * and nothing invalid is accepted (endpoint-specific oracles, e.g. an upload with any invalid sample never
 * gets 202 and a valid one always does).
 *
 * Case counts: FUZZ_RUNS per endpoint; `npm run test:fuzz` (project `fuzz`) sets 10 000, the integration
 * project (npm test) runs the default of 150. Add an endpoint = add one row to `endpoints`.
 */
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.ts';
import { operations } from '../../src/api/openapi.ts';
import { defaultSecurity } from '../../src/api/security.ts';
import { createLogger, type Logger } from '../../src/platform/logger.ts';
import { FsBlobStore } from '../../src/store/blob-store.ts';
import { adminAuth, adminDb, requireEmulators } from '../support/emulators.ts';
import {
  anyBody,
  headerText,
  hostileString,
  isoDay,
  jsonBody,
  queryArb,
  uploadBatch,
} from '../support/arbitraries.ts';

const runs = Number(process.env.FUZZ_RUNS ?? 150);
const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const project = 'demo-clarity-fuzz';

interface Sent {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string | undefined;
  /** What the case generator knows about the input (e.g. which samples it broke). */
  meta: {
    validAuth: boolean;
    foreignOrigin: boolean;
    invalidIndexes?: number[];
    validIdempotencyKey?: boolean;
  };
}
interface Received {
  status: number;
  json: unknown;
}

interface Endpoint {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  /** Query names the endpoint knows (fuzzed with hostile values, plus random names). */
  query?: string[];
  /** Plausible values per query name (mixed with hostile ones); overrides `query`. */
  queryValues?: Record<string, fc.Arbitrary<string>>;
  /** Whole-query generator (e.g. coherent parameter sets); mixed half and half with `queryValues`. */
  queryGen?: fc.Arbitrary<Record<string, string>>;
  /** Body generator; default: any JSON, JSON-ish text or garbage. */
  body?: fc.Arbitrary<{ body: string | undefined; invalidIndexes?: number[] }>;
  /** Extra assertions on top of "no 5xx" and "the one error shape". */
  oracle?: (sent: Sent, got: Received) => void;
}

/** Never 2xx for a request the fuzzer cannot have signed (the X-Clarity-* headers are random). */
const neverAccepted = (_s: Sent, got: Received): void => {
  expect(got.status, 'accepted a request it must refuse').toBeGreaterThanOrEqual(400);
};
/** 2xx only when every query name is one the endpoint declares (the schemas are strict). */
const onlyDeclaredQuery =
  (names: string[]) =>
  (s: Sent, got: Received): void => {
    if (got.status < 300) for (const k of Object.keys(s.query)) expect(names, `accepted ?${k}`).toContain(k);
  };
function parseJson(text: string | undefined): unknown {
  try {
    return text ? (JSON.parse(text) as unknown) : null;
  } catch {
    return null;
  }
}
const trendMetrics = ['heart_rate', 'resting_heart_rate', 'hrv_sdnn', 'steps', 'sleep', 'oxygen_saturation'];

/** Without a valid credential nothing but 401/403/4xx-before-auth may come back. */
const authGuarded = (s: Sent, got: Received): void => {
  if (!s.meta.validAuth) expect(got.status).toBeGreaterThanOrEqual(400);
};

const uploadOracle = (s: Sent, got: Received): void => {
  const invalid = s.meta.invalidIndexes ?? [];
  const wellFormed =
    s.meta.validAuth &&
    !s.meta.foreignOrigin &&
    s.meta.validIdempotencyKey !== false &&
    /^application\/json\b/i.test(s.headers['content-type'] ?? '');
  if (invalid.length > 0 || !wellFormed) {
    expect(got.status, `accepted an invalid upload (${invalid.join(',')})`).not.toBe(202);
  } else {
    expect(got.status, JSON.stringify(got.json).slice(0, 300)).toBe(202);
  }
  // Per-sample reasons are owed when the batch itself is sound (a batch-level problem, e.g. an unknown
  // time zone, is reported alone).
  if (wellFormed && got.status === 400 && !invalid.includes(-1)) {
    const details =
      (got.json as { error: { details?: { path: (string | number)[] }[] } }).error.details ?? [];
    const flagged = new Set(details.filter((d) => d.path[0] === 'samples').map((d) => d.path[1]));
    for (const i of invalid.filter((i) => i >= 0))
      expect(flagged.has(i), `sample ${i} not reported`).toBe(true);
  }
};

/**
 * The table. Every route of createApp belongs here; a row is all a new endpoint needs.
 */
export const endpoints: Endpoint[] = [
  { method: 'GET', path: '/v1/system/health', query: ['detail'] },
  {
    method: 'POST',
    path: '/v1/health/upload',
    body: fc.oneof(
      {
        weight: 4,
        arbitrary: uploadBatch.map((b) => ({
          body: JSON.stringify(b.body),
          invalidIndexes: b.invalidIndexes,
        })),
      },
      { weight: 1, arbitrary: anyBody.map((body) => ({ body, invalidIndexes: [-1] })) },
    ),
    oracle: (s, got) => {
      authGuarded(s, got);
      uploadOracle(s, got);
    },
  },
  { method: 'POST', path: '/v1/security/signing-key', oracle: authGuarded },
  // Logout revokes the fuzz user's tokens: later cases with that token are 401, which authGuarded allows.
  { method: 'POST', path: '/v1/auth/logout', oracle: authGuarded },
  {
    method: 'POST',
    path: '/v1/auth/login',
    body: jsonBody(fc.record({ idToken: fc.option(hostileString), session: fc.option(fc.boolean()) })).map(
      (body) => ({
        body,
      }),
    ),
    oracle: (s, got) => {
      // Without the fuzz user's token in the header or body, there is nothing to log in with.
      if (got.status < 300) expect(s.meta.validAuth || (s.body ?? '').includes('eyJ')).toBe(true);
    },
  },
  {
    method: 'GET',
    path: '/v1/health/insights',
    queryValues: {
      limit: fc.integer({ min: -5, max: 80 }).map(String),
      cursor: fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/),
      locale: fc.constantFrom('en', 'es', 'de', 'fr'),
      uid: fc.stringMatching(/^[A-Za-z0-9]{20,28}$/),
    },
    oracle: (s, got) => {
      authGuarded(s, got);
      onlyDeclaredQuery(['uid', 'limit', 'cursor', 'locale'])(s, got);
      if (got.status < 300 && s.query.limit !== undefined) {
        const n = Number(s.query.limit);
        expect(Number.isInteger(n) && n >= 1 && n <= 50, `accepted limit=${s.query.limit}`).toBe(true);
      }
      // Someone else's insights need a care-team grant the fuzz user never has.
      if (got.status < 300 && s.query.uid !== undefined) expect(got.status).toBe(403);
    },
  },
  {
    method: 'GET',
    path: '/v1/health/trends',
    queryValues: {
      metric: fc.constantFrom(...trendMetrics, 'blood_type'),
      start: isoDay,
      end: isoDay,
      granularity: fc.constantFrom('day', 'week', 'month'),
    },
    queryGen: fc
      .record({
        metric: fc.constantFrom(...trendMetrics),
        a: isoDay,
        b: isoDay,
        granularity: fc.constantFrom('day', 'week'),
      })
      .map(({ metric, a, b, granularity }) => ({
        metric,
        start: a < b ? a : b,
        end: a < b ? b : a,
        granularity,
      })),
    oracle: (s, got) => {
      authGuarded(s, got);
      onlyDeclaredQuery(['uid', 'metric', 'start', 'end', 'granularity'])(s, got);
      if (got.status < 300) {
        const { start = '', end = '' } = s.query;
        expect(/^\d{4}-\d{2}-\d{2}$/.test(start) && /^\d{4}-\d{2}-\d{2}$/.test(end) && start <= end).toBe(
          true,
        );
      }
    },
  },
  {
    method: 'POST',
    path: '/v1/health/analyze',
    body: jsonBody(
      fc.record({ window: fc.option(fc.record({ start: isoDay, end: isoDay })) }, { requiredKeys: [] }),
    ).map((body) => ({ body })),
    oracle: (s, got) => {
      authGuarded(s, got);
      if (got.status < 300) {
        // An empty body is the default window.
        const w = (parseJson(s.body) as { window?: { start: string; end: string } | null } | null)?.window;
        if (w) expect(w.start <= w.end, 'accepted a window that ends before it starts').toBe(true);
      }
    },
  },
  { method: 'GET', path: '/v1/system/metrics', oracle: neverAccepted },
  { method: 'GET', path: '/v1/system/experiments', oracle: neverAccepted },
  { method: 'GET', path: '/v1/openapi.json' },
  // Export and care-team changes must be signed (finding 5); the fuzzer's X-Clarity-* headers never are.
  { method: 'GET', path: '/v1/account/export', oracle: neverAccepted },
  {
    method: 'PUT',
    path: '/v1/account/care-team',
    body: jsonBody(
      fc.record({ clinicians: fc.array(fc.stringMatching(/^[A-Za-z0-9]{20,28}$/), { maxLength: 3 }) }),
    ).map((body) => ({ body })),
    oracle: neverAccepted,
  },
  // The fuzz user is a plain user: listing the people whose care team includes them is for clinicians and
  // admins only, whatever the query (403 before the query is read).
  {
    method: 'GET',
    path: '/v1/care-team/patients',
    queryValues: {
      limit: fc.integer({ min: -5, max: 80 }).map(String),
      cursor: fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/),
    },
    oracle: neverAccepted,
  },
  // Account deletion must be signed; the fuzzer's X-Clarity-* headers never are.
  { method: 'DELETE', path: '/v1/account', oracle: neverAccepted },
  // Routes added this session, fuzzed with any body and the literal template as the id (which names no
  // document): no 5xx, the one error shape, nothing without a credential.
  ...(
    [
      ['GET', '/v1/health/jobs/{jobId}'],
      ['GET', '/v1/health/uploads/{uploadId}'],
      ['PUT', '/v1/health/files/{uploadId}/{filename}'],
      ['GET', '/v1/webhooks'],
      ['POST', '/v1/webhooks'],
      ['GET', '/v1/webhooks/{id}'],
      ['PATCH', '/v1/webhooks/{id}'],
      ['DELETE', '/v1/webhooks/{id}'],
      ['GET', '/v1/webhooks/{id}/attempts'],
      ['POST', '/v1/webhooks/{id}/replay'],
      ['POST', '/v1/webhooks/{id}/rotate'],
      ['POST', '/v1/webhooks/{id}/test'],
      ['POST', '/v1/health/insights/{id}/feedback'],
      ['POST', '/v1/health/insights/{id}/opened'],
      ['GET', '/v1/notifications/preferences'],
      ['PUT', '/v1/notifications/preferences'],
      ['PUT', '/v1/devices/{token}'],
      ['DELETE', '/v1/devices/{token}'],
      ['GET', '/v1/fhir/Patient/{uid}/$everything'],
    ] as const
  ).map(([method, path]): Endpoint => ({ method, path, oracle: authGuarded })),
  // The email's unsubscribe link: anonymous, the signed token is the credential; fuzzed tokens never verify.
  { method: 'GET', path: '/v1/notifications/unsubscribe', oracle: neverAccepted },
  { method: 'POST', path: '/v1/notifications/unsubscribe', oracle: neverAccepted },
];

/** Thousands of requests: keep warnings and errors, drop the per-request info lines. */
function quietLogger(inner: Logger): Logger {
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: (e, f) => inner.warn(e, f),
    error: (e, f) => inner.error(e, f),
    child: (fields) => quietLogger(inner.child(fields)),
  };
}

/**
 * Sign-up against the Auth emulator named by FIREBASE_AUTH_EMULATOR_HOST (not the fixed port of
 * firebase.json), so a long fuzz run can use private emulators and leave the shared ones to others.
 */
async function signUp(email: string): Promise<{ idToken: string }> {
  const res = await fetch(
    `http://${process.env.FIREBASE_AUTH_EMULATOR_HOST}/identitytoolkit.googleapis.com/v1/accounts:signUp?key=demo-key`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'correct-horse-battery', returnSecureToken: true }),
    },
  );
  if (!res.ok) throw new Error(`sign-up failed: ${res.status}`);
  return (await res.json()) as { idToken: string };
}

let server: Server;
let base: string;

beforeAll(async () => {
  requireEmulators();
  const app = createApp({
    db: adminDb(project),
    auth: adminAuth(),
    blobs: new FsBlobStore(mkdtempSync(path.join(tmpdir(), 'clarity-fuzz-'))),
    log: quietLogger(createLogger({ test: 'fuzz' })),
    now: Date.now,
    maxUploadBytes: 64 * 1024,
    version: 'fuzz',
    startedAt: Date.now(),
    security: { ...defaultSecurity, signingSecret: 'fuzz-master-secret-0123456789abcdef' },
  });
  server = createServer(app);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function headersArb(token: string): fc.Arbitrary<{
  headers: Record<string, string>;
  validAuth: boolean;
  foreignOrigin: boolean;
  validKey?: boolean;
}> {
  return fc
    .record({
      auth: fc.oneof(
        { weight: 8, arbitrary: fc.constant<'valid'>('valid') },
        { weight: 1, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: headerText(120).map((t) => `Bearer ${t}`) },
        { weight: 1, arbitrary: headerText(120) },
      ),
      contentType: fc.oneof(
        { weight: 8, arbitrary: fc.constant('application/json') },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            'application/json; charset=utf-8',
            'text/plain',
            'application/x-www-form-urlencoded',
            'application/json; charset=latin1',
          ),
        },
        { weight: 1, arbitrary: headerText(40) },
      ),
      idempotencyKey: fc.option(
        fc.oneof(
          { weight: 3, arbitrary: fc.stringMatching(/^[\w.:-]{8,40}$/) },
          { weight: 1, arbitrary: headerText(200) },
        ),
      ),
      requestId: fc.option(headerText(80)),
      signature: fc.option(fc.record({ ts: headerText(20), nonce: headerText(70), sig: headerText(70) })),
      extra: fc.option(fc.constantFrom('origin', 'cookie', 'x-forwarded-for', 'accept'), { freq: 2 }),
      extraValue: headerText(60),
    })
    .map((h) => {
      const headers: Record<string, string> = {};
      if (h.auth === 'valid') headers.authorization = `Bearer ${token}`;
      else if (h.auth !== undefined) headers.authorization = h.auth;
      if (h.contentType) headers['content-type'] = h.contentType;
      if (h.idempotencyKey !== null) headers['idempotency-key'] = h.idempotencyKey;
      if (h.requestId !== null) headers['x-request-id'] = h.requestId;
      if (h.signature !== null) {
        headers['x-clarity-timestamp'] = h.signature.ts;
        headers['x-clarity-nonce'] = h.signature.nonce;
        headers['x-clarity-signature'] = h.signature.sig;
      }
      if (h.extra !== null) headers[h.extra] = h.extraValue;
      return {
        headers,
        validAuth: h.auth === 'valid',
        foreignOrigin: h.extra === 'origin',
        validKey: h.idempotencyKey === null ? undefined : /^[\w.:-]{8,128}$/.test(h.idempotencyKey),
      };
    });
}

async function send(e: Endpoint, s: Sent): Promise<Received> {
  const qs = new URLSearchParams(s.query).toString();
  const res = await fetch(`${base}${e.path}${qs ? `?${qs}` : ''}`, {
    method: e.method,
    headers: s.headers,
    ...(s.body !== undefined && e.method !== 'GET' ? { body: s.body } : {}),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? (JSON.parse(text) as unknown) : null;
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

describe('API fuzzing (no 5xx, nothing invalid accepted)', () => {
  it('covers every documented operation (the OpenAPI list) and the signing-key route', () => {
    const fuzzed = endpoints.map((e) => `${e.method} ${e.path}`);
    const documented = operations.map((o) => `${o.method.toUpperCase()} ${o.path}`);
    expect(documented.length).toBeGreaterThan(5);
    for (const d of documented) expect(fuzzed, `${d} has no fuzz row`).toContain(d);
    expect(fuzzed).toContain('POST /v1/security/signing-key');
    expect(runs).toBeGreaterThan(0);
  });

  for (const e of endpoints) {
    // Endpoints run side by side (the emulators, not the CPU, set the pace), each as its own user so one
    // endpoint's data (e.g. uploads) does not slow another (e.g. the export).
    it.concurrent(
      `${e.method} ${e.path}: ${runs} cases`,
      { timeout: Math.max(60_000, runs * 120) },
      async () => {
        const { idToken: token } = await signUp(
          `fuzz-${e.method.toLowerCase()}-${Date.now()}-${Math.random()}@example.com`,
        );
        let cases = 0;
        const statuses = new Map<number, number>();
        const bodyArb: NonNullable<Endpoint['body']> = e.body ?? anyBody.map((body) => ({ body }));
        await fc.assert(
          fc.asyncProperty(
            bodyArb,
            e.queryGen
              ? fc.oneof(e.queryGen, queryArb(e.query ?? [], e.queryValues))
              : queryArb(e.query ?? [], e.queryValues),
            headersArb(token),
            async (b, query, h) => {
              cases++;
              const sent: Sent = {
                method: e.method,
                path: e.path,
                query,
                headers: h.headers,
                body: b.body,
                meta: {
                  validAuth: h.validAuth,
                  foreignOrigin: h.foreignOrigin,
                  ...(b.invalidIndexes ? { invalidIndexes: b.invalidIndexes } : {}),
                  ...(h.validKey !== undefined ? { validIdempotencyKey: h.validKey } : {}),
                },
              };
              const got = await send(e, sent);
              statuses.set(got.status, (statuses.get(got.status) ?? 0) + 1);
              expect(got.status, JSON.stringify(got.json).slice(0, 300)).toBeLessThan(500);
              if (got.status >= 400 && got.status !== 405) {
                const err = (got.json as { error?: { code?: unknown; requestId?: unknown } } | null)?.error;
                expect(typeof err?.code, 'the one error shape').toBe('string');
                expect(typeof err?.requestId).toBe('string');
              }
              e.oracle?.(sent, got);
            },
          ),
          { numRuns: runs, ...(seed !== undefined ? { seed } : {}), endOnFailure: true },
        );
        console.log(
          `fuzz ${e.method} ${e.path}: ${cases} cases, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`,
        );
        expect(cases).toBe(runs);
      },
    );
  }
});
