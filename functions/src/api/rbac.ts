/**
 * Role-based access, the API side of firestore.rules (same two conditions, so the SDK and the API agree):
 *  - roles come from the `roles` custom claim ('user' | 'clinician' | 'admin'); requireUser puts them on
 *    the caller;
 *  - a user reads their own data; an admin reads anyone's; a clinician reads a patient's data only while
 *    their uid is in users/{patient}.careTeam (written by the patient through PUT /v1/account/care-team);
 *  - every read of someone else's data needs a sign-in with a second factor (REQUIRE_SECOND_FACTOR) and is
 *    audited (recordAudit).
 */
import type { Request, RequestHandler } from 'express';
import { ClarityError } from '@clarity/core';
import { recordAudit } from '../platform/audit.ts';
import { paths } from '../store/paths.ts';
import { state, type ApiDeps, type Caller } from './context.ts';

export function hasRole(caller: Caller, role: string): boolean {
  return caller.roles.includes(role);
}

export function callerOf(req: Request): Caller {
  const caller = state(req).caller;
  if (!caller) throw new ClarityError('unauthenticated', 'sign-in required');
  return caller;
}

/** 403 unless the caller holds one of the roles (put after requireUser). */
export function requireRole(...allowed: string[]): RequestHandler {
  return (req, _res, next) => {
    const caller = state(req).caller;
    if (!caller) {
      next(new ClarityError('unauthenticated', 'sign-in required'));
      return;
    }
    if (!allowed.some((r) => hasRole(caller, r))) {
      next(new ClarityError('permission_denied', `this operation requires the ${allowed.join(' or ')} role`));
      return;
    }
    next();
  };
}

export type AccessBasis = 'self' | 'admin' | 'care_team';

/**
 * Whose data a read request is about, and whether the caller may read it. `requested` is the `uid` query
 * parameter (absent: the caller). The same 403 message whether the patient exists or not, so the API does
 * not reveal who is a user.
 */
export async function authorizeRead(
  deps: ApiDeps,
  caller: Caller,
  requested: string | undefined,
): Promise<{ uid: string; basis: AccessBasis }> {
  const uid = requested ?? caller.uid;
  if (uid === caller.uid) return { uid, basis: 'self' };
  requireSecondFactor(deps, caller);
  if (hasRole(caller, 'admin')) return { uid, basis: 'admin' };
  if (hasRole(caller, 'clinician')) {
    const snap = await deps.db.doc(paths.user(uid)).get();
    const team: unknown = snap.get('careTeam');
    if (Array.isArray(team) && team.includes(caller.uid)) return { uid, basis: 'care_team' };
  }
  throw new ClarityError('permission_denied', "you may not read this user's data");
}

/** Privileged access to someone else's data needs a sign-in with a second factor (finding 4). */
export function requireSecondFactor(deps: Pick<ApiDeps, 'security'>, caller: Caller): void {
  if (deps.security?.requireSecondFactor && caller.secondFactor === undefined) {
    throw new ClarityError(
      'permission_denied',
      "reading another user's data requires a sign-in with a second factor (multi-factor authentication)",
    );
  }
}

/**
 * Whether the caller may list the people whose care team includes them (GET /v1/care-team/patients): a
 * clinician or an admin (the same roles authorizeRead admits), after a second-factor sign-in like every
 * other privileged read. The listing itself shows only those people, so it grants nothing authorizeRead
 * would not.
 */
export function authorizeCareTeamListing(deps: Pick<ApiDeps, 'security'>, caller: Caller): void {
  if (!hasRole(caller, 'clinician') && !hasRole(caller, 'admin')) {
    throw new ClarityError('permission_denied', 'this operation requires the clinician or admin role');
  }
  requireSecondFactor(deps, caller);
}

/** Audits a read of another user's data (own reads are not audited). */
export async function auditRead(
  deps: ApiDeps,
  req: Request,
  access: { uid: string; basis: AccessBasis },
  action: string,
  resource: string,
): Promise<void> {
  const caller = callerOf(req);
  if (access.basis === 'self') return;
  await recordAudit(deps.db, {
    actorUid: caller.uid,
    actorRoles: caller.roles,
    action,
    targetUid: access.uid,
    resource,
    requestId: state(req).requestId,
    details: { basis: access.basis },
  });
}

/** Audits a caller's change to their own data (webhooks, insight feedback): one entry per mutation. */
export async function auditOwnMutation(
  deps: Pick<ApiDeps, 'db'>,
  req: Request,
  action: string,
  resource: string,
  details?: Record<string, string | number | boolean | null>,
): Promise<void> {
  await auditAccess(deps, req, action, callerOf(req).uid, resource, details);
}

/** One audit entry for an access by the caller to `targetUid`'s data, whoever the caller is (FHIR reads). */
export async function auditAccess(
  deps: Pick<ApiDeps, 'db'>,
  req: Request,
  action: string,
  targetUid: string,
  resource: string,
  details?: Record<string, string | number | boolean | null>,
): Promise<void> {
  const caller = callerOf(req);
  await recordAudit(deps.db, {
    actorUid: caller.uid,
    actorRoles: caller.roles,
    action,
    targetUid,
    resource,
    requestId: state(req).requestId,
    ...(details ? { details } : {}),
  });
}
