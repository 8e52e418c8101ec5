/**
 * The HTTP surface of the model server (node:http): createApp admits each request, dispatches it on the
 * route table (routes.ts, one handler per endpoint), and answers errors in the project's one shape:
 * {error: {code, message, details?, requestId}}. HTTP helpers are in http.ts.
 */
import type http from 'node:http';
import { ClarityError, errorBody, isClarityError } from '@clarity/core';
import type { ModelRegistry } from '../models/registry.ts';
import type { TokenVerifier } from './auth.ts';
import { HttpError, requestIdOf, send } from './http.ts';
import type { Logger } from './logger.ts';
import type { ServerMetrics } from './metrics.ts';
import type { ServerTracing } from './tracing.ts';
import { routes, type Reply, type RouteContext } from './routes.ts';

export interface ServerConfig {
  maxBodyBytes: number;
  requestTimeoutMs: number;
  retryAfterSeconds: number;
  /** Serve heads not marked validated (labelled as research output, never clinical). Off by default. */
  allowUnvalidatedHeads: boolean;
}

export const defaultServerConfig: ServerConfig = {
  maxBodyBytes: 8 * 1024 * 1024,
  requestTimeoutMs: 30_000,
  retryAfterSeconds: 1,
  allowUnvalidatedHeads: false,
};

export interface ServerState {
  phase: 'loading' | 'ready' | 'draining' | 'failed';
  reason?: string;
  inFlight: number;
  /** Model requests received but not yet handed to a batcher (bodies being read, parsed, validated). */
  arriving: number;
}

export interface AppDeps {
  registry: ModelRegistry;
  metrics: ServerMetrics;
  logger: Logger;
  config: ServerConfig;
  verifier?: TokenVerifier;
  /** SERVER spans for /v1/ requests (tracing.ts); absent: no spans. */
  tracing?: ServerTracing;
}

const knownRoutes = new Set(routes.map((r) => r.path));
/** The methods a path answers (empty: no such path). */
const allowedOn = (path: string): string[] => routes.filter((r) => r.path === path).map((r) => r.method);

/** A request under /v1/ needs a valid token (when auth is on) and a ready server. */
async function admit(deps: AppDeps, state: ServerState, req: http.IncomingMessage): Promise<void> {
  if (deps.verifier) await deps.verifier(req.headers.authorization);
  if (state.phase !== 'ready')
    throw new ClarityError(
      'unavailable',
      state.phase === 'draining' ? 'server is shutting down' : 'models are not ready',
    );
}

export function createApp(deps: AppDeps, state: ServerState): http.RequestListener {
  const { metrics, logger, config } = deps;
  return (req, res) => {
    const route = new URL(req.url ?? '/', 'http://local').pathname;
    if (!deps.tracing || !route.startsWith('/v1/')) return serve(req, res, route);
    const tracing = deps.tracing;
    tracing.serverSpan(req, knownRoutes.has(route) ? route : 'other', (span) =>
      // The span ends, and is exported, before the response is written.
      serve(req, res, route, (status) => tracing.finish(span, status)),
    );
  };

  function serve(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    route: string,
    beforeSend: (status: number) => Promise<void> = () => Promise.resolve(),
  ): void {
    const started = performance.now();
    const requestId = requestIdOf(req);
    state.inFlight++;
    const finish = (status: number): void => {
      state.inFlight--;
      const known = knownRoutes.has(route) ? route : 'other';
      metrics.requestSeconds.observe(
        { route: known, status: String(status) },
        (performance.now() - started) / 1000,
      );
      if (known.startsWith('/v1/'))
        logger[status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info']('request', {
          requestId,
          httpRequest: {
            requestMethod: req.method,
            requestUrl: route,
            status,
            latency: `${((performance.now() - started) / 1000).toFixed(4)}s`,
          },
        });
    };
    const drainHeaders = (): Record<string, string> =>
      state.phase === 'draining' ? { connection: 'close' } : {};

    const handle = async (): Promise<Reply> => {
      if (route.startsWith('/v1/')) await admit(deps, state, req);
      // The metrics include input statistics (drift): callers only, like the model routes.
      else if (route === '/metrics' && deps.verifier) await deps.verifier(req.headers.authorization);
      const match = routes.find((r) => r.path === route && r.method === req.method);
      // A known path with another method is 405 with Allow (RFC 9110 15.5.6), as in the functions' API.
      if (!match && allowedOn(route).length > 0)
        throw new ClarityError('method_not_allowed', `${req.method ?? ''} is not allowed on ${route}`);
      if (!match) throw new ClarityError('not_found', `no route ${req.method ?? ''} ${route}`);
      const ctx: RouteContext = { deps, state, req, requestId, started };
      return match.handle(ctx);
    };

    handle().then(
      async ([status, body, headers]) => {
        await beforeSend(status);
        send(res, status, body, { 'x-request-id': requestId, ...drainHeaders(), ...headers });
        finish(status);
      },
      async (e: unknown) => {
        const err = isClarityError(e) ? e : new ClarityError('internal', 'internal error');
        if (!isClarityError(e))
          logger.error('unhandled_error', {
            requestId,
            error: e instanceof Error ? e.message : String(e),
          });
        const status = err.httpStatus;
        const headers: Record<string, string> = { 'x-request-id': requestId, ...drainHeaders() };
        if (status === 503) headers['retry-after'] = String(config.retryAfterSeconds);
        if (status === 405) headers.allow = allowedOn(route).join(', ');
        // A body we stopped reading cannot be left on a keep-alive connection.
        if (e instanceof HttpError) headers.connection = 'close';
        metrics.errors.inc({ route: route.startsWith('/v1/') ? route : 'other', code: err.code });
        await beforeSend(status);
        send(res, status, errorBody(err, requestId).body, headers);
        finish(status);
      },
    );
  }
}
