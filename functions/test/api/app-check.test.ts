/**
 * Finding 8 of the security review: Firebase App Check on the API (APP_CHECK_ENFORCE). The real app with a
 * stand-in verifier: there is no App Check emulator, and the Admin SDK's `verifyToken` checks the token's
 * signature against Google's public keys (firebaseappcheck.googleapis.com/v1/jwks), which no test may
 * reach; debug tokens are exchanged for real App Check tokens by that same service. So this shows the
 * enforcement (which requests need a token, what a missing or refused one gets), with the verifier's
 * verdict scripted; function.ts plugs in `getAppCheck().verifyToken`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Auth } from 'firebase-admin/auth';
import type { Firestore } from 'firebase-admin/firestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.ts';
import { defaultSecurity } from '../../src/api/security.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { FsBlobStore } from '../../src/store/blob-store.ts';

const verified: string[] = [];
let server: Server;
let base: string;
beforeAll(async () => {
  const app = createApp({
    db: {} as Firestore,
    auth: { verifyIdToken: () => Promise.reject(new Error('no token')) } as unknown as Auth,
    blobs: new FsBlobStore('/tmp/clarity-app-check'),
    log: createLogger({ test: 'app-check' }),
    now: Date.now,
    maxUploadBytes: 64 * 1024,
    version: 'test',
    startedAt: Date.now(),
    security: {
      ...defaultSecurity,
      corsOrigins: ['https://app.example.com'],
      appCheck: {
        verify: (t) => {
          verified.push(t);
          return t === 'valid-app-check-token' ? Promise.resolve() : Promise.reject(new Error('bad'));
        },
      },
    },
  });
  server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const message = async (res: Response) => ((await res.json()) as { error: { message: string } }).error.message;

describe('finding 8: App Check when enforced', () => {
  it('refuses a request without a token or with a refused one, before any route', async () => {
    const none = await fetch(`${base}/v1/health/insights`);
    expect(none.status).toBe(401);
    expect(await message(none)).toMatch(/App Check token \(X-Firebase-AppCheck\) is required/);
    const bad = await fetch(`${base}/v1/health/insights`, { headers: { 'x-firebase-appcheck': 'forged' } });
    expect(bad.status).toBe(401);
    expect(await message(bad)).toMatch(/App Check token is not valid/);
    expect(verified).toContain('forged');
  });

  it('lets a valid token through to the route (which then wants a sign-in)', async () => {
    const res = await fetch(`${base}/v1/health/insights`, {
      headers: { 'x-firebase-appcheck': 'valid-app-check-token' },
    });
    expect(res.status).toBe(401);
    expect(await message(res)).not.toMatch(/App Check/);
  });

  it('exempts the OpenAPI document and CORS preflights; browsers may send the header', async () => {
    expect((await fetch(`${base}/v1/openapi.json`)).status).toBe(200);
    const pre = await fetch(`${base}/v1/health/insights`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization, x-firebase-appcheck',
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-headers')).toContain('x-firebase-appcheck');
  });
});
