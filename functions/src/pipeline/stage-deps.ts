/** Dependencies of the stage handlers built from config, for the triggers and the replay command. */
import type { Firestore } from 'firebase-admin/firestore';
import { breakerFor } from '../platform/circuit-breaker.ts';
import {
  geminiModel,
  inferenceModel,
  inferenceTimeoutMs,
  inferenceUrl,
  llmDailyTokensPerUser,
  llmMaxConcurrency,
  llmTimeoutMs,
  vertexBaseUrl,
  vertexLocation,
  vertexProject,
} from '../platform/config.ts';
import { flagSource } from '../platform/flags.ts';
import { firestoreTokenBudget, Semaphore } from '../platform/llm-limiter.ts';
import { adminApp } from '../platform/services.ts';
import type { Logger } from '../platform/logger.ts';
import { firestoreInsightCache } from '../llm/cache.ts';
import { createGemini } from '../llm/gemini.ts';
import type { InsightLlm } from '../llm/adapter.ts';
import { createInferenceClient } from './inference-client.ts';
import type { InferDeps } from './infer.ts';
import type { InsightDeps } from './insight.ts';

let limiter: Semaphore | undefined;
let llm: InsightLlm | null | undefined;

export function insightDeps(db: Firestore, log: Logger): InsightDeps {
  limiter ??= new Semaphore(llmMaxConcurrency.value());
  if (llm === undefined) {
    llm = vertexProject.value()
      ? createGemini({
          project: vertexProject.value(),
          location: vertexLocation.value(),
          model: geminiModel.value(),
          timeoutMs: llmTimeoutMs.value(),
          ...(vertexBaseUrl.value() ? { baseUrl: vertexBaseUrl.value() } : {}),
        })
      : null;
  }
  return {
    db,
    log,
    now: Date.now,
    llm,
    breaker: breakerFor('gemini', { timeoutMs: llmTimeoutMs.value() + 1_000 }),
    limiter,
    budget: firestoreTokenBudget(db, llmDailyTokensPerUser.value()),
    cache: firestoreInsightCache(db, Date.now),
    flags: flagSource(log, adminApp()),
  };
}

export function inferenceConfigured(): boolean {
  return inferenceUrl.value() !== '';
}

export function inferDeps(db: Firestore, log: Logger): InferDeps {
  return {
    db,
    log,
    now: Date.now,
    client: createInferenceClient(inferenceUrl.value(), {
      timeoutMs: inferenceTimeoutMs.value(),
      ...(inferenceModel.value() ? { model: inferenceModel.value() } : {}),
    }),
    // The client's own timeout answers first; the breaker's is the backstop.
    breaker: breakerFor('inference-run', { timeoutMs: inferenceTimeoutMs.value() + 5_000 }),
  };
}
