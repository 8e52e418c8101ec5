/**
 * Insight stage: when an analysis is ready (inference merged, skipped or degraded), assemble the context
 * (this analysis, earlier analyses and insights, the user's locale and preferences), generate the insight
 * (Gemini or rules, llm/generate.ts) and write users/{uid}/insights/{jobId} (create-if-absent).
 */
import { FieldValue, type Firestore } from 'firebase-admin/firestore';
import {
  ClarityError,
  messages,
  resolveLocale,
  type AnalysisDoc,
  type InsightDoc,
  type InsightPrediction,
} from '@clarity/core';
import type { Logger } from '../platform/logger.ts';
import type { FlagSource } from '../platform/flags.ts';
import { elapsedMs } from '../platform/ops-metrics.ts';
import { generateInsight, type GenerateDeps } from '../llm/generate.ts';
import type { InsightContext } from '../llm/prompt.ts';
import { assignVariant, insightTemplateExperiment, type Experiment } from '../llm/experiments.ts';
import { addExposure } from '../store/engagement.ts';
import { paths } from '../store/paths.ts';
import { traceField } from '../platform/tracing.ts';
import { analysisConverter, insightConverter } from '../store/converters.ts';
import type { StageOutcome } from './analyze.ts';
import { stageFailed } from './dead-letters.ts';
import { claimStageFor, stageFinish } from './jobs.ts';

export interface InsightDeps extends GenerateDeps {
  db: Firestore;
  log: Logger;
  /** Feature flags per user (llm_generator_enabled); absent: the in-code defaults. */
  flags?: FlagSource;
  /**
   * The prompt-template experiment to run for every user (tests); absent: insightTemplateExperiment for
   * the users whose insight_experiments_enabled flag is on, none for the others.
   */
  experiment?: Experiment;
  /**
   * Whether the user's email address is verified (Firebase Auth). LLM-written insights cost money, so only
   * verified accounts get them: a fresh throwaway account gets the rule-based insight, and cannot reset the
   * per-user token budget by signing up again.
   */
  emailVerified: (uid: string) => Promise<boolean>;
}

/**
 * The predictions an insight may state: validated heads only (an unvalidated head's output is stored on the
 * analysis for research and never shown), as estimates of their outcome with the spread and held-out AUROC.
 */
export function insightPredictions(inference: AnalysisDoc['inference']): InsightPrediction[] {
  return (inference.predictions ?? [])
    .filter((p) => p.validated)
    .map((p) => ({
      task: p.task,
      label: p.label,
      probability: p.probability,
      spread: p.spread,
      outcome: p.positive ?? p.predicted ?? p.task,
      ...(p.metrics ? { auroc: p.metrics.auroc } : {}),
    }));
}

async function context(db: Firestore, uid: string, analysisId: string) {
  const [analysisSnap, userSnap, prevSnap, insightSnap] = await Promise.all([
    db.doc(paths.analysis(uid, analysisId)).withConverter(analysisConverter).get(),
    db.doc(paths.user(uid)).get(),
    db
      .collection(paths.analyses(uid))
      .orderBy('window.end', 'desc')
      .limit(4)
      .withConverter(analysisConverter)
      .get(),
    db
      .collection(paths.insights(uid))
      .orderBy('createdAt', 'desc')
      .limit(3)
      .withConverter(insightConverter)
      .get(),
  ]);
  const analysis = analysisSnap.data();
  if (!analysis) return undefined;
  const locale = resolveLocale(userSnap.get('locale') as string | undefined);
  const prefs = userSnap.get('preferences') as { goals?: unknown } | undefined;
  const ctx: InsightContext = {
    locale,
    window: analysis.window,
    metrics: analysis.metrics,
    coverage: analysis.coverage,
    previous: prevSnap.docs
      .filter((d) => d.id !== analysisId && d.data().window.end < analysis.window.end)
      .slice(0, 3)
      .map((d) => ({
        window: d.data().window,
        meanDailySteps: d.data().metrics.activity?.meanDailySteps ?? null,
        meanTotalSleepMinutes: d.data().metrics.sleep?.meanTotalSleepMinutes ?? null,
      })),
    earlierInsightTitles: insightSnap.docs
      .flatMap((d) => d.data().keyInsights.map((k) => k.title))
      .slice(0, 10),
    userPreferences: typeof prefs?.goals === 'string' ? prefs.goals.slice(0, 500) : null,
    embeddingComputed: analysis.inference.status === 'done',
  };
  const predictions = insightPredictions(analysis.inference);
  if (predictions.length > 0) ctx.predictions = predictions;
  return { analysis, ctx };
}

