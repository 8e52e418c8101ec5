/** The one interface the insight stage talks to; Gemini implements it, tests may script it. */
import type { InsightLocale } from '@clarity/core';

/** The most tokens one answer may have (Gemini's maxOutputTokens): what a call reserves for its output. */
export const maxOutputTokens = 2048;

/**
 * The most one call can cost, reserved before it (platform/llm-limiter.ts): the output cap plus the prompt
 * counted generously (Gemini's tokenizer gives about 4 characters a token for these prompts; 2 is safe).
 */
export function reservedTokens(req: Pick<LlmRequest, 'system' | 'prompt'>): number {
  return Math.ceil((req.system.length + req.prompt.length) / 2) + maxOutputTokens;
}

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
