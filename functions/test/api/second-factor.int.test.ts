/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment -- Identity Toolkit and API bodies are JSON; the assertions check their shape */
/**
 * Finding 4 on real Auth-emulator tokens: a clinician in a patient's care team reads the patient's data only
 * after a sign-in with a second factor, with REQUIRE_SECOND_FACTOR on (as the deployed function has it).
 * The second factor is an SMS phone factor, enrolled and used through the Auth emulator's REST API as the
 * client SDK does it: accounts/mfaEnrollment:start and :finalize, then a password sign-in that answers with
 * an mfaPendingCredential instead of a token, accounts/mfaSignIn:start and :finalize; the SMS codes are read
 * back from the emulator's /emulator/v1/projects/{id}/verificationCodes. The emulator signs the resulting
 * ID token with `firebase.sign_in_second_factor: "phone"`, which verifyIdToken hands to the API unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSecurity } from '../../src/api/security.ts';
import { adminAuth, adminDb, emulatorOrigin, projectId, requireEmulators } from '../support/emulators.ts';
import {
  call,
  signingSecret,
  startGateway,
  userWithRoles,
  type Body,
  type Gateway,
} from '../support/gateway.ts';

const project = 'demo-clarity-second-factor';
let gw: Gateway;

beforeAll(async () => {
  requireEmulators();
  gw = await startGateway(project, {
    security: { ...defaultSecurity, signingSecret, requireSecondFactor: true },
  });
});
afterAll(async () => gw.close());

/** A call to the Auth emulator's Identity Toolkit REST API (v1 or v2), as the client SDK makes it. */
async function identityToolkit(version: 'v1' | 'v2', method: string, body: object): Promise<Body> {
  const res = await fetch(
    `${emulatorOrigin('auth')}/identitytoolkit.googleapis.com/${version}/accounts${method}?key=demo-key`,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
  );
  const json = (await res.json()) as Body;
  if (!res.ok) throw new Error(`${method}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** The SMS code the emulator "sent" for a session (it keeps every code it issued). */
async function smsCode(sessionInfo: string): Promise<string> {
  const res = await fetch(`${emulatorOrigin('auth')}/emulator/v1/projects/${projectId}/verificationCodes`);
  const body = (await res.json()) as { verificationCodes: { sessionInfo: string; code: string }[] };
  const found = body.verificationCodes.find((c) => c.sessionInfo === sessionInfo);
  if (!found) throw new Error('the emulator issued no code for this session');
  return found.code;
}

/** The `firebase` claim block of an ID token (its payload, not verified: the API verifies it). */
function firebaseClaims(idToken: string): Record<string, unknown> {
  const payload = JSON.parse(Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
    firebase: Record<string, unknown>;
  };
  return payload.firebase;
}

describe('second factor on Auth-emulator tokens (REQUIRE_SECOND_FACTOR on)', () => {
  it('refuses a care-team clinician signed in with a password only, admits them after an SMS second factor', async () => {
    const doc = await userWithRoles('mfa-doctor', ['clinician']);
    const patient = await userWithRoles('mfa-patient');
    await adminDb(project)
      .doc(`users/${patient.uid}`)
      .set({ careTeam: [doc.uid] }, { merge: true });
    const read = (token: string) => call(gw.base, 'GET', `/v1/health/insights?uid=${patient.uid}`, { token });

    // Password only: the token has no second factor, and the patient's data is refused.
    expect(firebaseClaims(doc.token).sign_in_second_factor).toBeUndefined();
    const refused = await read(doc.token);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/second factor/);
    // Their own data needs no second factor.
    expect((await call(gw.base, 'GET', '/v1/health/insights', { token: doc.token })).status).toBe(200);

    // Enrol a phone second factor (the emulator, like Firebase, wants a verified email first).
    await adminAuth().updateUser(doc.uid, { emailVerified: true });
    const phoneNumber = `+1555${String(Date.now() % 10_000_000).padStart(7, '0')}`;
    const enrol = await identityToolkit('v2', '/mfaEnrollment:start', {
      idToken: doc.token,
      phoneEnrollmentInfo: { phoneNumber, recaptchaToken: 'emulator' },
    });
    const enrolSession = enrol.phoneSessionInfo.sessionInfo as string;
    await identityToolkit('v2', '/mfaEnrollment:finalize', {
      idToken: doc.token,
      phoneVerificationInfo: { sessionInfo: enrolSession, code: await smsCode(enrolSession) },
      displayName: 'phone',
    });

    // Sign in again: the password step now ends with a pending credential, not a token.
    const first = await identityToolkit('v1', ':signInWithPassword', {
      email: doc.email,
      password: 'correct-horse-battery',
      returnSecureToken: true,
    });
    expect(first.idToken).toBeUndefined();
    expect(first.mfaPendingCredential).toEqual(expect.any(String));
    const enrollmentId = first.mfaInfo[0].mfaEnrollmentId as string;
    const start = await identityToolkit('v2', '/mfaSignIn:start', {
      mfaPendingCredential: first.mfaPendingCredential,
      mfaEnrollmentId: enrollmentId,
      phoneSignInInfo: { recaptchaToken: 'emulator' },
    });
    const session = start.phoneResponseInfo.sessionInfo as string;
    const done = await identityToolkit('v2', '/mfaSignIn:finalize', {
      mfaPendingCredential: first.mfaPendingCredential,
      phoneVerificationInfo: { sessionInfo: session, code: await smsCode(session) },
    });
    const mfaToken = done.idToken as string;
    expect(firebaseClaims(mfaToken)).toMatchObject({
      sign_in_provider: 'password',
      sign_in_second_factor: 'phone',
      second_factor_identifier: enrollmentId,
    });

    const allowed = await read(mfaToken);
    expect(allowed.status).toBe(200);
    // The password-only token is still refused: the factor is a property of the sign-in, not of the user.
    expect((await read(doc.token)).status).toBe(403);
    // And the admitted read was audited as a care-team read.
    const audit = await adminDb(project)
      .collection('audit')
      .where('actorUid', '==', doc.uid)
      .where('targetUid', '==', patient.uid)
      .get();
    expect(audit.docs.map((d) => String(d.get('details.basis')))).toEqual(['care_team']);
  }, 60_000);
});
