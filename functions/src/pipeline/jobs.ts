/**
 * Analysis jobs (users/{uid}/jobs/{jobId}) and the per-stage status machine every stage goes through.
 *
 * - createAnalysisJob is create-if-absent with a deterministic id where a natural key exists (the upload
 *   debounce window, the scheduled day, or the caller's idempotency key), so a retried request or a
 *   redelivered trigger never makes a second job.
 * - claimStage checks and moves a stage to `running` in a transaction: a stage already done/skipped/degraded
 *   is not run again (redelivery); a stage `running` for less than the lease belongs to another attempt.
 * - finishStage/failJob record the outcome and timestamps; the client listens to the job document.
 */
import { createHash } from 'node:crypto';
import { FieldValue, type Firestore } from 'firebase-admin/firestore';
import {
  ClarityError,
  jobDocSchema,
  type AnalysisWindow,
  type JobDoc,
  type JobReason,
  type StageName,
  type StageState,
  type StageStatus,
} from '@clarity/core';
import { paths } from '../store/paths.ts';
import { traceField } from '../platform/tracing.ts';
import { accountDeletedReason } from '../store/tombstones.ts';
import { failureCause } from '../platform/errors.ts';
import { setExhaustedDeadLetter } from '../store/dead-letter-docs.ts';
import { jobConverter } from '../store/converters.ts';
import type { LogFields, Logger } from '../platform/logger.ts';

export interface CreateJobInput {
  uid: string;
  /** null lets the analyze stage choose the 7 days ending at the newest stored day. */
  window: AnalysisWindow | null;
  requestedBy: string;
  correlationId: string;
  reason: JobReason;
  timezone?: string;
  uploadId?: string | null;
  /** Natural key of the request (an Idempotency-Key, the upload window...); derived id when given. */
  key?: string;
  /** Deterministic id chosen by the caller (overrides key). */
  jobId?: string;
}

const freshStage = (): StageState => ({ status: 'pending', attempts: 0 });

/** A job id from a natural key: short, path-safe, the same for the same key. */
export function jobIdFor(uid: string, reason: JobReason, key: string): string {
  const h = createHash('sha256').update(`${uid}\u0000${reason}\u0000${key}`).digest('hex').slice(0, 20);
  return `${reason}-${h}`;
}

/** Debounce: all uploads of a user finishing in the same N-minute window share one job. */
export function uploadJobId(uid: string, finishedAtMs: number, debounceMinutes: number): string {
  const bucket = Math.floor(finishedAtMs / (Math.max(1, debounceMinutes) * 60_000));
  return jobIdFor(uid, 'upload', String(bucket));
}

/**
 * Coalescing of POST /v1/health/analyze: a user's requests for the same window (or for "the latest week",
 * no window) within the same N-minute period share one job, whatever Idempotency-Key they carry, so a
 * client cannot queue analyses (and their model and LLM calls) by repeating a request.
 */
export function apiJobId(
  uid: string,
  window: AnalysisWindow | null,
  nowMs: number,
  coalesceMinutes: number,
): string {
  const bucket = Math.floor(nowMs / (Math.max(1, coalesceMinutes) * 60_000));
  return jobIdFor(uid, 'api', `${window ? `${window.start}..${window.end}` : 'latest'}@${bucket}`);
}

export function newJobDoc(input: CreateJobInput): JobDoc {
  return {
    // The analyze stage's span continues the creator's (platform/tracing.ts).
    ...traceField(),
    uid: input.uid,
    status: 'queued',
    reason: input.reason,
    requestedBy: input.requestedBy,
    correlationId: input.correlationId,
    window: input.window,
    timezone: input.timezone ?? 'UTC',
    uploadId: input.uploadId ?? null,
    stages: { analyze: freshStage(), infer: freshStage(), insight: freshStage(), deliver: freshStage() },
    degraded: [],
    analysisId: null,
    insightId: null,
    channels: [],
    error: null,
    createdAt: FieldValue.serverTimestamp(),
    updatedAt: FieldValue.serverTimestamp(),
  };
}

/**
 * Creates the job unless it exists. Returns its id and whether this call created it. The API calls this
 * for POST /v1/health/analyze (reason 'api'); the upload and schedule triggers call it too.
 */
