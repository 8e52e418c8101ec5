/**
 * The audit trail: append-only `audit/{id}` documents, written by the server only (firestore.rules give
 * clients no access). One entry per access to another user's data by a clinician or an admin and per
 * mutation of health data (upload, ingest, deletion). Entries hold identifiers only: who (uid, roles),
 * what (action), on whom (target uid), where (resource path), the request/correlation id and the time;
 * never values.
 *
 * Append-only is enforced by construction: ids are random, writes use create() (which fails rather than
 * overwrite), and nothing in the codebase updates or deletes audit documents.
 */
import { randomUUID } from 'node:crypto';
import { FieldValue, type Firestore } from 'firebase-admin/firestore';
import { collections } from '../store/paths.ts';

export const auditCollection = collections.audit;

export interface AuditEntry {
  /** uid of the caller, or "system:<stage>" for pipeline stages. */
  actorUid: string;
  actorRoles: string[];
  /** Dotted verb, e.g. "health.upload", "health.ingest", "insights.read", "account.delete". */
  action: string;
  targetUid: string;
  /** Firestore or Storage path of the resource touched (no query strings, no values). */
  resource: string;
  /** The request id or pipeline correlation id, to join with the logs. */
  requestId: string;
  /** Small identifiers or counts only (e.g. uploadId, accepted count). */
  details?: Record<string, string | number | boolean | null>;
}

/** The roles whose reads are audited (a user reading their own data is not). */
export const auditedReaderRoles = ['clinician', 'admin'] as const;

/** True when a read by this caller of this target's data must be audited. */
export function isAuditedAccess(caller: { uid: string; roles: string[] }, targetUid: string): boolean {
  return (
    caller.uid !== targetUid ||
    caller.roles.some((r) => (auditedReaderRoles as readonly string[]).includes(r))
  );
}

/** Appends one entry; resolves to its id. */
export async function recordAudit(db: Firestore, entry: AuditEntry): Promise<string> {
  const id = `${Date.now().toString(36)}-${randomUUID()}`;
  await db
    .collection(auditCollection)
    .doc(id)
    .create({
      actorUid: entry.actorUid,
      actorRoles: [...entry.actorRoles].sort(),
      action: entry.action,
      targetUid: entry.targetUid,
      resource: entry.resource,
      requestId: entry.requestId,
      ...(entry.details ? { details: entry.details } : {}),
      at: FieldValue.serverTimestamp(),
    });
  return id;
}
