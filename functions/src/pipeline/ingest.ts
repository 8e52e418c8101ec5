/**
 * Ingest stage: a `received` upload becomes samples in per-day series documents, then `ingested` with
 * counts. Safe under at-least-once delivery:
 *  - the upload is claimed in a transaction (received -> parsing); a finished upload is left alone, and a
 *    claim older than the lease is taken over (the previous attempt died);
 *  - samples have deterministic ids and each series document is updated in its own transaction, so a
 *    retried attempt finds its own samples (same upload id) and counts them as accepted, not duplicate.
 */
import type { Firestore } from 'firebase-admin/firestore';
import {
  ClarityError,
  fhirRawObjectSuffix,
  fhirUploadBody,
  maxStoredRejections,
  validateHealthKitUpload,
  type Counts,
  type FieldIssue,
} from '@clarity/core';
import type { BlobStore } from '../store/blob-store.ts';
import { paths } from '../store/paths.ts';
import { accountDeletedReason, isAccountDeleted } from '../store/tombstones.ts';
import { claimUpload, finishUpload, finishedStatus, rejectUpload } from '../store/uploads.ts';
import { dayZone, refreshMinuteSeries } from '../store/minute-series-writer.ts';
import { writeSamples, zeroCounts } from '../store/series-writer.ts';
import type { Logger } from '../platform/logger.ts';
import { auditIngest } from './ingest-audit.ts';
import { errorText, failureCause, isTransient } from '../platform/errors.ts';

export interface IngestDeps {
  db: Firestore;
  blobs: BlobStore;
  log: Logger;
  now: () => number;
}

export type IngestOutcome =
  | { kind: 'skipped'; reason: string }
  | { kind: 'done'; status: 'ingested' | 'partial' | 'rejected'; counts: Counts };

/** Kept for imports written before the upload lifecycle moved to store/uploads.ts. */
export { claimExisting, leaseMs, maxIngestAttempts } from '../store/uploads.ts';

export async function ingestUpload(
  input: { uid: string; uploadId: string },
  deps: IngestDeps,
): Promise<IngestOutcome> {
  const { uid, uploadId } = input;
  const claimed = await claimUpload(deps.db, uid, uploadId, deps.now, (doc) =>
    doc.format !== 'json' ? 'a file upload: ingested by the storage trigger' : undefined,
  );
  if (typeof claimed === 'string') {
    deps.log.info('ingest.skipped', { uploadId, reason: claimed });
    return { kind: 'skipped', reason: claimed };
  }
  const log = deps.log.child({ uploadId, correlationId: claimed.correlationId });
  log.info('ingest.started', { format: claimed.format, byteSize: claimed.byteSize });

  let validation: ReturnType<typeof validateHealthKitUpload>;
  try {
    const raw = await deps.blobs.get(claimed.rawPath);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new ClarityError('parse_error', 'raw upload is not valid JSON');
    }
    // A FHIR upload's raw object is the Bundle as sent: converted again, exactly as the API checked it.
    if (claimed.rawPath.endsWith(fhirRawObjectSuffix)) body = fhirUploadBody(body).body;
    validation = validateHealthKitUpload(body, deps.now());
  } catch (e) {
    // One classification (isTransient): permanent failures end the upload now, with their cause.
    if (!isTransient(e)) {
      await rejectUpload(deps.db, uid, uploadId, failureCause(e));
      log.warn('ingest.rejected', { code: failureCause(e).code });
      return { kind: 'done', status: 'rejected', counts: zeroCounts() };
    }
    throw e;
  }

  const profileZone = (await deps.db.doc(paths.user(uid)).get()).get('timezone') as unknown;
  const zone = dayZone(
    typeof profileZone === 'string' ? profileZone : null,
    validation.timezone ?? null,
    validation.samples[0]?.offsetMinutes,
  );
  let written: Awaited<ReturnType<typeof writeSamples>>;
  try {
    written = await writeSamples(deps.db, uid, uploadId, validation.samples, zone);
    await refreshMinuteSeries(deps.db, uid, written.spillDays, zone);
  } catch (e) {
    // A document Firestore refuses, or bad data meeting code, fails the same way on every redelivery: the
    // upload ends rejected with the cause (what was written stays; a replay counts it as its own). A
    // transient failure is redelivered; maxIngestAttempts (store/uploads.ts) ends that too.
    if (isTransient(e)) throw e;
    if (isAccountDeleted(e)) {
      log.info('ingest.skipped', { reason: accountDeletedReason });
      return { kind: 'skipped', reason: accountDeletedReason };
    }
    const cause = failureCause(e);
    await rejectUpload(deps.db, uid, uploadId, cause);
    log.error('ingest.failed', { code: cause.code, error: errorText(e) });
    return { kind: 'done', status: 'rejected', counts: zeroCounts() };
  }
  const counts = { ...written.counts };
  const byType = written.byType;
  counts.rejected = validation.rejectedIndexes.length;
  const rejections: FieldIssue[] = validation.issues.slice(0, maxStoredRejections);
  const status = finishedStatus(counts);
  await finishUpload(deps.db, uid, uploadId, status, { counts, byType, rejections });
  // Audit: the pipeline mutated this user's health data (identifiers and counts only).
  await auditIngest(deps.db, {
    uid,
    uploadId,
    correlationId: claimed.correlationId,
    status,
    counts,
    via: 'json',
  });
  log.info('ingest.finished', {
    status,
    accepted: counts.accepted,
    duplicate: counts.duplicate,
    rejected: counts.rejected,
    seriesDocs: written.seriesDocs,
  });
  return { kind: 'done', status, counts };
}
