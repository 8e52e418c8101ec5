import express, { Router, type RequestHandler } from 'express';
import { FieldValue } from 'firebase-admin/firestore';
import { recordAudit } from '../../platform/audit.ts';
import { deleteAccount } from '../../pipeline/account-deletion.ts';
import { userObjectPrefixes } from '../../store/account-data.ts';
import { exportedDocuments } from '../../store/account-export.ts';
import { listObjects } from '../../store/blob-listing.ts';
import { paths } from '../../store/paths.ts';
import { envelope, state, type ApiDeps } from '../context.ts';
import { ResponseStream } from '../streaming.ts';
import { requireUser } from '../middleware.ts';
import { callerOf } from '../rbac.ts';
import { accountExportQuery, careTeamBody, parseInput } from '../schemas.ts';
import { exportFhir } from './fhir.ts';

/**
 * The caller's own account: GDPR export and erasure, and the care team (who may read their data).
 * `signed` is the HMAC request-signing middleware (api/signing.ts), in front of the export, the deletion and
 * the care-team change.
 */
export function accountRoutes(deps: ApiDeps, signed: RequestHandler): Router {
  const r = Router();

  /**
   * GET /v1/account/export: every document of the user (store/account-export.ts: users/{uid} and its tree,
   * and the top-level documents about them) and the list of their raw objects, as one JSON object
   * `{data: {format, uid, exportedAt, documents: [{path, data}…], rawObjects: […]}, meta: {requestId}}`,
   * written a document at a time as the pages are read (bounded memory per request, back-pressure from the
   * client). Audited before the first byte. Signed: it hands over the whole health record, so a bearer token
   * alone is not enough.
   */
  r.get('/export', requireUser(deps), signed, async (req, res) => {
    const s = state(req);
    const caller = callerOf(req);
    if (parseInput(accountExportQuery, req.query, 'query').format === 'fhir') {
      await exportFhir(deps, req, res);
      return;
    }
    await recordAudit(deps.db, {
      actorUid: caller.uid,
      actorRoles: caller.roles,
      action: 'account.export',
      targetUid: caller.uid,
      resource: paths.user(caller.uid),
      requestId: s.requestId,
      details: { format: 'json' },
    });
    const exportedAt = new Date(deps.now()).toISOString();
    res.setHeader(
      'Content-Disposition',
      `attachment; filename="clarity-export-${exportedAt.slice(0, 10)}.json"`,
    );
    res.type('application/json');
    const out = new ResponseStream(res);
    const head = { format: 'clarity-export-v1', uid: caller.uid, exportedAt };
    let open = await out.write(`{"data":${JSON.stringify(head).slice(0, -1)},"documents":[`);
    let first = true;
    for await (const doc of exportedDocuments(deps.db, caller.uid)) {
      if (!open) break;
      open = await out.write(`${first ? '' : ','}\n${JSON.stringify(doc)}`);
      first = false;
    }
    if (!open) {
      s.log.info('account.export.aborted', { reason: 'client closed the connection' });
      return;
    }
    const objects = (await Promise.all(userObjectPrefixes(caller.uid).map((p) => listObjects(deps.blobs, p))))
      .flat()
      .sort();
    out.end(
      `\n],"rawObjects":${JSON.stringify(objects)}},"meta":${JSON.stringify({ requestId: s.requestId })}}`,
    );
  });

  /** DELETE /v1/account: erases all data (Firestore and Storage) and, last, the Auth user. */
  r.delete('/', requireUser(deps), signed, async (req, res) => {
    const s = state(req);
    const caller = callerOf(req);
    const removed = await deleteAccount(
      { db: deps.db, blobs: deps.blobs, log: s.log },
      { uid: caller.uid, actorUid: caller.uid, actorRoles: caller.roles, requestId: s.requestId, via: 'api' },
    );
    // The Auth user goes last: if this fails the data is already gone and a retry (still authenticated)
    // finishes the job. Its deletion fires onAuthUserDeleted, which finds nothing left.
    try {
      await deps.auth.deleteUser(caller.uid);
    } catch (e) {
      if ((e as { code?: string }).code !== 'auth/user-not-found') throw e;
    }
    res.json(envelope({ deleted: removed }, s.requestId));
  });

  /**
   * PUT /v1/account/care-team: the clinicians allowed to read the caller's data (replaces the list).
   * The answer is the same whatever the uids are: checking them here would let anyone find out who is a
   * clinician (or a user at all). A listed uid grants nothing by itself: the API lets a care-team member
   * read only while their token holds the clinician role (rbac.ts authorizeRead), and every read is
   * audited. Signed: the list grants access to health data.
   */
  r.put('/care-team', requireUser(deps), signed, express.json({ limit: 16 * 1024 }), async (req, res) => {
    const s = state(req);
    const caller = callerOf(req);
    const body = parseInput(careTeamBody, req.body ?? {}, 'body');
    const clinicians = [...new Set(body.clinicians)].filter((c) => c !== caller.uid);
    await deps.db
      .doc(paths.user(caller.uid))
      .set({ careTeam: clinicians, careTeamUpdatedAt: FieldValue.serverTimestamp() }, { merge: true });
    await recordAudit(deps.db, {
      actorUid: caller.uid,
      actorRoles: caller.roles,
      action: 'account.care_team.update',
      targetUid: caller.uid,
      resource: paths.user(caller.uid),
      requestId: s.requestId,
      details: { clinicians: clinicians.length },
    });
    res.json(envelope({ careTeam: clinicians }, s.requestId));
  });
  return r;
}
