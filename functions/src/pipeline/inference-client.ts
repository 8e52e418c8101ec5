/**
 * HTTP client of inference-run's POST /v1/embed. In the cloud every call carries a Google ID token for the
 * service URL (Cloud Run invoker auth); on loopback URLs (emulator, demo) no token is sent.
 */
import { GoogleAuth } from 'google-auth-library';
import { ClarityError, embedResponseSchema, type EmbedResponse } from '@clarity/core';

export interface InferenceClient {
  embed(values: (number | null)[], id: string): Promise<EmbedResponse>;
}

const isLoopback = (url: string): boolean =>
  /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/.test(url);

export function createInferenceClient(
  baseUrl: string,
  options: { model?: string; timeoutMs?: number } = {},
): InferenceClient {
  const url = baseUrl.replace(/\/+$/, '');
  const auth = isLoopback(url) ? undefined : new GoogleAuth();
  return {
    async embed(values, id) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (auth) {
        const client = await auth.getIdTokenClient(url);
        const h = await client.getRequestHeaders(url);
        const authz = h.get('authorization');
        if (authz) headers.authorization = authz;
      }
      let res: Response;
      try {
        res = await fetch(`${url}/v1/embed`, {
          method: 'POST',
          headers,
          body: JSON.stringify({
            ...(options.model ? { model: options.model } : {}),
            sequences: [{ id, values }],
          }),
          signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
        });
      } catch (e) {
        throw new ClarityError('unavailable', 'inference service unreachable', { cause: e });
      }
      if (!res.ok) {
        const retryable = res.status === 429 || res.status >= 500;
        throw new ClarityError(
          retryable ? 'unavailable' : 'internal',
          `inference service answered ${res.status}`,
          {
            retryable,
          },
        );
      }
      const parsed = embedResponseSchema.safeParse(await res.json());
      if (!parsed.success)
        throw new ClarityError('internal', 'inference response does not match the embed contract', {
          retryable: false,
        });
      return parsed.data;
    },
  };
}