export async function createAnalysisJob(
  db: Firestore,
  input: CreateJobInput,
): Promise<{ jobId: string; created: boolean }> {
  if (input.window && input.window.start > input.window.end) {
    throw new ClarityError('invalid_input', 'window.start is after window.end', {
      details: [{ path: ['window', 'start'], message: 'must not be after window.end' }],
    });
  }
  const jobId =
    input.jobId ??
    (input.key
      ? jobIdFor(input.uid, input.reason, input.key)
      : db.collection(paths.jobs(input.uid)).doc().id);
  const ref = db.doc(paths.job(input.uid, jobId));
  try {
    await ref.create(newJobDoc(input));
    return { jobId, created: true };
  } catch (e) {
    if ((e as { code?: number }).code === 6) return { jobId, created: false }; // ALREADY_EXISTS
    throw e;
  }
}

/**
 * Ties a finished upload to an existing debounced job, in a transaction with the analyze stage's claim:
 * 'own' when the job already covers this upload (it was created for it, or the upload joined it before:
 * a redelivered event), 'joined' when the job's analysis has not started (its window will include the
 * upload's data), 'started' when it has (the upload needs a job of its own). Joined uploads are kept in
 * the job's `uploadIds`, so a redelivery of their event after the analysis started makes no second job.
 */
export async function attachUpload(
  db: Firestore,
  uid: string,
  jobId: string,
  uploadId: string,
): Promise<'own' | 'joined' | 'started'> {
  const ref = db.doc(paths.job(uid, jobId));
  return db.runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    const job = jobDocSchema.parse(snap.data());
    if (job.uploadId === uploadId || job.uploadIds?.includes(uploadId)) return 'own';
    if (job.stages.analyze.status !== 'pending') return 'started';
    tx.update(ref, { uploadIds: FieldValue.arrayUnion(uploadId), updatedAt: FieldValue.serverTimestamp() });
    return 'joined';
  });
}

export async function readJob(db: Firestore, uid: string, jobId: string): Promise<JobDoc | undefined> {
  const snap = await db.doc(paths.job(uid, jobId)).withConverter(jobConverter).get();
  return snap.data();
}

/** Id of the dead letter of a job's stage (deterministic: a redelivered failure updates one document). */
export function deadLetterId(stage: StageName, uid: string, jobId: string): string {
  return `${stage}_${uid}_${jobId}`.slice(0, 1400);
}

/** A stage left `running` longer than this is taken over (its attempt died). */
export const stageLeaseMs = 5 * 60_000;

/**
 * Attempts a stage gets for one job, whatever ends them (a transient error, a crash, a timeout): after the
 * last, the job fails and the work is dead-lettered instead of being redelivered forever.
 */
export const maxStageAttempts = 5;

export type Claim = { kind: 'claimed'; job: JobDoc } | { kind: 'skipped'; reason: string };

const finished: ReadonlySet<StageStatus> = new Set(['done', 'skipped', 'degraded', 'failed']);

export async function claimStage(
  db: Firestore,
  uid: string,
  jobId: string,
  stage: StageName,
  nowMs: number,
): Promise<Claim> {
  const ref = db.doc(paths.job(uid, jobId)).withConverter(jobConverter);
  return db.runTransaction(async (tx) => {
    if ((await tx.get(db.doc(paths.deletedAccount(uid)))).exists) {
      return { kind: 'skipped', reason: accountDeletedReason };
    }
    const snap = await tx.get(ref);
    const job = snap.data();
    if (!job) return { kind: 'skipped', reason: 'job not found' };
    const st = job.stages[stage];
    if (finished.has(st.status)) return { kind: 'skipped', reason: `stage ${stage} already ${st.status}` };
    if (st.status === 'running') {
      const started = (st.startedAt as { toMillis?: () => number } | undefined)?.toMillis?.() ?? 0;
      if (nowMs - started < stageLeaseMs) {
        throw new ClarityError('unavailable', `stage ${stage} is running in another attempt`, {
          retryable: true,
        });
      }
    }
    if (st.attempts >= maxStageAttempts) {
      // Every attempt so far died without reporting (a crash, a timeout, a document Firestore refused
      // mid-write): end it here, visibly, instead of running it again.
      const message = `stage ${stage} gave up after ${st.attempts} attempts that did not finish`;
      tx.update(snap.ref, {
        status: 'failed',
        [`stages.${stage}.status`]: 'failed',
        [`stages.${stage}.finishedAt`]: FieldValue.serverTimestamp(),
        [`stages.${stage}.note`]: `attempts_exhausted: ${message}`,
        error: { stage, code: 'attempts_exhausted', message },
        updatedAt: FieldValue.serverTimestamp(),
      });
      setExhaustedDeadLetter(db, tx, deadLetterId(stage, uid, jobId), {
        stage,
        uid,
        jobId,
        correlationId: job.correlationId,
        attempts: st.attempts,
        message,
      });
      return { kind: 'skipped', reason: `stage ${stage} attempts exhausted: dead-lettered` };
    }
    tx.update(snap.ref, {
      status: 'running',
      [`stages.${stage}.status`]: 'running',
      [`stages.${stage}.attempts`]: FieldValue.increment(1),
      [`stages.${stage}.startedAt`]: FieldValue.serverTimestamp(),
      updatedAt: FieldValue.serverTimestamp(),
    });
    return { kind: 'claimed', job };
  });
}

