/**
 * Account deletion (GDPR Art. 17): every Firestore document and Storage object of a user goes, and one
 * audit entry says who asked and how much was removed. Called by DELETE /v1/account (the user, signed
 * request) and by the Auth trigger when the Auth user is deleted (console, Admin SDK, the app's own
 * deleteUser()); running both is harmless, the second finds nothing.
 */
import type { Firestore } from 'firebase-admin/firestore';
import { recordAudit } from '../platform/audit.ts';
import type { Logger } from '../platform/logger.ts';
import type { BlobStore } from '../store/blob-store.ts';
import { deleteUserData } from '../store/account-data.ts';
import { paths } from '../store/paths.ts';
import { markAccountDeleted } from '../store/tombstones.ts';

export interface AccountDeletionDeps {
  db: Firestore;
  blobs: BlobStore;
  log: Logger;
}

export interface AccountDeletionRequest {
  uid: string;
  /** Who asked: the user's uid, or "system:auth-trigger". */
  actorUid: string;
  actorRoles: string[];
  /** Request id (API) or event id (trigger), to join with the logs. */
  requestId: string;
  via: 'api' | 'auth_trigger';
}

export async function deleteAccount(
  deps: AccountDeletionDeps,
  req: AccountDeletionRequest,
): Promise<{ documents: number; objects: number }> {
  // The tombstone first: from here on no import or stage can write the user's data back (store/tombstones.ts).
  await markAccountDeleted(deps.db, req.uid);
  const removed = await deleteUserData(deps.db, deps.blobs, req.uid);
  await recordAudit(deps.db, {
    actorUid: req.actorUid,
    actorRoles: req.actorRoles,
    action: 'account.delete',
    targetUid: req.uid,
    resource: paths.user(req.uid),
    requestId: req.requestId,
    details: { via: req.via, documents: removed.documents, objects: removed.objects },
  });
  deps.log.info('account.deleted', {
    uid: req.uid,
    via: req.via,
    documents: removed.documents,
    objects: removed.objects,
  });
  return removed;
}
