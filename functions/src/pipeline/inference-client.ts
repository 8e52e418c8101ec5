/**
 * HTTP client of inference-run's POST /v1/embed and /v1/predict. In the cloud every call carries a Google
 * ID token for the service URL (Cloud Run invoker auth); on loopback URLs (emulator, demo) no token is sent.
 * Each call is a CLIENT span whose `traceparent` header inference-run continues (platform/tracing.ts).
 */
import { GoogleAuth } from 'google-auth-library';
import type { z } from 'zod';
import {
  ClarityError,
  embedResponseSchema,
  predictResponseSchema,
  type EmbedResponse,
  type PredictResponse,
} from '@clarity/core';
import { inSpan, SpanKind, traceHeaders } from '../platform/tracing.ts';

export interface InferenceClient {
  embed(values: (number | null)[], id: string): Promise<EmbedResponse>;
  /** The served task heads' outputs; null when the server has no head to serve (409). */
  predict(values: (number | null)[], id: string): Promise<PredictResponse | null>;
}

const isLoopback = (url: string): boolean =>
  /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/.test(url);

export function createInferenceClient(
  baseUrl: string,
  options: { model?: string; timeoutMs?: number } = {},
): InferenceClient {
  const url = baseUrl.replace(/\/+$/, '');
  const auth = isLoopback(url) ? undefined : new GoogleAuth();
  /** POSTs one sequence to `route` in a CLIENT span and parses the answer; null for a status in `nullOn`. */
  const post = <T>(
    route: 'embed' | 'predict',
    body: Record<string, unknown>,
    schema: z.ZodType<T>,
    nullOn: number[] = [],
  ): Promise<T | null> =>
    inSpan(
      `POST /v1/${route}`,
      { kind: SpanKind.CLIENT, attributes: { 'http.request.method': 'POST', 'url.path': `/v1/${route}` } },
      async (span) => {
        const res = await postOnce(route, body, schema, nullOn);
        span.setAttribute('http.response.status_code', res === null ? (nullOn[0] ?? 0) : 200);
        return res;
      },
    );

  async function postOnce<T>(
    route: 'embed' | 'predict',
    body: Record<string, unknown>,
    schema: z.ZodType<T>,
    nullOn: number[] = [],
  ): Promise<T | null> {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...traceHeaders() };
    if (auth) {
      try {
        const client = await auth.getIdTokenClient(url);
        const h = await client.getRequestHeaders(url);
        const authz = h.get('authorization');
        if (authz) headers.authorization = authz;
      } catch (e) {
        // The metadata server (or other credential source) is a dependency like the service itself.
        throw new ClarityError('unavailable', 'no ID token for the inference service', { cause: e });
      }
    }
    // One deadline for the whole exchange, body included.
    const signal = AbortSignal.timeout(options.timeoutMs ?? 30_000);
    const failed = (e: unknown, what: string): ClarityError =>
      (e as { name?: string } | undefined)?.name === 'TimeoutError'
        ? new ClarityError('deadline_exceeded', 'inference service timed out', { cause: e })
        : new ClarityError('unavailable', what, { cause: e });
    let res: Response;
    try {
      res = await fetch(`${url}/v1/${route}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal,
      });
    } catch (e) {
      throw failed(e, 'inference service unreachable');
    }
    if (nullOn.includes(res.status)) {
      await res.body?.cancel().catch(() => undefined);
      return null;
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      const retryable = res.status === 429 || res.status >= 500;
      throw new ClarityError(
        retryable ? 'unavailable' : 'internal',
        `inference service answered ${res.status}`,
        {
          retryable,
        },
      );
    }
    // A connection that dies while the answer is being read (the server crashed mid-response) is as
    // retryable as one that was refused; an answer that arrived whole but is not JSON is not.
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      throw failed(e, 'inference service connection lost while answering');
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ClarityError('internal', 'inference response is not JSON', { retryable: false });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success)
      throw new ClarityError('internal', `inference response does not match the ${route} contract`, {
        retryable: false,
      });
    return parsed.data;
  }
  const model = options.model ? { model: options.model } : {};
  return {
    async embed(values, id) {
      const res = await post('embed', { ...model, sequences: [{ id, values }] }, embedResponseSchema);
      if (!res) throw new ClarityError('internal', 'inference service answered no embedding');
      return res;
    },
    predict(values, id) {
      return post(
        'predict',
        { ...(options.model ? { models: [options.model] } : {}), sequences: [{ id, values }] },
        predictResponseSchema,
        [409],
      );
    },
  };
}
