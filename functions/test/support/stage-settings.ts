/**
 * Stage settings for tests that build the stage dependencies (pipeline/deps.ts `stageDeps`) without the
 * params: no model or LLM configured, short timeouts, the default debounce, time budget and import limits.
 * `over` sets what a test is about.
 */
import type { StageSettings } from '../../src/pipeline/deps.ts';

export function testStageSettings(over: Partial<StageSettings> = {}): StageSettings {
  return {
    inferenceUrl: '',
    inferenceModel: '',
    inferenceTimeoutMs: 1000,
    inferenceHeads: [],
    vertexProject: '',
    vertexLocation: '',
    geminiModel: '',
    vertexBaseUrl: '',
    llmTimeoutMs: 1000,
    llmMaxConcurrency: 1,
    llmDailyTokensPerUser: 1,
    llmDailyTokensProject: 1,
    uploadJobDebounceMinutes: 10,
    ingestTimeBudgetSeconds: 480,
    importLimits: '',
    ...over,
  };
}
