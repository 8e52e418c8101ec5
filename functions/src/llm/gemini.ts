/**
 * Gemini on Vertex AI through @google/genai (vertexai mode). Model id, project and location are params.
 * VERTEX_BASE_URL (tests and local stand-ins only) points the SDK at another endpoint; then a fixed local
 * access token is sent instead of Application Default Credentials, which would need the network.
 * The SDK's own retries are off: the insight stage owns retries, the circuit breaker and the fallback.
 */
import { GoogleGenAI, type GenerateContentResponse } from '@google/genai';
import { OAuth2Client } from 'google-auth-library';
import { ClarityError } from '@clarity/core';
import { maxOutputTokens, type InsightLlm, type LlmRequest, type LlmResponse } from './adapter.ts';

export interface GeminiOptions {
  project: string;
  location: string;
  model: string;
  timeoutMs: number;
  baseUrl?: string;
}

function localAuthClient(): OAuth2Client {
  const c = new OAuth2Client();
  c.setCredentials({ access_token: 'local-standin-token', expiry_date: Date.now() + 365 * 86_400_000 });
  return c;
}

function statusOf(e: unknown): number | undefined {
  const s = (e as { status?: unknown } | undefined)?.status;
  return typeof s === 'number' ? s : undefined;
}

export function createGemini(options: GeminiOptions): InsightLlm {
  const ai = new GoogleGenAI({
    vertexai: true,
    project: options.project,
    location: options.location,
    httpOptions: {
      timeout: options.timeoutMs,
      ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
    },
    ...(options.baseUrl ? { googleAuthOptions: { authClient: localAuthClient() } } : {}),
  });
  return {
    model: options.model,
    async generate(req: LlmRequest): Promise<LlmResponse> {
      let res: GenerateContentResponse;
      try {
        res = await ai.models.generateContent({
          model: options.model,
          contents: [{ role: 'user', parts: [{ text: req.prompt }] }],
          config: {
            systemInstruction: req.system,
            responseMimeType: 'application/json',
            responseJsonSchema: req.responseJsonSchema,
            temperature: 0.2,
            maxOutputTokens,
          },
        });
      } catch (e) {
        const status = statusOf(e);
        if (status === 429) throw new ClarityError('rate_limited', 'LLM quota exceeded (429)', { cause: e });
        if (status !== undefined && status >= 500)
          throw new ClarityError('unavailable', `LLM unavailable (${status})`, { cause: e });
        if (status !== undefined)
          throw new ClarityError('internal', `LLM refused the request (${status})`, {
            cause: e,
            retryable: false,
          });
        if (
          (e as { name?: string }).name === 'AbortError' ||
          /timeout|aborted/i.test(String((e as Error).message))
        )
          throw new ClarityError('deadline_exceeded', 'LLM timed out', { cause: e });
        throw new ClarityError('unavailable', 'LLM call failed', { cause: e });
      }
      const blocked = res.promptFeedback?.blockReason;
      const finish: string | undefined = res.candidates?.[0]?.finishReason;
      const blockedFinish = new Set(['SAFETY', 'PROHIBITED_CONTENT', 'BLOCKLIST', 'SPII']);
      if (blocked || (finish !== undefined && blockedFinish.has(finish))) {
        throw new ClarityError('internal', `LLM answer blocked (${String(blocked ?? finish)})`, {
          retryable: false,
        });
      }
      const text = res.text;
      if (!text) throw new ClarityError('internal', 'LLM returned no text', { retryable: false });
      return {
        text,
        usage: {
          promptTokens: res.usageMetadata?.promptTokenCount ?? 0,
          outputTokens: res.usageMetadata?.candidatesTokenCount ?? 0,
        },
        modelVersion: res.modelVersion ?? null,
      };
    },
  };
}
