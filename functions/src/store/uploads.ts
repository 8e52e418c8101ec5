/**
 * The upload lifecycle: the one module that writes an upload document (users/{uid}/uploads/{uploadId}).
 *
 *   received --claim--> parsing --finish--> ingested | partial | rejected
 *                       parsing --reject--> rejected
 *                       parsing --claim---> parsing   (only once the lease of the attempt that held it expired)
 *                       parsing --checkpoint--> parsing, handed off --resume--> parsing   (a long import's
 *                                                continuation, checkpointUpload)
 *
 * The API creates JSON uploads `received` (`createReceivedUpload`); the storage trigger creates file uploads
 * already claimed (`createOrClaimUpload`). Every status change stamps `statusTimes.<status>` and `updatedAt`;
 * `recordUploadProgress` changes neither status nor statusTimes. A finished upload (ingested, partial,
 * rejected) is never claimed again, so a redelivered event cannot count its samples twice.
 * functions/test/store/uploads.test.ts fails if another file of functions/src addresses an upload document.
 */
import {
  FieldValue,
  type DocumentReference,
  type Firestore,
  type Transaction,
} from 'firebase-admin/firestore';
import { ClarityError, type ImportCheckpoint, type UploadDoc, type UploadStatus } from '@clarity/core';
import { readSnapshot, uploadConverter } from './converters.ts';
import { paths } from './paths.ts';
import { accountDeletedReason, assertAccountLive } from './tombstones.ts';
import { setExhaustedDeadLetter } from './dead-letter-docs.ts';
import { traceField } from '../platform/tracing.ts';

/** The status changes the lifecycle allows. */
export const uploadTransitions: Readonly<Record<UploadStatus, readonly UploadStatus[]>> = {
  received: ['parsing'],
  parsing: ['parsing', 'ingested', 'partial', 'rejected'],
  ingested: [],
  partial: [],
  rejected: [],
};

export type FinishedUploadStatus = 'ingested' | 'partial' | 'rejected';

/** How long a `parsing` claim holds before another attempt may take the upload over. */
export const leaseMs = 5 * 60_000;

/**
 * Claims one upload gets, whatever ended the attempts (a transient error, a crash, a timeout). The claim
 * after the last ends the upload `rejected` with `attempts_exhausted` and a dead letter (stage `ingest`),
 * instead of a redelivery forever; the raw object is kept.
 */
export const maxIngestAttempts = 5;

export function canTransition(from: UploadStatus, to: UploadStatus): boolean {
  return uploadTransitions[from].includes(to);
}

const uploadRef = (db: Firestore, uid: string, uploadId: string): DocumentReference =>
  db.doc(paths.upload(uid, uploadId));

/**
 * The fields that a change to `status` writes with it, with the writer's span (platform/tracing.ts): the
 * trigger of the change continues the trace from it.
 */
function statusFields(status: UploadStatus): Record<string, unknown> {
  return {
    ...traceField(),
    status,
    updatedAt: FieldValue.serverTimestamp(),
    [`statusTimes.${status}`]: FieldValue.serverTimestamp(),
  };
}

/** The status an ingest ends in, from its counts: some rejected makes it partial, all rejected rejected. */
export function finishedStatus(counts: {
  accepted: number;
  duplicate: number;
  rejected: number;
}): FinishedUploadStatus {
  if (counts.rejected === 0) return 'ingested';
  return counts.accepted + counts.duplicate > 0 ? 'partial' : 'rejected';
}

export async function uploadExists(db: Firestore, uid: string, uploadId: string): Promise<boolean> {
  return (await uploadRef(db, uid, uploadId).get()).exists;
}

/** An upload document's fields as stored (for GET /v1/health/uploads/{id}); undefined when absent. */
export async function readUploadFields(
  db: Firestore,
  uid: string,
  uploadId: string,
): Promise<Record<string, unknown> | undefined> {
  return (await uploadRef(db, uid, uploadId).get()).data();
}

/** Every upload document of a user, id and stored fields (for the FHIR export's Provenance). */
export async function listUploadFields(
  db: Firestore,
  uid: string,
): Promise<{ id: string; fields: Record<string, unknown> }[]> {
  const snap = await db.collection(paths.uploads(uid)).get();
  return snap.docs.map((d) => ({ id: d.id, fields: d.data() }));
}

/** When each status of an upload was reached (Firestore timestamps), from its stored fields. */
export function uploadStatusTimes(doc: Record<string, unknown>): Record<string, unknown> {
  const t = doc.statusTimes;
  return t && typeof t === 'object' ? (t as Record<string, unknown>) : {};
}

