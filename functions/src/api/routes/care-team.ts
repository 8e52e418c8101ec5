import { Router } from 'express';
import { FieldPath, Timestamp, type Firestore } from 'firebase-admin/firestore';
import { ClarityError, type CareTeamPatient } from '@clarity/core';
import { paths } from '../../store/paths.ts';
import { envelope, state, type ApiDeps } from '../context.ts';
import { requireUser } from '../middleware.ts';
import { auditRead, authorizeCareTeamListing, callerOf } from '../rbac.ts';
import { careTeamPatientsQuery, parseInput } from '../schemas.ts';

/** Opaque cursor: base64url of the last uid of a page. A cursor that does not decode to a uid is a 400. */
export function encodePatientCursor(uid: string): string {
  return Buffer.from(uid, 'utf8').toString('base64url');
}

export function decodePatientCursor(cursor: string): string {
  const uid = Buffer.from(cursor, 'base64url').toString('utf8');
  if (/^[A-Za-z0-9_-]{1,128}$/.test(uid) && encodePatientCursor(uid) === cursor) return uid;
  throw new ClarityError('invalid_input', 'cursor is not a cursor returned by this endpoint', {
    details: [{ path: ['query', 'cursor'], message: 'invalid cursor' }],
  });
}

/** createdAt of the newest document of a collection, as ISO 8601 (a field mask: nothing else is read). */
async function newestCreatedAt(db: Firestore, collectionPath: string): Promise<string | null> {
  const snap = await db
    .collection(collectionPath)
    .orderBy('createdAt', 'desc')
    .select('createdAt')
    .limit(1)
    .get();
  const v: unknown = snap.docs[0]?.get('createdAt');
  return v instanceof Timestamp ? v.toDate().toISOString() : null;
}

/**
 * The people whose care team includes the caller (users/{uid}.careTeam, written by the person through
 * PUT /v1/account/care-team), for clinicians and admins. firestore.rules let no client list users, so this
 * route is the only way to find them; what a clinician then reads about each goes through the usual audited
 * reads (authorizeRead: insights, trends, statuses).
 */
export function careTeamRoutes(deps: ApiDeps): Router {
  const r = Router();

  /**
   * GET /v1/care-team/patients: ordered by uid, `limit` 1-50 (default 20), `cursor` from nextCursor. Each
   * item: uid, the profile's display name, the Auth email, and when the newest upload and insight were
   * created. One audit entry per person listed (action care_team.patients.list, basis care_team), so each
   * person's trail shows who saw them listed.
   */
  r.get('/patients', requireUser(deps), async (req, res) => {
    const caller = callerOf(req);
    authorizeCareTeamListing(deps, caller);
    const q = parseInput(careTeamPatientsQuery, req.query, 'query');
    // array-contains on one field, ordered by id: served by the automatic single-field index.
    let query = deps.db
      .collection(paths.users())
      .where('careTeam', 'array-contains', caller.uid)
      .orderBy(FieldPath.documentId());
    if (q.cursor) query = query.startAfter(decodePatientCursor(q.cursor));
    const snap = await query.limit(q.limit + 1).get();
    const page = snap.docs.slice(0, q.limit);
    const accounts =
      page.length > 0 ? await deps.auth.getUsers(page.map((d) => ({ uid: d.id }))) : { users: [] };
    const emails = new Map(accounts.users.map((u) => [u.uid, u.email ?? null]));
    const items: CareTeamPatient[] = await Promise.all(
      page.map(async (d) => {
        const name: unknown = d.get('displayName');
        const [lastUploadAt, lastInsightAt] = await Promise.all([
          newestCreatedAt(deps.db, paths.uploads(d.id)),
          newestCreatedAt(deps.db, paths.insights(d.id)),
        ]);
        return {
          uid: d.id,
          displayName: typeof name === 'string' && name !== '' ? name : null,
          email: emails.get(d.id) ?? null,
          lastUploadAt,
          lastInsightAt,
        };
      }),
    );
    await Promise.all(
      page.map((d) =>
        auditRead(deps, req, { uid: d.id, basis: 'care_team' }, 'care_team.patients.list', paths.user(d.id)),
      ),
    );
    const last = page[page.length - 1];
    const nextCursor = snap.docs.length > q.limit && last ? encodePatientCursor(last.id) : null;
    res.json(envelope({ items, nextCursor }, state(req).requestId));
  });
  return r;
}
