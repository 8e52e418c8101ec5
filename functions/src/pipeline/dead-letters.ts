/**
 * Work that exhausted its retries lands in deadLetters/{id} with its cause and the command that replays it
 * (`npm run replay -- ID`). Ids are deterministic (stage + user + job), so redelivered failures update one
 * document instead of piling up.
 */
import { FieldValue, type Firestore } from 'firebase-admin/firestore';
import { ClarityError, type StageName } from '@clarity/core';
import { pipelinePaths } from '../store/pipeline-paths.ts';

export function deadLetterId(stage: StageName, uid: string, jobId: string): string {
  return `${stage}_${uid}_${jobId}`.slice(0, 1400);
}

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
  await db.doc(pipelinePaths.deadLetter(id)).set({
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
    createdAt: FieldValue.serverTimestamp(),
  });
  return id;
}
