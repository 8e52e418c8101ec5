/**
 * Infer stage (Cloud Tasks queue function): the window's last 7 days of minute movement go to inference-run
 * and the PAT embedding is merged into the analysis. Inside one task attempt the call is retried with
 * backoff behind a circuit breaker; a failed attempt is left to the queue's retry policy; the last attempt
 * degrades instead of failing the job: the analysis is marked ready without inference (analytics-only
 * insight), the job says so, and the work goes to deadLetters so a replay can still add the embedding.
 * The embedding is a representation: it is never presented as a prediction.
 */
import { FieldValue, type Firestore } from 'firebase-admin/firestore';
import { ClarityError, PAT_SEQUENCE_MINUTES, type AnalysisDoc } from '@clarity/core';
import type { Breaker } from '../platform/circuit-breaker.ts';
import type { Logger } from '../platform/logger.ts';
import { withRetry } from '../platform/retry.ts';
import { paths } from '../store/paths.ts';
import { traceField } from '../platform/tracing.ts';
import { analysisConverter } from '../store/converters.ts';
import { movementSeries, windowMinutes } from './analytics.ts';
import type { StageOutcome } from './analyze.ts';
import { recordDeadLetter } from './dead-letters.ts';
import type { InferenceClient } from './inference-client.ts';
import { claimStageFor, finishStage, releaseStage } from './jobs.ts';
import { loadWindowSeries } from './series.ts';

/** The degradation recorded when inference stays unavailable. */
export const inferenceDegraded = 'inference unavailable: analytics-only';

export interface InferDeps {
  db: Firestore;
  log: Logger;
  now: () => number;
  client: InferenceClient;
  breaker: Breaker;
  retry?: { attempts: number; baseMs: number; maxMs: number };
}

/** The last PAT_SEQUENCE_MINUTES minutes of the window, null where missing. */
export function weekOfMinutes(movement: Float64Array): (number | null)[] {
  const out: (number | null)[] = new Array<number | null>(PAT_SEQUENCE_MINUTES).fill(null);
  const offset = movement.length - PAT_SEQUENCE_MINUTES;
  for (let i = 0; i < PAT_SEQUENCE_MINUTES; i++) {
    const v = movement[offset + i];
    out[i] = v === undefined || Number.isNaN(v) ? null : v;
  }
  return out;
}

export async function inferJob(
  input: { uid: string; jobId: string; attempt: number; maxAttempts: number },
  deps: InferDeps,
): Promise<StageOutcome> {
  const { uid, jobId } = input;
  const claim = await claimStageFor(deps, uid, jobId, 'infer', { attempt: input.attempt });
  if (claim.kind === 'skipped') return claim;
  const { job, log } = claim;
  const ref = deps.db.doc(paths.analysis(uid, jobId));
  const snap = await ref.withConverter(analysisConverter).get();
  const analysis = snap.data();
  if (!analysis) {
    await releaseStage(deps.db, uid, jobId, 'infer');
    throw new ClarityError('unavailable', 'analysis not written yet', { retryable: true });
  }
  log.info('infer.started', {});
  try {
    const docs = await loadWindowSeries(deps.db, uid, analysis.window);
    // PAT was trained on actigraphy counts: activity_counts when the window has them, else steps.
    const week = weekOfMinutes(
      movementSeries(windowMinutes(docs, analysis.window, analysis.timezone)).values,
    );
    const callStart = deps.now();
    const res = await withRetry(() => deps.breaker.fire(() => deps.client.embed(week, jobId)), {
      attempts: deps.retry?.attempts ?? 3,
      baseMs: deps.retry?.baseMs ?? 200,
      maxMs: deps.retry?.maxMs ?? 2_000,
      onRetry: (attempt, delayMs) => log.warn('infer.retry', { attempt, delayMs }),
    });
    const result = res.results[0];
    if (!result) throw new ClarityError('internal', 'inference returned no result', { retryable: false });
    const inference: AnalysisDoc['inference'] = {
      status: 'done',
      model: res.model,
      embedding: result.embedding,
      missingFraction: result.missingFraction,
      ...(res.notice ? { notice: res.notice } : {}),
    };
    await ref.update({
      ...traceField(),
      inference,
      status: 'ready',
      // A replay after a degraded run: the analysis is whole again.
      degraded: FieldValue.arrayRemove(inferenceDegraded),
      updatedAt: FieldValue.serverTimestamp(),
    });
    await finishStage(deps.db, uid, jobId, 'infer', 'done', {
      note: `${res.model.name}@${res.model.version}${res.model.trained ? '' : ' (untrained stand-in)'}`,
    });
    log.info('infer.finished', {
      model: res.model.name,
      version: res.model.version,
      inferenceMs: deps.now() - callStart,
    });
    return { kind: 'done', status: 'done' };
  } catch (e) {
    const code = e instanceof ClarityError ? e.code : 'internal';
    const last = input.attempt + 1 >= input.maxAttempts || !(e instanceof ClarityError && e.retryable);
    if (!last) {
      await releaseStage(deps.db, uid, jobId, 'infer');
      log.warn('infer.attempt_failed', { code });
      throw e;
    }
    const cause = e instanceof ClarityError ? `${e.code}: ${e.message}` : 'internal: inference failed';
    const dlq = await recordDeadLetter(deps.db, {
      stage: 'infer',
      uid,
      jobId,
      correlationId: job.correlationId,
      // The stage's own count (claims), not the queue's: a replay's attempt adds to it.
      attempts: job.stages.infer.attempts + 1,
      error: e,
    });
    // Degrade: the analytics stand on their own; the insight stage goes on without the embedding.
    await ref.update({
      ...traceField(),
      status: 'ready',
      inference: { status: 'failed', note: `${cause} (dead letter ${dlq})`.slice(0, 500) },
      degraded: FieldValue.arrayUnion(inferenceDegraded),
      updatedAt: FieldValue.serverTimestamp(),
    });
    await finishStage(deps.db, uid, jobId, 'infer', 'degraded', {
      note: `${cause}; dead letter ${dlq}`,
      degraded: [inferenceDegraded],
    });
    log.error('infer.dead_lettered', { code, deadLetter: dlq });
    return { kind: 'done', status: 'degraded' };
  }
}
