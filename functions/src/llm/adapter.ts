/** The one interface the insight stage talks to; Gemini implements it, tests may script it. */
import type { InsightLocale } from '@clarity/core';

export interface LlmRequest {
  system: string;
  prompt: string;
  responseJsonSchema: Record<string, unknown>;
  locale: InsightLocale;
}

export interface LlmResponse {
  /** Raw text of the answer (JSON expected; the caller validates it). */
  text: string;
  usage: { promptTokens: number; outputTokens: number };
  modelVersion: string | null;
}

export interface InsightLlm {
  /** Model id recorded on the insight as its generator. */
  readonly model: string;
  generate(req: LlmRequest): Promise<LlmResponse>;
}