export async function insightForAnalysis(
  input: { uid: string; analysisId: string },
  deps: InsightDeps,
): Promise<StageOutcome> {
  const { uid, analysisId } = input;
  const jobId = analysisId;
  const claim = await claimStageFor(deps, uid, jobId, 'insight');
  if (claim.kind === 'skipped') return claim;
  const { job, log } = claim;
  try {
    const loaded = await context(deps.db, uid, analysisId);
    if (!loaded) throw new ClarityError('unavailable', 'analysis not found yet', { retryable: true });
    const { analysis, ctx } = loaded;
    log.info('insight.started', { locale: ctx.locale, llm: deps.llm ? deps.llm.model : 'none' });
    // The LLM generator is a flagged path: off for this user, the rule-based generator writes the insight.
    const flags = deps.flags ? await deps.flags(uid) : null;
    const llmFlag = flags ? flags.llm_generator_enabled : true;
    const verified = llmFlag && deps.llm !== null && (await deps.emailVerified(uid));
    if (llmFlag && deps.llm !== null && !verified) log.info('insight.llm_needs_verified_email', {});
    const experiment =
      deps.experiment ?? (flags?.insight_experiments_enabled ? insightTemplateExperiment : null);
    const variant = experiment ? assignVariant(uid, experiment) : undefined;
    const arm = experiment && variant ? { name: experiment.name, variant: variant.name } : null;
    const g = await generateInsight(uid, ctx, { ...deps, log, ...(verified ? {} : { llm: null }) }, variant);
    const degraded = g.fallback ? [`insight by rules: ${g.fallback.cause}`.slice(0, 300)] : [];
    const doc: InsightDoc = {
      ...g.output,
      uid,
      jobId,
      analysisId,
      correlationId: job.correlationId,
      ...traceField(),
      locale: ctx.locale,
      disclaimer: messages[ctx.locale].disclaimer,
      generator: g.generator,
      templateVersion: g.templateVersion,
      inputHash: g.inputHash,
      figures: g.figures,
      fallback: g.fallback,
      degraded: [...analysis.degraded, ...degraded],
      usage: g.usage,
      safety: { removed: g.removed },
      experiment: arm,
      createdAt: FieldValue.serverTimestamp(),
    };
    const finish = stageFinish('insight', g.fallback ? 'degraded' : 'done', {
      note: `${g.generator} ${g.templateVersion}${g.fallback ? ` (fallback: ${g.fallback.cause})` : ''}`,
      degraded,
      fields: { insightId: jobId },
    });
    const jobRef = deps.db.doc(paths.job(uid, jobId));
    try {
      // One batch: the insight and its stage's outcome appear together, so the deliver stage (triggered by
      // the insight) can never mark the job complete while the insight stage still reads running. The
      // experiment exposure is counted in it too: once per insight, never again on a redelivery.
      const batch = deps.db
        .batch()
        .create(deps.db.doc(paths.insight(uid, jobId)), doc)
        .update(jobRef, finish);
      if (arm) addExposure(deps.db, batch, arm, uid);
      await batch.commit();
    } catch (e) {
      if ((e as { code?: number }).code !== 6) throw e;
      log.info('insight.exists', {});
      await jobRef.update(finish);
    }
    // The fields ops-metrics turns into log-based metrics: upload→insight latency, LLM calls and tokens.
    const llmCalled = g.usage !== null && !g.usage.cached;
    log.info('insight.finished', {
      generator: g.generator,
      fallback: g.fallback !== null,
      uploadToInsightMs: elapsedMs(job.createdAt, deps.now()),
      llmCalled,
      promptTokens: llmCalled ? g.usage?.promptTokens : undefined,
      outputTokens: llmCalled ? g.usage?.outputTokens : undefined,
    });
    return { kind: 'done', status: g.fallback ? 'degraded' : 'done' };
  } catch (e) {
    return stageFailed(deps.db, { stage: 'insight', uid, jobId, job, log }, e);
  }
}
