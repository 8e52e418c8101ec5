/**
 * Finding 9's smaller items, on the real app with in-memory stand-ins for Firestore and Auth (no
 * emulators): the CSRF header is allowed by CORS preflights; an unrelated cookie does not turn the public
 * health check into a 401; PUT /v1/account/care-team answers the same whether a uid is a clinician, a
 * plain user or nobody; the committed demo signing secret is refused outside the emulators.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Auth } from 'firebase-admin/auth';
import type { Firestore } from 'firebase-admin/firestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.ts';
import { defaultSecurity } from '../../src/api/security.ts';
import { deriveSigningKey, signRequest, signingSecretFor } from '../../src/api/signing.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { FsBlobStore } from '../../src/store/blob-store.ts';

/** Just enough of Firestore for the health check, the care-team write and the audit entry. */
function memoryDb(): Firestore {
  // The patient's signing key, version 1 (care-team changes are signed).
  const docs = new Map<string, Record<string, unknown>>([['signingKeys/patient-1', { version: 1 }]]);
  const ref = (p: string) => ({
    get: () =>
      Promise.resolve({ exists: docs.has(p), get: (k: string) => docs.get(p)?.[k], data: () => docs.get(p) }),
    set: (d: Record<string, unknown>) => {
      docs.set(p, { ...(docs.get(p) ?? {}), ...d });
      return Promise.resolve();
    },
    create: (d: Record<string, unknown>) => {
      docs.set(p, d);
      return Promise.resolve();
    },
  });
  return {
    doc: (p: string) => ref(p),
    collection: (c: string) => ({ doc: (id: string) => ref(`${c}/${id}`) }),
  } as unknown as Firestore;
}

const users: Record<string, string[]> = { 'dr-real': ['clinician'], 'plain-user': ['user'] };
const fakeAuth = {
  verifySessionCookie: () => Promise.reject(new Error('invalid session cookie')),
  verifyIdToken: (t: string) => Promise.resolve({ uid: t, auth_time: Math.floor(Date.now() / 1000) }),
  getUser: (uid: string) =>
    uid in users
      ? Promise.resolve({ uid, customClaims: { roles: users[uid] } })
      : Promise.reject(Object.assign(new Error('no user'), { code: 'auth/user-not-found' })),
} as unknown as Auth;

const signingSecret = 'small-findings-signing-secret-0123456789';
let server: Server;
let base: string;
beforeAll(async () => {
  const app = createApp({
    db: memoryDb(),
    auth: fakeAuth,
    blobs: new FsBlobStore('/tmp/clarity-small-findings'),
    log: createLogger({ test: 'small-findings' }),
    now: Date.now,
    maxUploadBytes: 64 * 1024,
    version: 'test',
    startedAt: Date.now(),
    security: { ...defaultSecurity, corsOrigins: ['https://app.example.com'], signingSecret },
  });
  server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('finding 9: smaller items', () => {
  it('a CORS preflight allows the X-Clarity-CSRF header that cookie requests must send', async () => {
    const pre = await fetch(`${base}/v1/account/care-team`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'PUT',
        'access-control-request-headers': 'content-type, x-clarity-csrf',
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-headers')).toContain('x-clarity-csrf');
  });

  it('an unrelated cookie does not make the public health check answer 401', async () => {
    const res = await fetch(`${base}/v1/system/health`, { headers: { cookie: 'theme=dark; _ga=GA1.2.3' } });
    expect(res.status).toBe(200);
    // A session cookie that is bad is still refused.
    const bad = await fetch(`${base}/v1/system/health`, { headers: { cookie: '__session=forged' } });
    expect(bad.status).toBe(401);
  });

  it('PUT care-team answers the same whether a uid is a clinician, a plain user or nobody', async () => {
    const put = async (uid: string) => {
      const sent = JSON.stringify({ clinicians: [uid] });
      const key = deriveSigningKey(signingSecret, 'patient-1', 1);
      const res = await fetch(`${base}/v1/account/care-team`, {
        method: 'PUT',
        headers: {
          authorization: 'Bearer patient-1',
          'content-type': 'application/json',
          ...signRequest({ key, method: 'PUT', path: '/v1/account/care-team', body: sent }),
        },
        body: sent,
      });
      const body = (await res.json()) as { data?: unknown; error?: unknown };
      return { status: res.status, shape: Object.keys(body).sort().join(',') };
    };
    const answers = await Promise.all([put('dr-real'), put('plain-user'), put('nobody-at-all')]);
    expect(new Set(answers.map((a) => `${a.status} ${a.shape}`)).size).toBe(1);
    expect(answers[0]?.status).toBe(200);
  });

  it('the committed demo signing secret is refused outside the emulators', () => {
    const demo = 'demo-clarity-signing-secret-not-for-production-0123456789abcdef';
    expect(signingSecretFor(demo, true)).toBe(demo);
    expect(() => signingSecretFor(demo, false)).toThrow(/demo/);
    const real = 'x7Hq0b3kTq1Jm9cS2vPq8R4nW6eY5uZaLfGhD0sKjQw=';
    expect(signingSecretFor(real, false)).toBe(real);
    expect(signingSecretFor('', false)).toBeUndefined();
  });
});
