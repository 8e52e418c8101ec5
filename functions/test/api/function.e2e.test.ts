/* eslint-disable @typescript-eslint/no-unsafe-member-access -- response bodies are JSON; the assertions check their shape */
/**
 * The gateway through the emulated `api` function (Functions emulator, project demo-clarity): the Cloud
 * Functions framework has already read and parsed JSON bodies before Express sees them, which a plain Node
 * server does not do; these requests prove the routes work with that.
 */
import { describe, expect, it } from 'vitest';
import { adminDb, emulatorOrigin } from '../support/emulators.ts';
import { call, signedCall, userWithRoles } from '../support/gateway.ts';

const base = `${emulatorOrigin('functions')}/demo-clarity/us-central1/api`;

describe('gateway through the emulated api function', () => {
  it('login with a JSON body, a signed care-team update and the OpenAPI document', async () => {
    const u = await userWithRoles('fn-login');
    const doctor = await userWithRoles('fn-doctor', ['clinician']);
    const login = await call(base, 'POST', '/v1/auth/login', { body: { idToken: u.token, session: true } });
    expect(login.status).toBe(200);
    expect(login.body.data.profile.uid).toBe(u.uid);
    expect(login.headers.get('set-cookie')).toMatch(/^__session=.+HttpOnly.+Secure.+SameSite=Strict/);

    const put = await signedCall(base, 'PUT', '/v1/account/care-team', {
      token: u.token,
      body: { clinicians: [doctor.uid] },
    });
    expect(put.status).toBe(200);
    expect((await adminDb().doc(`users/${u.uid}`).get()).get('careTeam')).toEqual([doctor.uid]);
    const bad = await signedCall(base, 'PUT', '/v1/account/care-team', {
      token: u.token,
      body: { clinicians: 'x' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toEqual(['body', 'clinicians']);

    const reads = await call(base, 'GET', `/v1/health/insights?uid=${u.uid}`, { token: doctor.token });
    expect(reads.status).toBe(200);
    expect(reads.body.data).toEqual({ items: [], nextCursor: null });

    const doc = await call(base, 'GET', '/v1/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
  });
});
