/**
 * Work that exhausted its retries lands in deadLetters/{id} with its cause and the command that replays it
 * (`npm run replay -- ID`). Ids are deterministic (stage + user + job), so redelivered failures update one
 * document instead of piling up.
 */
import { FieldValue, type Firestore } from 'firebase-admin/firestore';
import { ClarityError, type JobDoc, type StageName } from '@clarity/core';
import type { Logger } from '../platform/logger.ts';
import { errorText, failureCause, isTransient } from '../platform/errors.ts';
import { deadLetterId, failJob, maxStageAttempts, releaseStage } from './jobs.ts';
import { paths } from '../store/paths.ts';
import { accountDeletedReason, isAccountDeleted } from '../store/tombstones.ts';

export { deadLetterId };

/**
 * Records (or re-opens) the dead letter of a stage. `attempts` is the stage's total attempts so far. A
 * failure after a replay updates the same document: it is open again with the new cause and count, and
 * keeps the time of the first failure.
 */
export async function recordDeadLetter(
  db: Firestore,
  input: {
    stage: StageName;
    uid: string;
    jobId: string;
    correlationId: string;
    attempts: number;
    error: unknown;
  },
): Promise<string> {
  const id = deadLetterId(input.stage, input.uid, input.jobId);
  const e = input.error;
  const ref = db.doc(paths.deadLetter(id));
  const fields = {
    stage: input.stage,
    uid: input.uid,
    jobId: input.jobId,
    correlationId: input.correlationId,
    cause: failureCause(e),
    attempts: input.attempts,
    replay: `npm run replay -- ${id}`,
    status: 'open',
    updatedAt: FieldValue.serverTimestamp(),
  };
  await db.runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    if (snap.exists) tx.update(ref, fields);
    else tx.create(ref, { ...fields, createdAt: FieldValue.serverTimestamp() });
  });
  return id;
}

/**
 * What a stage does when its handler throws: a transient failure (isTransient, the one classification)
 * puts the stage back to pending and rethrows, so the trigger redelivers, until the stage has had
 * maxStageAttempts; a permanent failure, or the last attempt, fails the job and lands in deadLetters
 * with its cause.
 */
export async function stageFailed(
  db: Firestore,
  input: { stage: StageName; uid: string; jobId: string; job: JobDoc; log: Logger },
  e: unknown,
): Promise<{ kind: 'done'; status: 'failed' } | { kind: 'skipped'; reason: string }> {
  const { stage, uid, jobId, job, log } = input;
  if (isAccountDeleted(e)) {
    // Deleted while the stage ran: nothing to retry, and no dead letter (it would store the uid again).
    log.info(`${stage}.skipped`, { reason: accountDeletedReason });
    return { kind: 'skipped', reason: accountDeletedReason };
  }
  const attempts = job.stages[stage].attempts + 1;
  const cause = failureCause(e);
  if (isTransient(e) && attempts < maxStageAttempts) {
    await releaseStage(db, uid, jobId, stage);
    log.warn(`${stage}.retry`, { code: cause.code, attempts, error: errorText(e) });
    throw e;
  }
  log.error(`${stage}.failed`, { code: cause.code, attempts, error: errorText(e) });
  // The last of several transient failures: say so, so the job and dead letter tell a retry would not help.
  const final = isTransient(e)
    ? new ClarityError(cause.code, `${cause.message} (gave up after ${attempts} attempts)`, {
        retryable: false,
        cause: e,
      })
    : e;
  await failJob(db, uid, jobId, stage, final);
  await recordDeadLetter(db, { stage, uid, jobId, correlationId: job.correlationId, attempts, error: final });
  return { kind: 'done', status: 'failed' };
}