/** The sha256 of an upload's raw bytes; undefined when the upload does not exist (Idempotency-Key checks). */
export async function storedUploadSha256(
  db: Firestore,
  uid: string,
  uploadId: string,
): Promise<string | null | undefined> {
  const snap = await uploadRef(db, uid, uploadId).get();
  if (!snap.exists) return undefined;
  const sha: unknown = snap.get('sha256');
  return typeof sha === 'string' ? sha : null;
}

/** A new upload as the API stores it before ingest: `received`, no counts yet. */
export type ReceivedUpload = Pick<
  UploadDoc,
  'source' | 'format' | 'byteSize' | 'sha256' | 'sampleCount' | 'rawPath' | 'correlationId' | 'timezone'
> &
  Pick<UploadDoc, 'rejections'>;

/** Creates a `received` upload; false when it already exists (a concurrent retry with the same id won). */
export async function createReceivedUpload(
  db: Firestore,
  uid: string,
  uploadId: string,
  fields: ReceivedUpload,
): Promise<boolean> {
  const doc: UploadDoc = {
    ...traceField(),
    status: 'received',
    ...fields,
    counts: null,
    byType: null,
    error: null,
    attempts: 0,
    createdAt: FieldValue.serverTimestamp(),
    updatedAt: FieldValue.serverTimestamp(),
    statusTimes: { received: FieldValue.serverTimestamp() },
  };
  // Never for an erased account (store/tombstones.ts): AccountDeletedError, which the API answers 404.
  const ref = uploadRef(db, uid, uploadId);
  return db.runTransaction(async (tx) => {
    await assertAccountLive(db, tx, uid);
    if ((await tx.get(ref)).exists) return false;
    tx.create(ref, doc);
    return true;
  });
}

/**
 * Inside a transaction: takes an existing upload for this attempt (received -> parsing, or a `parsing` claim
 * whose lease has expired because the attempt that held it died). A finished upload is left alone (the
 * string says why); a live claim of another attempt is a retryable error, so the event is redelivered later.
 */
export function claimExisting(
  tx: Transaction,
  ref: DocumentReference,
  doc: UploadDoc,
  nowMs: number,
  resume = false,
): UploadDoc | string {
  // A handed-off import is taken at once by its continuation (resume), by anyone else after the lease.
  const handedOff = doc.status === 'parsing' && doc.checkpoint?.handedOff === true;
  if (handedOff && resume) {
    tx.update(ref, {
      updatedAt: FieldValue.serverTimestamp(),
      attempts: FieldValue.increment(1),
      'checkpoint.handedOff': false,
    });
    return doc;
  }
  if (doc.status === 'parsing') {
    const updated = (doc.updatedAt as { toMillis?: () => number } | undefined)?.toMillis?.() ?? 0;
    if (nowMs - updated < leaseMs) {
      throw new ClarityError('unavailable', 'upload is being ingested by another attempt', {
        retryable: true,
      });
    }
  } else if (!canTransition(doc.status, 'parsing')) {
    return `upload already ${doc.status}`;
  }
  if ((doc.attempts ?? 0) >= maxIngestAttempts) {
    const message = `gave up after ${doc.attempts} attempts that did not finish; the file is kept and can be replayed`;
    const uid = ref.parent.parent?.id ?? '';
    const id = `ingest_${uid}_${ref.id}`;
    tx.update(ref, { ...statusFields('rejected'), error: { code: 'attempts_exhausted', message } });
    setExhaustedDeadLetter(ref.firestore, tx, id, {
      stage: 'ingest',
      uid,
      jobId: ref.id,
      uploadId: ref.id,
      correlationId: doc.correlationId,
      attempts: doc.attempts,
      message,
    });
    return 'upload attempts exhausted: rejected and dead-lettered';
  }
  tx.update(ref, { ...statusFields('parsing'), attempts: FieldValue.increment(1) });
  return doc;
}

/**
 * Claims an upload the API created. `refuse` may name a reason to leave it alone (checked inside the
 * transaction, before the claim). A string says why there is nothing to do.
 */
export async function claimUpload(
  db: Firestore,
  uid: string,
  uploadId: string,
  nowMs: () => number,
  refuse: (doc: UploadDoc) => string | undefined = () => undefined,
): Promise<UploadDoc | string> {
  const ref = uploadRef(db, uid, uploadId);
  return db.runTransaction(async (tx) => {
    if ((await tx.get(db.doc(paths.deletedAccount(uid)))).exists) return accountDeletedReason;
    const doc = readSnapshot(uploadConverter, await tx.get(ref));
    if (!doc) return 'upload document not found';
    return refuse(doc) ?? claimExisting(tx, ref, doc, nowMs());
  });
}

