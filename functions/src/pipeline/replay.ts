/**
 * Replays a dead letter: puts its stage back to pending and runs the stage handler again with the given
 * dependencies (the same handlers the triggers call, so a replay is exactly a redelivery). The job's later
 * stages follow through the normal triggers. Used by `npm run replay -- ID` and by the tests. A replayed
 * infer that fails again reports `failed` (so the command exits 1); its dead letter is open again with the
 * new cause and attempt count.
 */
import { FieldValue, type Firestore } from 'firebase-admin/firestore';
import { ClarityError } from '@clarity/core';
import type { Logger } from '../platform/logger.ts';
import { paths } from '../store/paths.ts';
import { deadLetterConverter } from '../store/converters.ts';
import { analyzeJob, type AnalyzeDeps, type StageOutcome } from './analyze.ts';
import { inferJob, inferenceDegraded, type InferDeps } from './infer.ts';
import { insightForAnalysis, type InsightDeps } from './insight.ts';
import { readJob } from './jobs.ts';
import { ingestUpload, type IngestDeps } from './ingest.ts';
import { resetUploadForReplay } from '../store/uploads.ts';
import { replay as replayWebhook, type WebhookDeps } from '../delivery/webhooks.ts';

export interface ReplayDeps {
  db: Firestore;
  log: Logger;
  /** Ingest of a JSON upload (dead letters of stage `ingest`); absent: the upload is only reset. */
  ingest?: () => IngestDeps;
  analyze: () => AnalyzeDeps;
  infer: () => InferDeps;
  insight: () => InsightDeps;
  /** Webhook delivery (dead letters of stage `webhook`); absent: those cannot be replayed here. */
  webhooks?: () => WebhookDeps;
}

export async function replayDeadLetter(id: string, deps: ReplayDeps): Promise<StageOutcome> {
  const ref = deps.db.doc(paths.deadLetter(id)).withConverter(deadLetterConverter);
  const dl = (await ref.get()).data();
  if (!dl) throw new ClarityError('not_found', `dead letter ${id} not found`);
  const { uid, jobId, stage } = dl;
  const log = deps.log.child({ deadLetter: id, jobId, correlationId: dl.correlationId, stage });
  log.info('replay.started', {});
  if (stage === 'ingest') return replayIngest(id, uid, dl.uploadId ?? jobId, deps, log);
  if (stage === 'webhook') {
    if (!deps.webhooks || !dl.endpointId || !dl.messageId)
      throw new ClarityError('invalid_input', `dead letter ${id} names no webhook message to replay`);
    // A new round of attempts with the same webhook-id and body; if it is exhausted again, the same dead
    // letter opens again (delivery/webhooks.ts).
    await replayWebhook(deps.webhooks(), uid, dl.endpointId, { messageId: dl.messageId });
    await deps.db
      .doc(paths.deadLetter(id))
      .update({ status: 'replayed', replayedAt: FieldValue.serverTimestamp() });
    log.info('replay.finished', { outcome: 'webhook message re-sent' });
    return { kind: 'done', status: 'done' };
  }
  await deps.db.doc(paths.job(uid, jobId)).update({
    status: 'running',
    error: null,
    [`stages.${stage}.status`]: 'pending',
    // A replay is a deliberate new start: it gets the stage's full attempt budget again.
    [`stages.${stage}.attempts`]: 0,
    updatedAt: FieldValue.serverTimestamp(),
  });
  let outcome: StageOutcome;
  switch (stage) {
    case 'analyze':
      outcome = await analyzeJob({ uid, jobId }, deps.analyze());
      break;
    case 'infer':
      // One attempt, and its failure is final again (a new dead letter) rather than silent.
      outcome = await inferJob({ uid, jobId, attempt: 0, maxAttempts: 1 }, deps.infer());
      break;
    case 'insight':
      outcome = await insightForAnalysis({ uid, analysisId: jobId }, deps.insight());
      break;
    case 'deliver':
      throw new ClarityError('invalid_input', 'deliver is not dead-lettered; re-run it by replaying insight');
  }
  const ok = outcome.kind === 'done' && (outcome.status === 'done' || outcome.status === 'degraded');
  // A replayed infer that degrades again has failed: its dead letter is open again (recorded by inferJob).
  const stillFailing = stage === 'infer' && outcome.kind === 'done' && outcome.status === 'degraded';
  if (ok && !stillFailing) {
    await deps.db.doc(paths.deadLetter(id)).update({
      status: 'replayed',
      replayedAt: FieldValue.serverTimestamp(),
    });
  }
  if (stage === 'infer') {
    // The infer stage runs beside the insight: when the job had already been delivered (its insight is
    // analytics-only), the job is complete again whatever the replay's outcome, never left 'running'.
    // A successful one also clears the degradation (the analysis is whole again).
    const delivered = (await readJob(deps.db, uid, jobId))?.stages.deliver.status === 'done';
    await deps.db.doc(paths.job(uid, jobId)).update({
      ...(delivered ? { status: 'complete' } : {}),
      ...(stillFailing ? {} : { degraded: FieldValue.arrayRemove(inferenceDegraded) }),
      updatedAt: FieldValue.serverTimestamp(),
    });
  }
  if (stillFailing) outcome = { kind: 'done', status: 'failed' };
  log.info('replay.finished', { outcome: outcome.kind === 'done' ? outcome.status : outcome.reason });
  return outcome;
}

/**
 * An upload that exhausted its attempts: back to `received` with a fresh attempt budget, then ingested again
 * (JSON uploads, when ingest dependencies are given). A file upload is reset only: re-finalizing its object
 * (or the Storage event's redelivery) ingests it.
 */
async function replayIngest(
  id: string,
  uid: string,
  uploadId: string,
  deps: ReplayDeps,
  log: Logger,
): Promise<StageOutcome> {
  const format = await resetUploadForReplay(deps.db, uid, uploadId);
  let outcome: StageOutcome = { kind: 'skipped', reason: 'upload reset to received' };
  if (format === 'json' && deps.ingest) {
    const r = await ingestUpload({ uid, uploadId }, deps.ingest());
    outcome = r.kind === 'done' ? { kind: 'done', status: r.status === 'rejected' ? 'failed' : 'done' } : r;
  }
  if (outcome.kind === 'done' && outcome.status === 'done')
    await deps.db.doc(paths.deadLetter(id)).update({
      status: 'replayed',
      replayedAt: FieldValue.serverTimestamp(),
    });
  log.info('replay.finished', { outcome: outcome.kind === 'done' ? outcome.status : outcome.reason });
  return outcome;
}
