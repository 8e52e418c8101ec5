/**
 * Dependency checks for the admin view of GET /v1/system/health (Firestore, inference, LLM
 * config). Each check is bounded by a timeout and never throws; Firestore is checked by the route itself.
 */
import { GoogleAuth } from 'google-auth-library';

export interface DependencyStatus {
  status: 'ok' | 'down' | 'not_configured';
  latencyMs?: number;
  /** Short, non-secret description (model id, which generator is used); never URLs with credentials. */
  detail?: string;
}

export type DependencyCheck = () => Promise<DependencyStatus>;

const isLoopback = (url: string): boolean =>
  /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/.test(url);

/**
 * inference-run's GET /readyz (models verified and warmed). In the cloud the call carries an ID token for
 * the service (Cloud Run invoker auth), as the pipeline's client does; on loopback no token is sent.
 */
export function inferenceReadiness(
  baseUrl: string,
  timeoutMs = 2000,
  now: () => number = Date.now,
): DependencyCheck {
  const url = baseUrl.replace(/\/+$/, '');
  if (!url) return () => Promise.resolve({ status: 'not_configured', detail: 'analytics-only results' });
  const auth = isLoopback(url) ? undefined : new GoogleAuth();
  return async () => {
    const started = now();
    try {
      const headers: Record<string, string> = {};
      if (auth) {
        const h = await (await auth.getIdTokenClient(url)).getRequestHeaders(url);
        const authz = h.get('authorization');
        if (authz) headers.authorization = authz;
      }
      const res = await fetch(`${url}/readyz`, { headers, signal: AbortSignal.timeout(timeoutMs) });
      await res.body?.cancel();
      return {
        status: res.ok ? 'ok' : 'down',
        latencyMs: now() - started,
        ...(res.ok ? {} : { detail: `HTTP ${res.status}` }),
      };
    } catch {
      return { status: 'down', latencyMs: now() - started, detail: 'unreachable' };
    }
  };
}

/** The LLM is only described (calling Gemini from a health check would cost tokens and quota). */
export function llmConfiguration(vertexProject: string, model: string): DependencyCheck {
  return () =>
    Promise.resolve(
      vertexProject
        ? { status: 'ok', detail: `gemini ${model} on Vertex AI (configuration only, not called)` }
        : { status: 'not_configured', detail: 'rule-based insight generator' },
    );
}