/** Creates a file upload already claimed (`parsing`), or claims an unfinished one; a string says why not. */
export async function createOrClaimUpload(
  db: Firestore,
  uid: string,
  uploadId: string,
  nowMs: () => number,
  fields: Pick<UploadDoc, 'format' | 'byteSize' | 'rawPath' | 'timezone'> & {
    source?: UploadDoc['source'];
  },
  resume = false,
): Promise<UploadDoc | string> {
  const ref = uploadRef(db, uid, uploadId);
  return db.runTransaction(async (tx) => {
    if ((await tx.get(db.doc(paths.deletedAccount(uid)))).exists) return accountDeletedReason;
    const existing = readSnapshot(uploadConverter, await tx.get(ref));
    if (existing) return claimExisting(tx, ref, existing, nowMs(), resume);
    if (resume) return 'continuation of an upload that does not exist';
    const doc: UploadDoc = {
      ...traceField(),
      status: 'parsing',
      source: 'apple_health_export',
      ...fields,
      sha256: null,
      sampleCount: null,
      correlationId: `upload-${uploadId}`,
      counts: null,
      byType: null,
      rejections: [],
      error: null,
      attempts: 1,
      createdAt: FieldValue.serverTimestamp(),
      updatedAt: FieldValue.serverTimestamp(),
      statusTimes: { received: FieldValue.serverTimestamp(), parsing: FieldValue.serverTimestamp() },
    };
    tx.create(ref, doc);
    return doc;
  });
}

/** Progress of a claimed upload, for the app's progress bar; status and statusTimes are untouched. */
export async function recordUploadProgress(
  db: Firestore,
  uid: string,
  uploadId: string,
  progress: Record<string, number | null>,
): Promise<void> {
  await uploadRef(db, uid, uploadId).update({ progress, updatedAt: FieldValue.serverTimestamp() });
}

/**
 * Progress that never holds up the parser: written in the background, one at a time, at most once per
 * `everyMs`, failures ignored (progress is advisory). `flush` waits for the last write.
 */
export function backgroundProgress(
  db: Firestore,
  uid: string,
  uploadId: string,
  now: () => number,
  everyMs: number,
): { report: (progress: Record<string, number | null>) => void; flush: () => Promise<void> } {
  let last = 0;
  let pending: Promise<unknown> = Promise.resolve();
  return {
    report(progress) {
      const t = now();
      if (t - last < everyMs) return;
      last = t;
      pending = pending.then(() => recordUploadProgress(db, uid, uploadId, progress).catch(() => undefined));
    },
    flush: async () => {
      await pending;
    },
  };
}

/**
 * A long import stops within its invocation's time and hands the upload to its continuation: the checkpoint
 * (batches stored, the writer's totals) is recorded, the status stays `parsing`, and the attempt count starts
 * again (each invocation stores at least one batch, so hand-offs cannot loop without progress).
 */
export async function checkpointUpload(
  db: Firestore,
  uid: string,
  uploadId: string,
  checkpoint: ImportCheckpoint,
  progress: Record<string, number | null>,
): Promise<void> {
  await uploadRef(db, uid, uploadId).update({
    checkpoint,
    progress,
    attempts: 0,
    updatedAt: FieldValue.serverTimestamp(),
  });
}

/** Ends a claimed upload as rejected, with the error and whatever else the ingest knows. */
export async function rejectUpload(
  db: Firestore,
  uid: string,
  uploadId: string,
  error: { code: string; message: string },
  fields: Record<string, unknown> = {},
): Promise<void> {
  await uploadRef(db, uid, uploadId).update({
    ...statusFields('rejected'),
    error: { code: error.code, message: error.message },
    checkpoint: null,
    ...fields,
  });
}

/** Ends a claimed upload: ingested, partial (some rejected) or rejected (all), with its counts and summary. */
export async function finishUpload(
  db: Firestore,
  uid: string,
  uploadId: string,
  status: FinishedUploadStatus,
  fields: Record<string, unknown>,
): Promise<void> {
  await uploadRef(db, uid, uploadId).update({ ...fields, checkpoint: null, ...statusFields(status) });
}

/** A dead-lettered upload back to `received` with a fresh attempt budget (npm run replay). */
export async function resetUploadForReplay(
  db: Firestore,
  uid: string,
  uploadId: string,
): Promise<string | null> {
  const ref = uploadRef(db, uid, uploadId);
  const format = (await ref.get()).get('format') as unknown;
  await ref.update({ ...statusFields('received'), attempts: 0, error: null });
  return typeof format === 'string' ? format : null;
}
