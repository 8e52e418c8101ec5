/**
 * The body of `npm run replay` (scripts/replay.ts reads the command line and environment and calls this):
 * builds the stage dependencies from plain options and replays one dead letter.
 */
import { getApps, initializeApp } from 'firebase-admin/app';
import { getFirestore } from 'firebase-admin/firestore';
import { createBreaker } from '../platform/circuit-breaker.ts';
import { firestoreTokenBudget, Semaphore } from '../platform/llm-limiter.ts';
import { createLogger } from '../platform/logger.ts';
import { firestoreInsightCache } from '../llm/cache.ts';
import { createGemini } from '../llm/gemini.ts';
import { createInferenceClient } from './inference-client.ts';
import type { StageOutcome } from './analyze.ts';
import { replayDeadLetter } from './replay.ts';

export interface ReplayOptions {
  projectId: string;
  inferenceUrl: string;
  inferenceModel: string;
  vertexProject: string;
  vertexLocation: string;
  geminiModel: string;
  vertexBaseUrl: string;
  dailyTokens: number;
}

export async function runReplay(id: string, o: ReplayOptions): Promise<StageOutcome> {
  const app = getApps()[0] ?? initializeApp({ projectId: o.projectId });
  const db = getFirestore(app);
  db.settings({ ignoreUndefinedProperties: true });
  const log = createLogger({ service: 'clarity-replay' });
  return replayDeadLetter(id, {
    db,
    log,
    analyze: () => ({ db, log, now: Date.now }),
    infer: () => {
      if (!o.inferenceUrl)
        throw new Error('INFERENCE_URL is not set: no model to replay the infer stage against');
      return {
        db,
        log,
        now: Date.now,
        client: createInferenceClient(o.inferenceUrl, o.inferenceModel ? { model: o.inferenceModel } : {}),
        breaker: createBreaker('inference-run', { timeoutMs: 35_000 }),
      };
    },
    insight: () => ({
      db,
      log,
      now: Date.now,
      llm: o.vertexProject
        ? createGemini({
            project: o.vertexProject,
            location: o.vertexLocation,
            model: o.geminiModel,
            timeoutMs: 20_000,
            ...(o.vertexBaseUrl ? { baseUrl: o.vertexBaseUrl } : {}),
          })
        : null,
      breaker: createBreaker('gemini', { timeoutMs: 21_000 }),
      limiter: new Semaphore(1),
      budget: firestoreTokenBudget(db, o.dailyTokens),
      cache: firestoreInsightCache(db, Date.now),
    }),
  });
}
