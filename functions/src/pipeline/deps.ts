/**
 * The handlers' dependencies, built in one place: the triggers call `triggerDeps(log)` (settings from the
 * functions' params, process-wide clients), the replay command calls `stageDeps` with its own base and
 * overrides of the same settings. Every handler takes `(input, deps)`; tests build deps by hand.
 */
import type { Firestore } from 'firebase-admin/firestore';
import { getAuth } from 'firebase-admin/auth';
import { importLimits, parseLimitOverrides } from '@clarity/core';
import { getFunctions } from 'firebase-admin/functions';
import { breakerFor, createBreaker, type Breaker, type BreakerOptions } from '../platform/circuit-breaker.ts';
import * as config from '../platform/config.ts';
import { flagSource, type FlagSource } from '../platform/flags.ts';
import { firestoreTokenBudget, Semaphore } from '../platform/llm-limiter.ts';
import type { Logger } from '../platform/logger.ts';
import { adminApp, blobStore, firestore } from '../platform/services.ts';
import { firestoreInsightCache } from '../llm/cache.ts';
import { createGemini } from '../llm/gemini.ts';
import type { InsightLlm } from '../llm/adapter.ts';
import type { AccountDeletionDeps } from './account-deletion.ts';
import type { AnalyzeDeps } from './analyze.ts';
import type { DeliverDeps } from './deliver.ts';
import type { InferDeps } from './infer.ts';
import { createInferenceClient } from './inference-client.ts';
import { inferQueueName, taskQueueEnqueuer } from './infer-queue.ts';
import { continuationEnqueuer, ingestContinuationQueueName } from './ingest-continuation.ts';
import type { FileIngestDeps } from './ingest-file.ts';
import type { IngestDeps } from './ingest.ts';
import type { InsightDeps } from './insight.ts';
import { firestoreJobStore, type UploadFinishedDeps } from './upload-finished.ts';
import {
  firestoreHasData,
  firestoreUserList,
  scheduleTaskId,
  scheduleUserQueueName,
  type ScheduleDeps,
  type ScheduleUserDeps,
} from './schedule.ts';
import { idempotentEnqueuer } from './task-queues.ts';
import type { BlobStore } from '../store/blob-store.ts';
import { webhookDeps } from '../delivery/webhook-deps.ts';
import { channelDeps } from '../delivery/channel-deps.ts';
import type { ChannelDeps } from '../delivery/channels.ts';
import type { WebhookDeps } from '../delivery/webhooks.ts';

/** The settings the handlers' dependencies are built from (the functions' params of the same names). */
export interface StageSettings {
  inferenceUrl: string;
  inferenceModel: string;
  inferenceTimeoutMs: number;
  /** Task heads to ask /v1/predict for (empty: no predict call). */
  inferenceHeads: string[];
  vertexProject: string;
  vertexLocation: string;
  geminiModel: string;
  vertexBaseUrl: string;
  llmTimeoutMs: number;
  llmMaxConcurrency: number;
  llmDailyTokensPerUser: number;
  llmDailyTokensProject: number;
  uploadJobDebounceMinutes: number;
  ingestTimeBudgetSeconds: number;
  /** IMPORT_LIMITS: NAME=VALUE overrides of the importers' limits ('' = the defaults). */
  importLimits: string;
}

/** The settings from the params (in the runtime) or the same names in the environment (the replay command). */
export function settingsFromConfig(): StageSettings {
  return {
    inferenceUrl: config.paramValue(config.inferenceUrl),
    inferenceModel: config.paramValue(config.inferenceModel),
    inferenceTimeoutMs: config.paramValue(config.inferenceTimeoutMs),
    inferenceHeads: config
      .paramValue(config.inferenceHeads)
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== ''),
    vertexProject: config.paramValue(config.vertexProject),
    vertexLocation: config.paramValue(config.vertexLocation),
    geminiModel: config.paramValue(config.geminiModel),
    vertexBaseUrl: config.paramValue(config.vertexBaseUrl),
    llmTimeoutMs: config.paramValue(config.llmTimeoutMs),
    llmMaxConcurrency: config.paramValue(config.llmMaxConcurrency),
    llmDailyTokensPerUser: config.paramValue(config.llmDailyTokensPerUser),
    llmDailyTokensProject: config.paramValue(config.llmDailyTokensProject),
    uploadJobDebounceMinutes: config.paramValue(config.uploadJobDebounceMinutes),
    ingestTimeBudgetSeconds: config.paramValue(config.ingestTimeBudgetSeconds),
    importLimits: config.paramValue(config.importLimitOverrides),
  };
}

export interface DepsBase {
  db: Firestore;
  blobs: () => BlobStore;
  log: Logger;
  now: () => number;
  /** Starts the infer stage (Cloud Tasks in the runtime); only used when a model is configured. */
  enqueueInfer?: AnalyzeDeps['enqueueInfer'];
  /** One user's daily analysis task (Cloud Tasks in the runtime). */
  enqueueScheduledUser?: ScheduleDeps['enqueue'];
  /** Continues a long file import in a new invocation (Cloud Tasks in the runtime). */
  continueIngest?: FileIngestDeps['continueIngest'];
  /** Webhook delivery for the deliver stage (Cloud Tasks in the runtime); absent: webhooks not configured. */
  webhooks?: (db: Firestore, log: Logger) => WebhookDeps;
  /** Push and email queues for the deliver stage (Cloud Tasks in the runtime); absent: not recorded. */
  channels?: () => ChannelDeps;
  /** Feature flags per user (insight and deliver); absent: the in-code defaults. */
  flags?: FlagSource;
  /** Breakers and the LLM limiter: process-wide in the runtime, fresh for the replay command. */
  breaker?: (name: string, options: BreakerOptions) => Breaker;
  shared?: { limiter?: Semaphore; llm?: InsightLlm | null };
  /** Whether a user's email is verified (LLM insights need it); default: Firebase Auth. */
  emailVerified?: (uid: string) => Promise<boolean>;
}

