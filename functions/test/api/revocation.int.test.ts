/* eslint-disable @typescript-eslint/no-unsafe-member-access -- response bodies are JSON; the assertions check their shape */
/**
 * Finding 2: roles and sessions do not outlive their revocation (Auth and Firestore emulators).
 *  - `npm run grant-role` (the script itself, as an operator runs it) revokes the user's refresh tokens on
 *    any role change: a demoted clinician's ID token and session cookie are refused by the API at once;
 *  - POST /v1/auth/logout clears the cookie and revokes, so neither the cookie nor the token works after;
 *  - the rules side: firestore.rules give a clinician no client-SDK read of a patient's data at all
 *    (finding 3, firestore-matrix.int.test.ts), so nothing waits for the ID token's hour to run out.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, adminDb, repoRoot, requireEmulators } from '../support/emulators.ts';
import { call, signIn, startGateway, userWithRoles, type Gateway } from '../support/gateway.ts';

const project = 'demo-clarity-revocation';
let gw: Gateway;

beforeAll(async () => {
  requireEmulators();
  gw = await startGateway(project);
});
afterAll(async () => gw.close());

/**
 * Runs scripts/grant-role.ts against the emulators, as `npm run grant-role -- ...` does. Asynchronously: a
 * spawnSync would block this process's event loop, and with it the gateway server it hosts (its idle
 * keep-alive sockets then reset under the next request).
 */
async function grantRole(args: string[]): Promise<void> {
  await promisify(execFile)(
    process.execPath,
    [path.join(repoRoot, 'scripts', 'grant-role.ts'), '--project', 'demo-clarity', ...args],
    { cwd: repoRoot, env: { ...process.env } },
  );
}

/** auth_time has one-second resolution: a revocation in the same second as the sign-in would not bite. */
const nextSecond = () => new Promise((r) => setTimeout(r, 1100));

async function patientWith(clinicianUid: string): Promise<{ uid: string; token: string }> {
  const p = await userWithRoles('rev-patient');
  // The care team as PUT /v1/account/care-team writes it (in the gateway's Firestore project).
  await adminDb(project)
    .doc(`users/${p.uid}`)
    .set({ careTeam: [clinicianUid] }, { merge: true });
  return p;
}

describe('role changes revoke', () => {
  it('a demoted clinician is refused by the API at once (ID token and session cookie)', async () => {
    const doc = await userWithRoles('rev-doctor', ['clinician']);
    const patient = await patientWith(doc.uid);
    const login = await call(gw.base, 'POST', '/v1/auth/login', {
      body: { idToken: doc.token, session: true },
    });
    expect(login.status).toBe(200);
    const cookie = /__session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1];
    expect(cookie).toBeDefined();
    const read = (auth: { token?: string; headers?: Record<string, string> }) =>
      call(gw.base, 'GET', `/v1/health/insights?uid=${patient.uid}`, auth);
    expect((await read({ token: doc.token })).status).toBe(200);
    expect((await read({ headers: { cookie: `__session=${cookie}` } })).status).toBe(200);

    await nextSecond();
    await grantRole(['--uid', doc.uid, '--role', 'clinician', '--remove']);

    const byToken = await read({ token: doc.token });
    expect(byToken.status).toBe(401);
    expect((await read({ headers: { cookie: `__session=${cookie}` } })).status).toBe(401);
    // A fresh sign-in carries the new claims: no clinician role, so the patient's data is refused.
    const fresh = await signIn(doc.email);
    expect((await read({ token: fresh })).status).toBe(403);
    const mirror = await adminDb().doc(`users/${doc.uid}`).get();
    expect(mirror.get('roles')).toEqual([]);
    expect(mirror.get('rolesVersion')).toBeGreaterThanOrEqual(1);
  });

  it('a granted role also revokes: the old token (without the role) must be refreshed', async () => {
    const u = await userWithRoles('rev-grant');
    expect((await call(gw.base, 'GET', '/v1/health/insights', { token: u.token })).status).toBe(200);
    await nextSecond();
    await grantRole(['--uid', u.uid, '--role', 'clinician']);
    expect((await call(gw.base, 'GET', '/v1/health/insights', { token: u.token })).status).toBe(401);
    const user = await adminAuth().getUser(u.uid);
    expect(user.customClaims?.roles).toEqual(['clinician']);
    expect(Date.parse(user.tokensValidAfterTime ?? '')).toBeGreaterThan(Date.now() - 60_000);
  });
});

describe('POST /v1/auth/logout', () => {
  it('clears the session cookie and revokes the tokens', async () => {
    const u = await userWithRoles('rev-logout');
    const login = await call(gw.base, 'POST', '/v1/auth/login', {
      body: { idToken: u.token, session: true },
    });
    const cookie = /__session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1] ?? '';
    expect(cookie.length).toBeGreaterThan(0);
    await nextSecond();
    const out = await call(gw.base, 'POST', '/v1/auth/logout', {
      headers: { cookie: `__session=${cookie}`, 'x-clarity-csrf': '1' },
    });
    expect(out.status).toBe(200);
    expect(out.body.data).toEqual({ loggedOut: true });
    expect(out.headers.get('set-cookie')).toMatch(/^__session=;.*Expires=Thu, 01 Jan 1970/);
    const cookieAfter = await call(gw.base, 'GET', '/v1/health/insights', {
      headers: { cookie: `__session=${cookie}` },
    });
    expect(cookieAfter.status).toBe(401);
    expect((await call(gw.base, 'GET', '/v1/health/insights', { token: u.token })).status).toBe(401);
    const audit = await adminDb(project).collection('audit').where('actorUid', '==', u.uid).get();
    expect(audit.docs.map((d) => d.get('action') as string)).toContain('auth.logout');
  });

  it('needs the CSRF header when authenticated by the cookie, and a credential at all', async () => {
    expect((await call(gw.base, 'POST', '/v1/auth/logout')).status).toBe(401);
    const u = await userWithRoles('rev-logout-csrf');
    const login = await call(gw.base, 'POST', '/v1/auth/login', {
      body: { idToken: u.token, session: true },
    });
    const cookie = /__session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1] ?? '';
    const noCsrf = await call(gw.base, 'POST', '/v1/auth/logout', {
      headers: { cookie: `__session=${cookie}` },
    });
    expect(noCsrf.status).toBe(403);
  });
});
