/**
 * Pipeline triggers, one per stage, each a thin wrapper that parses the event and calls the stage handler:
 *   upload ingested  -> onUploadFinished -> createAnalysisJob (debounced per user)
 *   job created      -> onJobCreated     -> analyze -> enqueue inferTask (or skip: no model)
 *   inferTask        -> infer            -> analysis ready
 *   analysis ready   -> onAnalysisReady  -> insight
 *   insight created  -> onInsightCreated -> deliver
 *   daily schedule   -> scheduledAnalysis -> one job per user per day
 */
import { getFunctions } from 'firebase-admin/functions';
import { onDocumentCreated, onDocumentUpdated, onDocumentWritten } from 'firebase-functions/v2/firestore';
import { onSchedule } from 'firebase-functions/v2/scheduler';
import { onTaskDispatched } from 'firebase-functions/v2/tasks';
import { region, uploadJobDebounceMinutes } from '../platform/config.ts';
import { flagSource } from '../platform/flags.ts';
import { logger } from '../platform/logger.ts';
import { sentrySecrets, withSentry } from '../platform/sentry.ts';
import { adminApp, firestore } from '../platform/services.ts';
import { readSnapshot, uploadConverter } from '../store/converters.ts';
import { collections, triggerDocuments, userCollections } from '../store/paths.ts';
import { analyzeJob } from './analyze.ts';
import { deliverInsight } from './deliver.ts';
import { webhookDeps } from '../delivery/webhook-deps.ts';
import { inferJob } from './infer.ts';
import { insightForAnalysis } from './insight.ts';
import { attachUpload, createAnalysisJob, jobIdFor, uploadJobId } from './jobs.ts';
import { inferDeps, inferenceConfigured, insightDeps } from './stage-deps.ts';

/** Attempts of the infer task queue (the handler degrades on the last one). */
export const inferMaxAttempts = 3;
const inferQueueName = 'inferTask';

async function enqueueInfer(task: { uid: string; jobId: string }): Promise<void> {
  const queue = getFunctions(adminApp()).taskQueue(`locations/${region.value()}/functions/${inferQueueName}`);
  try {
    // Deterministic task id: a redelivered analyze event cannot start the stage twice.
    await queue.enqueue(task, { id: `infer-${task.uid}-${task.jobId}`.replace(/[^A-Za-z0-9_-]/g, '_') });
  } catch (e) {
    if ((e as { code?: string }).code !== 'functions/task-already-exists') throw e;
  }
}

const finishedUpload = (s: string | undefined): boolean => s === 'ingested' || s === 'partial';

export const onUploadFinished = onDocumentUpdated(
  { document: triggerDocuments.upload, region, retry: true, secrets: sentrySecrets },
  withSentry('onUploadFinished', async (event) => {
    const before = readSnapshot(uploadConverter, event.data?.before);
    const after = readSnapshot(uploadConverter, event.data?.after);
    if (!after || finishedUpload(before?.status) || !finishedUpload(after.status)) return;
    if ((after.counts?.accepted ?? 0) === 0) return;
    const { uid, uploadId } = event.params;
    const db = firestore();
    const base = {
      uid,
      window: null,
      requestedBy: uid,
      correlationId: after.correlationId,
      reason: 'upload' as const,
      timezone: after.timezone ?? 'UTC',
      uploadId,
    };
    // Debounce: uploads finishing within one window share a job, unless its analysis has already started.
    // A redelivered event finds its upload already covered by that job (or by its own job) and adds none.
    const eventMs = Date.parse(event.time);
    let { jobId, created } = await createAnalysisJob(db, {
      ...base,
      jobId: uploadJobId(uid, eventMs, uploadJobDebounceMinutes.value()),
    });
    if (!created && (await attachUpload(db, uid, jobId, uploadId)) === 'started') {
      ({ jobId, created } = await createAnalysisJob(db, {
        ...base,
        jobId: jobIdFor(uid, 'upload', uploadId),
      }));
    }
    logger.info('job.from_upload', { uploadId, jobId, created, correlationId: after.correlationId });
  }),
);

export const onJobCreated = onDocumentCreated(
  {
    document: triggerDocuments.job,
    region,
    retry: true,
    memory: '1GiB',
    timeoutSeconds: 300,
    secrets: sentrySecrets,
  },
  withSentry('onJobCreated', async (event) => {
    await analyzeJob(
      { uid: event.params.uid, jobId: event.params.jobId },
      {
        db: firestore(),
        log: logger.child({ fn: 'onJobCreated', eventId: event.id }),
        now: Date.now,
        ...(inferenceConfigured() ? { enqueueInfer } : {}),
      },
    );
  }),
);

export const inferTask = onTaskDispatched<{ uid: string; jobId: string }>(
  {
    region,
    retryConfig: {
      maxAttempts: inferMaxAttempts,
      minBackoffSeconds: 2,
      maxBackoffSeconds: 60,
      maxDoublings: 4,
    },
    rateLimits: { maxConcurrentDispatches: 8, maxDispatchesPerSecond: 20 },
    timeoutSeconds: 120,
    memory: '1GiB',
    secrets: sentrySecrets,
  },
  withSentry('inferTask', async (req) => {
    await inferJob(
      {
        uid: req.data.uid,
        jobId: req.data.jobId,
        // Absent when the request did not come from Cloud Tasks' dispatcher: count it as a first attempt.
        attempt: req.retryCount ?? 0,
        maxAttempts: inferMaxAttempts,
      },
      inferDeps(firestore(), logger.child({ fn: inferQueueName, task: req.id })),
    );
  }),
);

export const onAnalysisReady = onDocumentWritten(
  {
    document: triggerDocuments.analysis,
    region,
    retry: true,
    timeoutSeconds: 120,
    secrets: sentrySecrets,
  },
  withSentry('onAnalysisReady', async (event) => {
    const before: unknown = event.data?.before.get('status');
    const after: unknown = event.data?.after.get('status');
    if (after !== 'ready' || before === 'ready') return;
    await insightForAnalysis(
      { uid: event.params.uid, analysisId: event.params.analysisId },
      insightDeps(firestore(), logger.child({ fn: 'onAnalysisReady', eventId: event.id })),
    );
  }),
);

export const onInsightCreated = onDocumentCreated(
  { document: triggerDocuments.insight, region, retry: true, secrets: sentrySecrets },
  withSentry('onInsightCreated', async (event) => {
    const log = logger.child({ fn: 'onInsightCreated', eventId: event.id });
    await deliverInsight(
      { uid: event.params.uid, insightId: event.params.insightId },
      {
        db: firestore(),
        log,
        now: Date.now,
        flags: flagSource(log, adminApp()),
        webhooks: webhookDeps(firestore(), log),
      },
    );
  }),
);

export const scheduledAnalysis = onSchedule(
  { schedule: 'every day 04:00', timeZone: 'UTC', region, secrets: sentrySecrets },
  withSentry('scheduledAnalysis', async (event) => {
    const db = firestore();
    const day = event.scheduleTime.slice(0, 10);
    let created = 0;
    for (const ref of await db.collection(collections.users).listDocuments()) {
      // Only users with stored data: for the others analyze could only fail (and dead-letter) every day.
      if ((await ref.collection(userCollections.series).limit(1).get()).empty) continue;
      const r = await createAnalysisJob(db, {
        uid: ref.id,
        window: null,
        requestedBy: 'schedule',
        correlationId: `schedule-${day}`,
        reason: 'schedule',
        key: day,
      });
      if (r.created) created++;
    }
    logger.info('job.scheduled', { day, created });
  }),
);
