/**
 * The one way roles change (scripts/grant-role.ts and any admin tooling): the `roles` custom claim, then
 * the user's refresh tokens are revoked, then the read-only mirror in users/{uid} (roles, a rolesVersion
 * that counts changes, and the time), then an audit entry.
 *
 * Why revoke on EVERY change: a claim lives in the ID token (up to an hour) and in session cookies (5 days);
 * without revocation a demoted clinician keeps reading patients' data until they expire. After
 * revokeRefreshTokens, the API refuses the old ID token and session cookie at once (requireUser verifies
 * with checkRevoked, which compares the sign-in time with tokensValidAfterTime on every request), and the
 * client cannot refresh them: the user signs in again and gets a token with the new claims.
 */
import { randomUUID } from 'node:crypto';
import type { Auth } from 'firebase-admin/auth';
import { FieldValue, type Firestore } from 'firebase-admin/firestore';
import { paths } from '../store/paths.ts';
import { recordAudit } from './audit.ts';

export const grantableRoles = ['user', 'clinician', 'admin'] as const;

/** The roles after adding (or removing) one; sorted, no duplicates, strings only. */
export function nextRoles(current: unknown, role: string, remove: boolean): string[] {
  const have = Array.isArray(current) ? current.filter((r): r is string => typeof r === 'string') : [];
  const set = new Set(have);
  if (remove) set.delete(role);
  else set.add(role);
  return [...set].sort();
}

export interface RoleChange {
  uid: string;
  before: string[];
  roles: string[];
  /** When the user's earlier tokens stopped being accepted (ISO time, from the Auth service). */
  tokensValidAfter: string | undefined;
}

/** Sets the user's roles, revokes their tokens, mirrors and audits the change. */
export async function changeRoles(
  deps: { auth: Auth; db: Firestore },
  uid: string,
  roles: string[],
  actor: { uid: string; requestId?: string },
): Promise<RoleChange> {
  const user = await deps.auth.getUser(uid);
  const claim: unknown = user.customClaims?.roles;
  const before = Array.isArray(claim) ? claim.filter((r): r is string => typeof r === 'string') : [];
  await deps.auth.setCustomUserClaims(uid, { ...(user.customClaims ?? {}), roles });
  await deps.auth.revokeRefreshTokens(uid);
  const after = await deps.auth.getUser(uid);
  await deps.db.doc(paths.user(uid)).set(
    {
      roles,
      rolesVersion: FieldValue.increment(1),
      rolesUpdatedAt: FieldValue.serverTimestamp(),
    },
    { merge: true },
  );
  await recordAudit(deps.db, {
    actorUid: actor.uid,
    actorRoles: [],
    action: 'roles.change',
    targetUid: uid,
    resource: paths.user(uid),
    requestId: actor.requestId ?? randomUUID(),
    details: { before: before.join(','), after: roles.join(','), tokensRevoked: true },
  });
  return { uid, before, roles, tokensValidAfter: after.tokensValidAfterTime };
}
