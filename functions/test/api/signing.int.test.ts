/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access -- JSON bodies are read as `any` by design: tests assert their shape */
/**
 * Finding 5 of the security review (functions/README-security.md): the signing key is a second factor only
 * if a bearer token alone cannot get it. On the Auth and Firestore emulators, the real app:
 * - the first key and every rotation need a sign-in in the last 5 minutes (auth_time), and each is audited;
 * - a rotation is announced to the owner as a `signing_key.rotated` delivery event (webhook, verified by the
 *   `standardwebhooks` library on a loopback receiver);
 * - GET /v1/account/export and PUT /v1/account/care-team refuse an unsigned request and accept a signed one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../src/api/signing.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { adminDb, eventually } from '../support/emulators.ts';
import { startGateway, userWithRoles, type Gateway } from '../support/gateway.ts';
import { localWebhookDeps, startReceiver, type Receiver } from '../support/webhook-receiver.ts';

const project = 'demo-clarity-signing';
const db = adminDb(project);
let gw: Gateway;
/** The same app, its clock 10 minutes ahead: every token is from a sign-in more than 5 minutes ago. */
let late: Gateway;
let receiver: Receiver;

beforeAll(async () => {
  const { deps } = localWebhookDeps(db, createLogger({ test: 'signing' }), {
    'receiver.test': ['127.0.0.1'],
  });
  gw = await startGateway(project, { webhooks: deps });
  late = await startGateway(project, { webhooks: deps, now: () => Date.now() + 10 * 60_000 });
  receiver = await startReceiver();
});
afterAll(async () => {
  await gw?.close();
  await late?.close();
  await receiver?.close();
});

async function call(
  base: string,
  method: string,
  path: string,
  token: string,
  opts: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...opts.headers,
    },
    ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function auditActions(uid: string): Promise<string[]> {
  const snap = await db.collection('audit').where('targetUid', '==', uid).get();
  return snap.docs.map((d) => d.get('action') as string).sort();
}

describe('finding 5: the signing key needs a recent sign-in; export and care-team are signed', () => {
  it('refuses the FIRST key to a token from a sign-in more than 5 minutes ago', async () => {
    const u = await userWithRoles('stale-first-key');
    const stale = await call(late.base, 'POST', '/v1/security/signing-key', u.token);
    expect(stale.status).toBe(401);
    expect(stale.body.error.message).toMatch(/sign in again/);
    // A recent sign-in gets it.
    const fresh = await call(gw.base, 'POST', '/v1/security/signing-key', u.token);
    expect(fresh.status).toBe(201);
    expect(fresh.body.data.version).toBe(1);
  });

  it('audits the issue and the rotation, and tells the owner of the rotation (a delivery event)', async () => {
    const u = await userWithRoles('rotation-notice');
    const url = receiver.url.replace('127.0.0.1', 'receiver.test');
    const hook = await call(gw.base, 'POST', '/v1/webhooks', u.token, { body: { url } });
    expect(hook.status).toBe(201);
    receiver.secrets.push(hook.body.data.secret as string);
    const before = receiver.received.length;

    const first = await call(gw.base, 'POST', '/v1/security/signing-key', u.token);
    expect(first.status).toBe(201);
    const second = await call(gw.base, 'POST', '/v1/security/signing-key', u.token);
    expect(second.status).toBe(201);
    expect(second.body.data.version).toBe(2);
    // Ten minutes after the sign-in the key cannot be rotated (so a stale token cannot lock the owner out).
    expect((await call(late.base, 'POST', '/v1/security/signing-key', u.token)).status).toBe(401);

    const got = await receiver.waitFor(before + 1);
    const notice = got.slice(before).map((r) => JSON.parse(r.body) as { type: string; data: any });
    expect(notice.map((n) => n.type)).toEqual(['signing_key.rotated']);
    expect(notice[0]?.data).toMatchObject({ version: 2 });
    expect(got.at(-1)?.verifiedWith).toBe(0);

    const actions = await eventually(async () => {
      const a = await auditActions(u.uid);
      return a.includes('security.signing_key.rotate') ? a : undefined;
    });
    expect(actions.filter((a) => a.startsWith('security.'))).toEqual([
      'security.signing_key.issue',
      'security.signing_key.rotate',
    ]);
  });

  it('GET /v1/account/export and PUT /v1/account/care-team refuse unsigned requests, accept signed ones', async () => {
    const u = await userWithRoles('signed-account');
    const issued = await call(gw.base, 'POST', '/v1/security/signing-key', u.token);
    const key = issued.body.data.key as string;

    const unsignedExport = await call(gw.base, 'GET', '/v1/account/export', u.token);
    expect(unsignedExport.status).toBe(401);
    expect(unsignedExport.body.error.message).toMatch(/must be signed/);
    const body = { clinicians: ['dr-someone'] };
    const unsignedTeam = await call(gw.base, 'PUT', '/v1/account/care-team', u.token, { body });
    expect(unsignedTeam.status).toBe(401);
    expect((await db.doc(`users/${u.uid}`).get()).get('careTeam')).toBeUndefined();

    const team = await call(gw.base, 'PUT', '/v1/account/care-team', u.token, {
      body,
      headers: signRequest({ key, method: 'PUT', path: '/v1/account/care-team', body: JSON.stringify(body) }),
    });
    expect(team.status).toBe(200);
    expect(team.body.data.careTeam).toEqual(['dr-someone']);
    const exported = await call(gw.base, 'GET', '/v1/account/export', u.token, {
      headers: signRequest({ key, method: 'GET', path: '/v1/account/export' }),
    });
    expect(exported.status).toBe(200);
    expect(JSON.stringify(exported.body.data)).toContain('dr-someone');
  });
});
