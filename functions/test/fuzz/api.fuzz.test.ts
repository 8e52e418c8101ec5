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
import { defaultSecurity } from '../../src/api/security.ts';
import { createLogger, type Logger } from '../../src/platform/logger.ts';
import { FsBlobStore } from '../../src/store/blob-store.ts';
import { adminAuth, adminDb, requireEmulators, signUp } from '../support/emulators.ts';
import { anyBody, headerText, queryArb, uploadBatch } from './arbitraries.ts';

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
  meta: { validAuth: boolean; invalidIndexes?: number[]; validIdempotencyKey?: boolean };
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
  /** Body generator; default: any JSON, JSON-ish text or garbage. */
  body?: fc.Arbitrary<{ body: string | undefined; invalidIndexes?: number[] }>;
  /** Extra assertions on top of "no 5xx" and "the one error shape". */
  oracle?: (sent: Sent, got: Received) => void;
}

/** Without a valid credential nothing but 401/403/4xx-before-auth may come back. */
const authGuarded = (s: Sent, got: Received): void => {
  if (!s.meta.validAuth) expect(got.status).toBeGreaterThanOrEqual(400);
};

const uploadOracle = (s: Sent, got: Received): void => {
  const invalid = s.meta.invalidIndexes ?? [];
  const wellFormed =
    s.meta.validAuth &&
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

let server: Server;
let base: string;
let token: string;

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
  ({ idToken: token } = await signUp(`fuzz-${Date.now()}@example.com`));
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function headersArb(): fc.Arbitrary<{
  headers: Record<string, string>;
  validAuth: boolean;
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
        validAuth: h.auth === 'valid' && h.extra !== 'origin',
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
  it('covers every route mounted by createApp', () => {
    expect(endpoints.map((e) => `${e.method} ${e.path}`)).toContain('POST /v1/health/upload');
    expect(runs).toBeGreaterThan(0);
  });

  for (const e of endpoints) {
    it(`${e.method} ${e.path}: ${runs} cases`, { timeout: Math.max(60_000, runs * 60) }, async () => {
      let cases = 0;
      const statuses = new Map<number, number>();
      const bodyArb: NonNullable<Endpoint['body']> = e.body ?? anyBody.map((body) => ({ body }));
      await fc.assert(
        fc.asyncProperty(bodyArb, queryArb(e.query ?? []), headersArb(), async (b, query, h) => {
          cases++;
          const sent: Sent = {
            method: e.method,
            path: e.path,
            query,
            headers: h.headers,
            body: b.body,
            meta: {
              validAuth: h.validAuth,
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
        }),
        { numRuns: runs, ...(seed !== undefined ? { seed } : {}), endOnFailure: true },
      );
      console.log(
        `fuzz ${e.method} ${e.path}: ${cases} cases, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`,
      );
      expect(cases).toBe(runs);
    });
  }
});
