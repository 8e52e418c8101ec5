/**
 * Analyze stage: a queued job becomes users/{uid}/analyses/{jobId} with the core analytics of its window
 * (see analytics.ts), provenance and coverage. Then the infer stage is started (a Cloud Tasks task with a
 * deterministic id) or, with no model configured, recorded as skipped and the analysis marked ready, which
 * starts the insight stage.
 */
import { FieldValue, type Firestore } from 'firebase-admin/firestore';
import { ClarityError, type AnalysisDoc } from '@clarity/core';
import { errorText } from '../platform/errors.ts';
import type { Logger } from '../platform/logger.ts';
import { paths } from '../store/paths.ts';
import { traceField } from '../platform/tracing.ts';
import { assertAccountLive } from '../store/tombstones.ts';
import { computeAnalysis } from './analytics.ts';
import { stageFailed } from './dead-letters.ts';
import { claimStageFor, finishStage } from './jobs.ts';
import { defaultWindow, loadBaseline, loadWindowSeries } from './series.ts';

export interface AnalyzeDeps {
  db: Firestore;
  log: Logger;
  now: () => number;
  /** Starts the infer stage; undefined = no model configured. */
  enqueueInfer?: (task: { uid: string; jobId: string }) => Promise<void>;
}

export type StageOutcome = { kind: 'skipped'; reason: string } | { kind: 'done'; status: string };

/** Creates the document unless it exists, and never for a deleted account (store/tombstones.ts). */
async function createIfAbsent(db: Firestore, uid: string, path: string, data: object): Promise<boolean> {
  return db.runTransaction(async (tx) => {
    await assertAccountLive(db, tx, uid);
    const ref = db.doc(path);
    if ((await tx.get(ref)).exists) return false;
    tx.create(ref, data);
    return true;
  });
}

export async function analyzeJob(
  input: { uid: string; jobId: string },
  deps: AnalyzeDeps,
): Promise<StageOutcome> {
  const { uid, jobId } = input;
  const claim = await claimStageFor(deps, uid, jobId, 'analyze');
  if (claim.kind === 'skipped') return claim;
  const { job, log } = claim;
  log.info('analyze.started', { reason: job.reason });
  try {
    const window = job.window ?? (await defaultWindow(deps.db, uid));
    if (!window) throw new ClarityError('not_found', 'no stored data to analyse', { retryable: false });
    const [docs, { baseline, ids }] = await Promise.all([
      loadWindowSeries(deps.db, uid, window),
      loadBaseline(deps.db, uid, window),
    ]);
    const result = computeAnalysis(docs, window, job.timezone, baseline);
    const noModel = !deps.enqueueInfer;
    const degraded = [...result.degraded, ...(noModel ? ['inference skipped: no model configured'] : [])];
    const doc: AnalysisDoc = {
      uid,
      jobId,
      correlationId: job.correlationId,
      ...traceField(),
      window,
      timezone: job.timezone,
      status: noModel ? 'ready' : 'analyzed',
      metrics: result.metrics,
      coverage: result.coverage,
      inference: noModel ? { status: 'skipped', note: 'no model' } : { status: 'pending' },
      degraded,
      baselineAnalysisIds: ids,
      createdAt: FieldValue.serverTimestamp(),
      updatedAt: FieldValue.serverTimestamp(),
    };
    const created = await createIfAbsent(deps.db, uid, paths.analysis(uid, jobId), doc);
    if (!created) log.info('analyze.analysis_exists', {});
    let inferNote = noModel ? 'no model configured' : undefined;
    if (deps.enqueueInfer) {
      try {
        await deps.enqueueInfer({ uid, jobId });
      } catch (e) {
        // The queue is down or misconfigured: degrade to analytics-only rather than stall the job.
        inferNote = 'inference queue unavailable';
        log.warn('analyze.enqueue_failed', { error: errorText(e) });
        degraded.push(`inference skipped: ${inferNote}`);
        await deps.db.doc(paths.analysis(uid, jobId)).update({
          status: 'ready',
          inference: { status: 'skipped', note: inferNote },
          degraded: FieldValue.arrayUnion(`inference skipped: ${inferNote}`),
          updatedAt: FieldValue.serverTimestamp(),
        });
      }
    }
    await finishStage(deps.db, uid, jobId, 'analyze', 'done', {
      degraded,
      fields: {
        analysisId: jobId,
        window,
        ...(inferNote
          ? {
              'stages.infer.status': 'skipped',
              'stages.infer.note': inferNote,
              'stages.infer.finishedAt': FieldValue.serverTimestamp(),
            }
          : {}),
      },
    });
    log.info('analyze.finished', {
      days: result.coverage.days,
      seriesDocs: docs.length,
      inferQueued: !inferNote,
    });
    return { kind: 'done', status: 'done' };
  } catch (e) {
    return stageFailed(deps.db, { stage: 'analyze', uid, jobId, job, log }, e);
  }
}
