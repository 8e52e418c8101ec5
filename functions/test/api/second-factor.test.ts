/**
 * Finding 4: clinicians and admins reach another user's data only after a sign-in with a second factor
 * (`firebase.sign_in_second_factor` in the ID token). Unit level, on decoded tokens of the exact shape
 * firebase-admin's verifyIdToken returns (the `firebase` claim block). The same decision on real tokens from
 * the Auth emulator's SMS multi-factor enrolment and sign-in is second-factor.int.test.ts. The gateway tests
 * of other concerns run with the check off (REQUIRE_SECOND_FACTOR=false in .env.demo-clarity); the
 * function's default is on.
 */
import type { Firestore } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import type { ApiDeps } from '../../src/api/context.ts';
import { callerFromToken } from '../../src/api/middleware.ts';
import { authorizeCareTeamListing, authorizeRead } from '../../src/api/rbac.ts';
import { defaultSecurity } from '../../src/api/security.ts';

const db = {
  doc: () => ({
    get: () => Promise.resolve({ get: (k: string) => (k === 'careTeam' ? ['dr'] : undefined) }),
  }),
} as unknown as Firestore;
const deps = (requireSecondFactor: boolean) =>
  ({ db, security: { ...defaultSecurity, requireSecondFactor } }) as unknown as ApiDeps;

/** A decoded ID token as verifyIdToken returns it. */
function token(uid: string, roles: string[], secondFactor?: string) {
  return {
    uid,
    sub: uid,
    roles,
    auth_time: 1_800_000_000,
    firebase: {
      identities: {},
      sign_in_provider: 'password',
      ...(secondFactor ? { sign_in_second_factor: secondFactor, second_factor_identifier: 'f1' } : {}),
    },
  };
}

describe('second factor for privileged access', () => {
  it('carries sign_in_second_factor from the token to the caller', () => {
    expect(callerFromToken(token('dr', ['clinician'], 'phone')).secondFactor).toBe('phone');
    expect(callerFromToken(token('dr', ['clinician'])).secondFactor).toBeUndefined();
  });

  it('refuses a care-team clinician and an admin without it, admits them with it', async () => {
    const d = deps(true);
    await expect(authorizeRead(d, callerFromToken(token('dr', ['clinician'])), 'patient')).rejects.toThrow(
      /second factor/,
    );
    await expect(authorizeRead(d, callerFromToken(token('root', ['admin'])), 'patient')).rejects.toThrow(
      /second factor/,
    );
    expect(await authorizeRead(d, callerFromToken(token('dr', ['clinician'], 'phone')), 'patient')).toEqual({
      uid: 'patient',
      basis: 'care_team',
    });
    expect(await authorizeRead(d, callerFromToken(token('root', ['admin'], 'totp')), 'patient')).toEqual({
      uid: 'patient',
      basis: 'admin',
    });
  });

  it('never needs it for a user’s own data', async () => {
    expect(await authorizeRead(deps(true), callerFromToken(token('dr', ['clinician'])), undefined)).toEqual({
      uid: 'dr',
      basis: 'self',
    });
  });

  it('applies to listing the people whose care team includes the caller (GET /v1/care-team/patients)', () => {
    expect(() => authorizeCareTeamListing(deps(true), callerFromToken(token('dr', ['clinician'])))).toThrow(
      /second factor/,
    );
    expect(() => authorizeCareTeamListing(deps(true), callerFromToken(token('root', ['admin'])))).toThrow(
      /second factor/,
    );
    expect(() =>
      authorizeCareTeamListing(deps(true), callerFromToken(token('dr', ['clinician'], 'phone'))),
    ).not.toThrow();
    expect(() =>
      authorizeCareTeamListing(deps(false), callerFromToken(token('dr', ['clinician']))),
    ).not.toThrow();
    // Not a privileged caller at all: the role check answers first, with or without a second factor.
    expect(() => authorizeCareTeamListing(deps(true), callerFromToken(token('u', ['user'], 'totp')))).toThrow(
      /clinician or admin role/,
    );
  });
});
