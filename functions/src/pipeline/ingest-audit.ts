/**
 * The audit entry of an ingest (platform/audit.ts): every path that stores health data (the JSON batch, an
 * Apple Health export, a device file) writes one when the upload ends, identifiers and counts only.
 */
import type { Firestore } from 'firebase-admin/firestore';
import type { Counts } from '@clarity/core';
import { recordAudit } from '../platform/audit.ts';
import { paths } from '../store/paths.ts';

export async function auditIngest(
  db: Firestore,
  entry: {
    uid: string;
    uploadId: string;
    correlationId: string;
    status: string;
    counts: Counts;
    via: string;
  },
): Promise<void> {
  const { uid, uploadId, counts } = entry;
  await recordAudit(db, {
    actorUid: 'system:ingest',
    actorRoles: ['system'],
    action: 'health.ingest',
    targetUid: uid,
    resource: paths.upload(uid, uploadId),
    requestId: entry.correlationId,
    details: {
      uploadId,
      status: entry.status,
      via: entry.via,
      accepted: counts.accepted,
      duplicate: counts.duplicate,
      rejected: counts.rejected,
    },
  });
}
