/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access -- JSON bodies are read as `Body` (any) by design: tests assert their shape */
/**
 * A gateway test server: the real app on the Auth and Firestore emulators (its own Firestore project, so
 * the emulated triggers of demo-clarity do not fire on its documents), raw objects in a temp folder.
 */
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createApp } from '../../src/api/app.ts';
import { signRequest } from '../../src/api/signing.ts';
import type { ApiDeps } from '../../src/api/context.ts';
import { defaultSecurity } from '../../src/api/security.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { FsBlobStore } from '../../src/store/blob-store.ts';
import { adminAuth, adminDb, emulatorOrigin, signUp } from './emulators.ts';

export const signingSecret = 'gateway-test-signing-secret-0123456789';

export interface Gateway {
  base: string;
  server: Server;
  blobs: FsBlobStore;
  project: string;
  close(): Promise<void>;
}

export async function startGateway(project: string, extra: Partial<ApiDeps> = {}): Promise<Gateway> {
  const blobs = new FsBlobStore(mkdtempSync(path.join(tmpdir(), 'clarity-gateway-')));
  const app = createApp({
    db: adminDb(project),
    auth: adminAuth(),
    blobs,
    log: createLogger({ test: 'gateway' }),
    now: Date.now,
    maxUploadBytes: 64 * 1024,
    version: 'test-version',
    startedAt: Date.now(),
    security: { ...defaultSecurity, signingSecret },
    ...extra,
  });
  const server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    server,
    blobs,
    project,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Signs in with a password through the Auth emulator (a fresh token carries the current claims). */
export async function signIn(email: string, password = 'correct-horse-battery'): Promise<string> {
  const res = await fetch(
    `${emulatorOrigin('auth')}/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword?key=demo-key`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password, returnSecureToken: true }),
    },
  );
  if (!res.ok) throw new Error(`sign-in failed: ${res.status}`);
  return ((await res.json()) as { idToken: string }).idToken;
}

let seq = 0;
/** A fresh user with the given roles claim; returns uid and an ID token carrying the claim. */
export async function userWithRoles(
  label: string,
  roles: string[] = [],
): Promise<{ uid: string; token: string; email: string }> {
  const email = `${label}-${Date.now()}-${seq++}@example.com`;
  const { uid, idToken } = await signUp(email);
  if (roles.length === 0) return { uid, token: idToken, email };
  await adminAuth().setCustomUserClaims(uid, { roles });
  return { uid, token: await signIn(email), email };
}

/** A JSON response body as tests read it (shapes are asserted with expect, not by the type). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Body = any;

export async function call(
  base: string,
  method: string,
  pathAndQuery: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: Body }> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  }
  const res = await fetch(`${base}${pathAndQuery}`, { method, headers, body });
  const text = await res.text();
  const parsed: Body = text ? JSON.parse(text) : undefined;
  return { status: res.status, headers: res.headers, body: parsed };
}

const keysByToken = new Map<string, string>();
/**
 * A signed call (api/signing.ts): the caller's signing key is fetched once per token (the token is from a
 * fresh sign-in, so the key is issued), then the request is signed with it.
 */
export async function signedCall(
  base: string,
  method: string,
  pathAndQuery: string,
  opts: { token: string; body?: unknown },
): Promise<{ status: number; headers: Headers; body: Body }> {
  let key = keysByToken.get(opts.token);
  if (!key) {
    const issued = await call(base, 'POST', '/v1/security/signing-key', { token: opts.token });
    if (issued.status !== 201) throw new Error(`signing key: HTTP ${issued.status}`);
    key = issued.body.data.key as string;
    keysByToken.set(opts.token, key);
  }
  const text = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const headers = signRequest({
    key,
    method,
    path: pathAndQuery,
    ...(text === undefined ? {} : { body: text }),
  });
  return call(base, method, pathAndQuery, {
    token: opts.token,
    headers,
    ...(text === undefined ? {} : { body: text }),
  });
}