/**
 * Claims a stage for a handler: the job and a logger that names the job, its correlation id and the stage
 * (plus `fields`); or the skip, logged as `<stage>.skipped`.
 */
export async function claimStageFor(
  deps: { db: Firestore; log: Logger; now: () => number },
  uid: string,
  jobId: string,
  stage: StageName,
  fields: LogFields = {},
): Promise<{ kind: 'claimed'; job: JobDoc; log: Logger } | { kind: 'skipped'; reason: string }> {
  const claim = await claimStage(deps.db, uid, jobId, stage, deps.now());
  if (claim.kind === 'skipped') {
    deps.log.info(`${stage}.skipped`, { jobId, reason: claim.reason });
    return claim;
  }
  const log = deps.log.child({ jobId, correlationId: claim.job.correlationId, stage, ...fields });
  return { kind: 'claimed', job: claim.job, log };
}

export type FinishExtra = { note?: string; degraded?: string[]; fields?: Record<string, unknown> };

/** The job fields that record a stage's outcome (for an update, alone or in a batch with its output). */
export function stageFinish(
  stage: StageName,
  status: Exclude<StageStatus, 'pending' | 'running'>,
  extra: FinishExtra = {},
): Record<string, unknown> {
  return {
    [`stages.${stage}.status`]: status,
    [`stages.${stage}.finishedAt`]: FieldValue.serverTimestamp(),
    ...(extra.note ? { [`stages.${stage}.note`]: extra.note.slice(0, 500) } : {}),
    ...(extra.degraded && extra.degraded.length > 0
      ? { degraded: FieldValue.arrayUnion(...extra.degraded) }
      : {}),
    ...extra.fields,
    updatedAt: FieldValue.serverTimestamp(),
  };
}

export async function finishStage(
  db: Firestore,
  uid: string,
  jobId: string,
  stage: StageName,
  status: Exclude<StageStatus, 'pending' | 'running'>,
  extra: FinishExtra = {},
): Promise<void> {
  await db.doc(paths.job(uid, jobId)).update(stageFinish(stage, status, extra));
}

/** Puts a claimed stage back to pending so a redelivery can take it (the attempt failed retryably). */
export async function releaseStage(
  db: Firestore,
  uid: string,
  jobId: string,
  stage: StageName,
): Promise<void> {
  await db.doc(paths.job(uid, jobId)).update({
    [`stages.${stage}.status`]: 'pending',
    updatedAt: FieldValue.serverTimestamp(),
  });
}

export async function failJob(
  db: Firestore,
  uid: string,
  jobId: string,
  stage: StageName,
  e: unknown,
): Promise<void> {
  const { code, message } = failureCause(e);
  await db.doc(paths.job(uid, jobId)).update({
    status: 'failed',
    [`stages.${stage}.status`]: 'failed',
    [`stages.${stage}.finishedAt`]: FieldValue.serverTimestamp(),
    [`stages.${stage}.note`]: `${code}: ${message}`.slice(0, 500),
    error: { stage, code, message },
    updatedAt: FieldValue.serverTimestamp(),
  });
}