/** Firebase Auth's `emailVerified` of the user; a user that no longer exists is not verified. */
function authEmailVerified(uid: string): Promise<boolean> {
  return getAuth(adminApp())
    .getUser(uid)
    .then(
      (u) => u.emailVerified,
      (e: unknown) => {
        if ((e as { code?: string }).code === 'auth/user-not-found') return false;
        throw e;
      },
    );
}

export interface StageDeps {
  /** The invocation's logger (function name and event id). */
  log: Logger;
  ingest: () => IngestDeps;
  fileIngest: () => FileIngestDeps;
  uploadFinished: () => UploadFinishedDeps;
  analyze: () => AnalyzeDeps;
  infer: () => InferDeps;
  insight: () => InsightDeps;
  deliver: () => DeliverDeps;
  schedule: () => ScheduleDeps;
  scheduleUser: () => ScheduleUserDeps;
  account: () => AccountDeletionDeps;
}

export function stageDeps(base: DepsBase, s: StageSettings): StageDeps {
  const { db, log, now } = base;
  const breaker = base.breaker ?? createBreaker;
  const shared = base.shared ?? {};
  const flags = base.flags ? { flags: base.flags } : {};
  return {
    log,
    ingest: () => ({ db, blobs: base.blobs(), log, now }),
    fileIngest: () => ({
      db,
      blobs: base.blobs(),
      log,
      now,
      limits: importLimits(parseLimitOverrides(s.importLimits)),
      ...(base.continueIngest
        ? { continueIngest: base.continueIngest, timeBudgetMs: s.ingestTimeBudgetSeconds * 1000 }
        : {}),
    }),
    uploadFinished: () => ({ jobs: firestoreJobStore(db), log, debounceMinutes: s.uploadJobDebounceMinutes }),
    analyze: () => ({
      db,
      log,
      now,
      ...(s.inferenceUrl !== '' && base.enqueueInfer ? { enqueueInfer: base.enqueueInfer } : {}),
    }),
    infer: () => ({
      db,
      log,
      now,
      client: createInferenceClient(s.inferenceUrl, {
        timeoutMs: s.inferenceTimeoutMs,
        ...(s.inferenceModel ? { model: s.inferenceModel } : {}),
      }),
      // The client's own timeout answers first; the breaker's is the backstop.
      breaker: breaker('inference-run', { timeoutMs: s.inferenceTimeoutMs + 5_000 }),
      heads: s.inferenceHeads,
    }),
    insight: () => {
      shared.limiter ??= new Semaphore(s.llmMaxConcurrency);
      if (shared.llm === undefined) {
        shared.llm = s.vertexProject
          ? createGemini({
              project: s.vertexProject,
              location: s.vertexLocation,
              model: s.geminiModel,
              timeoutMs: s.llmTimeoutMs,
              ...(s.vertexBaseUrl ? { baseUrl: s.vertexBaseUrl } : {}),
            })
          : null;
      }
      return {
        db,
        log,
        now,
        llm: shared.llm,
        breaker: breaker('gemini', { timeoutMs: s.llmTimeoutMs + 1_000 }),
        limiter: shared.limiter,
        budget: firestoreTokenBudget(db, s.llmDailyTokensPerUser, s.llmDailyTokensProject),
        cache: firestoreInsightCache(db, now),
        emailVerified: base.emailVerified ?? authEmailVerified,
        ...flags,
      };
    },
    deliver: () => ({
      db,
      log,
      now,
      ...flags,
      ...(base.webhooks ? { webhooks: base.webhooks(db, log) } : {}),
      ...(base.channels ? { channels: base.channels() } : {}),
    }),
    schedule: () => ({
      users: firestoreUserList(db),
      enqueue:
        base.enqueueScheduledUser ??
        (() => Promise.reject(new Error('no task queue for the scheduled fan-out'))),
      log,
    }),
    scheduleUser: () => ({ hasData: firestoreHasData(db), jobs: firestoreJobStore(db), log }),
    account: () => ({ db, blobs: base.blobs(), log }),
  };
}

/** Process-wide, as the runtime keeps them between invocations. */
const runtimeShared: NonNullable<DepsBase['shared']> = {};

/** What a trigger's handler gets: Firestore, Storage and Cloud Tasks of the runtime, settings from params. */
export function triggerDeps(log: Logger): StageDeps {
  const settings = settingsFromConfig();
  return stageDeps(
    {
      db: firestore(),
      blobs: blobStore,
      log,
      now: Date.now,
      enqueueInfer: taskQueueEnqueuer(() =>
        getFunctions(adminApp()).taskQueue(`locations/${config.region.value()}/functions/${inferQueueName}`),
      ),
      continueIngest: continuationEnqueuer(() =>
        getFunctions(adminApp()).taskQueue(
          `locations/${config.region.value()}/functions/${ingestContinuationQueueName}`,
        ),
      ),
      enqueueScheduledUser: idempotentEnqueuer(
        () =>
          getFunctions(adminApp()).taskQueue(
            `locations/${config.region.value()}/functions/${scheduleUserQueueName}`,
          ),
        scheduleTaskId,
      ),
      webhooks: (db, log) => webhookDeps(db, log),
      channels: channelDeps,
      // Resolved on first use: only the insight and deliver stages read flags.
      flags: (uid) => flagSource(log, adminApp())(uid),
      breaker: breakerFor,
      shared: runtimeShared,
    },
    settings,
  );
}
