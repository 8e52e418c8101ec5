/**
 * Infer stage (Cloud Tasks queue function): the window's last 7 days of minute movement go to inference-run
 * and the PAT embedding is merged into the analysis. Inside one task attempt the call is retried with
 * backoff behind a circuit breaker; a failed attempt is left to the queue's retry policy; the last attempt
 * degrades instead of failing the job: the analysis is marked ready without inference (analytics-only
 * insight), the job says so, and the work goes to deadLetters so a replay can still add the embedding.
 * The embedding is a representation: it is never presented as a prediction. When task heads are configured
 * (INFERENCE_HEADS), /v1/predict is asked too and the heads' outputs are stored with their confidence and
 * held-out metrics; that call is best effort (a failure or "no head served" is recorded, never fails the
 * stage), and only validated heads ever reach an insight (insight.ts).
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
  /** Task heads to ask /v1/predict for; empty or absent: no predict call. */
  heads?: string[];
}

type Predictions = Pick<NonNullable<AnalysisDoc['inference']>, 'predictions' | 'predictionNote'>;

/** The configured heads' outputs for the week (best effort: a failure is a note, not an error). */
async function predictions(
  deps: InferDeps,
  week: (number | null)[],
  jobId: string,
  log: Logger,
): Promise<Predictions> {
  const wanted = deps.heads ?? [];
  if (wanted.length === 0) return {};
  try {
    const res = await deps.breaker.fire(() => deps.client.predict(week, jobId));
    if (!res) return { predictionNote: 'no head served by the model server (409)' };
    const heads = (res.results[0]?.heads ?? []).filter((h) => wanted.includes(h.task));
    log.info('infer.predicted', {
      heads: heads.map((h) => h.task),
      validated: heads.filter((h) => h.validated).length,
    });
    return {
      predictions: heads.map((h) => ({
        task: h.task,
        label: h.label,
        validated: h.validated,
        probability: h.probability,
        confidence: h.confidence,
        spread: h.spread,
        ...(h.predicted === undefined ? {} : { predicted: h.predicted }),
        ...(h.positive === undefined ? {} : { positive: h.positive }),
        ...(h.metrics === undefined ? {} : { metrics: h.metrics }),
      })),
      ...(heads.length === 0 ? { predictionNote: `none of ${wanted.join(', ')} is served` } : {}),
    };
  } catch (e) {
    const code = e instanceof ClarityError ? e.code : 'internal';
    log.warn('infer.predict_failed', { code });
    return { predictionNote: `predict failed: ${code}` };
  }
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
      ...(await predictions(deps, week, jobId, log)),
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
