/**
 * Work that exhausted its retries lands in deadLetters/{id} with its cause and the command that replays it
 * (`npm run replay -- ID`). Ids are deterministic (stage + user + job), so redelivered failures update one
 * document instead of piling up.
 */
import { FieldValue, type Firestore } from 'firebase-admin/firestore';
import { ClarityError, type JobDoc, type StageName } from '@clarity/core';
import type { Logger } from '../platform/logger.ts';
import { errorText } from '../platform/errors.ts';
import { failJob, releaseStage } from './jobs.ts';
import { paths } from '../store/paths.ts';

export function deadLetterId(stage: StageName, uid: string, jobId: string): string {
  return `${stage}_${uid}_${jobId}`.slice(0, 1400);
}

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
    cause: {
      code: e instanceof ClarityError ? e.code : 'internal',
      message: e instanceof ClarityError ? e.message : 'internal error',
    },
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
 * What a stage does when its handler throws: a retryable error puts the stage back to pending and rethrows
 * (the trigger redelivers); anything else fails the job and lands in deadLetters with its cause.
 */
export async function stageFailed(
  db: Firestore,
  input: { stage: StageName; uid: string; jobId: string; job: JobDoc; log: Logger },
  e: unknown,
): Promise<{ kind: 'done'; status: 'failed' }> {
  const { stage, uid, jobId, job, log } = input;
  if (e instanceof ClarityError && e.retryable) {
    await releaseStage(db, uid, jobId, stage);
    log.warn(`${stage}.retry`, { code: e.code });
    throw e;
  }
  log.error(`${stage}.failed`, {
    code: e instanceof ClarityError ? e.code : 'internal',
    error: errorText(e),
  });
  await failJob(db, uid, jobId, stage, e);
  await recordDeadLetter(db, {
    stage,
    uid,
    jobId,
    correlationId: job.correlationId,
    attempts: job.stages[stage].attempts + 1,
    error: e,
  });
  return { kind: 'done', status: 'failed' };
}
