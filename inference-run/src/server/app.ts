/**
 * The HTTP surface of the model server (node:http):
 *   POST /v1/embed     PAT embeddings (and optionally tokens) for 1..64 sequences of 10 080 minutes
 *   POST /v1/predict   task heads, only when a head is configured: per-head probability, confidence and the
 *                      ensemble mean/spread across the loaded model sizes
 *   GET  /v1/models    what is loaded (name, version, sha256, trained, heads, licence)
 *   GET  /healthz      process is up;  GET /readyz  models verified and warmed (states the execution provider)
 *   GET  /metrics      Prometheus text
 * Errors use the project's one shape: {error: {code, message, details?, requestId}}.
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import ort from 'onnxruntime-node';
import {
  ClarityError,
  embedRequestShallowSchema,
  errorBody,
  fieldIssues,
  isClarityError,
  normaliseInto,
  PAT_EMBED_DIM,
  PAT_SEQUENCE_MINUTES,
  predictRequestShallowSchema,
  sequenceIssues,
  type EmbedResponse,
  type FieldIssue,
  type PredictResponse,
} from '@clarity/core';
import type { EmbedOutput, LoadedHead, LoadedModel, ModelRegistry } from '../models/registry.ts';
import type { TokenVerifier } from './auth.ts';
import type { Logger } from './logger.ts';
import type { ServerMetrics } from './metrics.ts';

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
}

const UNTRAINED_NOTICE = 'Untrained stand-in model: output is meaningless and for testing only.';
const EMBED_NOTICE = 'PAT embedding (representation of movement data), not a clinical prediction.';

class HttpError extends ClarityError {}

async function readJson(req: http.IncomingMessage, limit: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit)
    throw new HttpError('payload_too_large', `body is ${declared} bytes; the limit is ${limit}`);
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type))
    throw new HttpError('unsupported_media_type', 'content-type must be application/json');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError('payload_too_large', `body exceeds the limit of ${limit} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new ClarityError(
      'parse_error',
      'body is not valid JSON (NaN and Infinity are not JSON; send null for a missing minute)',
    );
  }
}

function modelRef(m: LoadedModel) {
  return {
    name: m.manifest.name,
    version: m.manifest.version,
    sha256: m.manifest.sha256,
    trained: m.manifest.trained,
  };
}

function validateSequences(model: LoadedModel, sequences: { values: (number | null)[] }[]): void {
  const details: FieldIssue[] = [];
  sequences.forEach((s, i) =>
    details.push(...sequenceIssues(s.values, model.manifest.input, ['sequences', i, 'values'])),
  );
  if (details.length > 0)
    throw new ClarityError('invalid_input', `invalid sequence values: ${details[0]?.message ?? ''}`, {
      details: details.slice(0, 10),
    });
}

function withTimeout<T>(p: Promise<T>, deadline: number): Promise<T> {
  const ms = deadline - performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new ClarityError('deadline_exceeded', 'inference did not finish within the request timeout')),
      Math.max(0, ms),
    );
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Runs sequences through a model's batcher; returns one output per sequence. */
async function encode(
  deps: AppDeps,
  model: LoadedModel,
  sequences: { values: (number | null)[] }[],
  wantTokens: boolean,
  deadline: number,
  route: string,
  arrived: () => void,
): Promise<{ outputs: EmbedOutput[]; missing: number[] }> {
  const missing: number[] = [];
  const items = sequences.map((s) => {
    const input = new Float32Array(PAT_SEQUENCE_MINUTES);
    missing.push(normaliseInto(s.values, model.manifest.normalisation, input) / PAT_SEQUENCE_MINUTES);
    return { input, wantTokens };
  });
  let promises: Promise<EmbedOutput>[];
  arrived();
  try {
    promises = model.batcher.submitAll(items, deadline);
  } catch (e) {
    if (isClarityError(e) && e.code === 'unavailable') deps.metrics.rejected.inc({ model: model.key });
    throw e;
  }
  for (const s of sequences) model.drift.observe(s.values);
  const outputs = await withTimeout(Promise.all(promises), deadline);
  deps.metrics.sequences.inc({ model: model.key, route }, sequences.length);
  return { outputs, missing };
}

function servableHeads(model: LoadedModel, config: ServerConfig): LoadedHead[] {
  return model.heads.filter((h) => h.head.validated || config.allowUnvalidatedHeads);
}

async function embed(
  deps: AppDeps,
  body: unknown,
  requestId: string,
  deadline: number,
  arrived: () => void,
): Promise<EmbedResponse> {
  const parsed = embedRequestShallowSchema.safeParse(body);
  if (!parsed.success)
    throw new ClarityError('invalid_input', 'request body does not match the embed contract', {
      details: fieldIssues(parsed.error.issues.slice(0, 10)),
    });
  const model = deps.registry.resolve(parsed.data.model);
  validateSequences(model, parsed.data.sequences);
  const { outputs, missing } = await encode(
    deps,
    model,
    parsed.data.sequences,
    parsed.data.includeTokens,
    deadline,
    'embed',
    arrived,
  );
  const tokens =
    model.manifest.architecture.patchSize > 0
      ? PAT_SEQUENCE_MINUTES / model.manifest.architecture.patchSize
      : 0;
  return {
    model: modelRef(model),
    results: outputs.map((o, i) => ({
      id: parsed.data.sequences[i]?.id,
      embedding: Array.from(o.embedding),
      tokens: o.tokens
        ? Array.from({ length: tokens }, (_, t) =>
            Array.from(o.tokens!.subarray(t * PAT_EMBED_DIM, (t + 1) * PAT_EMBED_DIM)),
          )
        : undefined,
      missingFraction: missing[i] ?? 0,
    })),
    notice: model.manifest.trained ? EMBED_NOTICE : UNTRAINED_NOTICE,
    requestId,
  };
}

function calibrate(logit: number, head: LoadedHead['head']): number {
  const z = head.calibration.method === 'platt' ? head.calibration.a * logit + head.calibration.b : logit;
  return 1 / (1 + Math.exp(-z));
}

async function predict(
  deps: AppDeps,
  body: unknown,
  requestId: string,
  deadline: number,
  arrived: () => void,
): Promise<PredictResponse> {
  const parsed = predictRequestShallowSchema.safeParse(body);
  if (!parsed.success)
    throw new ClarityError('invalid_input', 'request body does not match the predict contract', {
      details: fieldIssues(parsed.error.issues.slice(0, 10)),
    });
  const candidates = parsed.data.models
    ? parsed.data.models.map((r) => deps.registry.resolve(r))
    : deps.registry.list();
  const models = candidates.filter((m) => servableHeads(m, deps.config).length > 0);
  if (models.length === 0) {
    throw new ClarityError(
      'conflict',
      'no validated prediction head is configured for the selected models; PAT embeddings are available from /v1/embed',
    );
  }
  for (const m of models) validateSequences(m, parsed.data.sequences);
  const n = parsed.data.sequences.length;
  // task -> per sequence -> per model probability
  const byTask = new Map<string, { head: LoadedHead['head']; probs: { model: string; p: number[] }[] }>();
  await Promise.all(
    models.map(async (m) => {
      const { outputs } = await encode(deps, m, parsed.data.sequences, false, deadline, 'predict', arrived);
      const emb = new Float32Array(n * PAT_EMBED_DIM);
      outputs.forEach((o, i) => emb.set(o.embedding, i * PAT_EMBED_DIM));
      for (const h of servableHeads(m, deps.config)) {
        const out = await h.session.run({
          [h.session.inputNames[0] ?? 'embedding']: new ort.Tensor('float32', emb, [n, PAT_EMBED_DIM]),
        });
        const logits = out[h.session.outputNames[0] ?? 'logit']?.data as Float32Array;
        const entry = byTask.get(h.head.task) ?? { head: h.head, probs: [] };
        entry.probs.push({ model: m.key, p: Array.from(logits, (l) => calibrate(l, h.head)) });
        byTask.set(h.head.task, entry);
      }
    }),
  );
  const tasks = [...byTask.values()];
  const clinical = tasks.every((t) => t.head.validated) && models.every((m) => m.manifest.trained);
  return {
    models: models.map(modelRef),
    results: parsed.data.sequences.map((s, i) => ({
      id: s.id,
      heads: tasks.map((t) => {
        const ps = t.probs.map((x) => x.p[i] ?? NaN);
        const mean = ps.reduce((a, b) => a + b, 0) / ps.length;
        const spread = Math.sqrt(ps.reduce((a, b) => a + (b - mean) ** 2, 0) / ps.length);
        return {
          task: t.head.task,
          label: t.head.label,
          validated: t.head.validated,
          probability: mean,
          confidence: Math.max(mean, 1 - mean),
          spread,
          byModel: t.probs.map((x) => ({ model: x.model, probability: x.p[i] ?? NaN })),
        };
      }),
    })),
    clinical,
    notice: clinical
      ? undefined
      : 'Research output from an unvalidated head or untrained model: not a clinical prediction.',
    requestId,
  };
}

function send(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': typeof body === 'string' ? 'text/plain; version=0.0.4' : 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function createApp(deps: AppDeps, state: ServerState): http.RequestListener {
  const { registry, metrics, logger, config } = deps;
  return (req, res) => {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://local');
    const route = url.pathname;
    const requestId =
      (typeof req.headers['x-request-id'] === 'string' && req.headers['x-request-id'].slice(0, 64)) ||
      randomUUID();
    state.inFlight++;
    const finish = (status: number): void => {
      state.inFlight--;
      const known = ['/v1/embed', '/v1/predict', '/v1/models', '/healthz', '/readyz', '/metrics'].includes(
        route,
      )
        ? route
        : 'other';
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

    const handle = async (): Promise<[number, unknown, Record<string, string>?]> => {
      if (req.method === 'GET' && route === '/healthz') return [200, { status: 'ok' }];
      if (req.method === 'GET' && route === '/readyz') {
        const models = registry.list().map((m) => ({
          model: m.key,
          size: m.manifest.architecture.size,
          executionProvider: m.provider,
          trained: m.manifest.trained,
          running: m.encoder.running,
        }));
        const stopped = models.filter((m) => !m.running).map((m) => m.model);
        const providers = [...new Set(models.map((m) => m.executionProvider))];
        const body = {
          status: stopped.length > 0 && state.phase === 'ready' ? 'degraded' : state.phase,
          reason: stopped.length > 0 ? `model worker stopped: ${stopped.join(', ')}` : state.reason,
          executionProvider: providers.join(',') || undefined,
          models,
          default: registry.default?.key,
        };
        return [state.phase === 'ready' && stopped.length === 0 ? 200 : 503, body];
      }
      if (req.method === 'GET' && route === '/metrics') {
        for (const m of registry.list()) metrics.queueDepth.set({ model: m.key }, m.batcher.depth);
        return [200, await metrics.registry.metrics()];
      }
      if (route.startsWith('/v1/')) {
        if (deps.verifier) await deps.verifier(req.headers.authorization);
        if (state.phase !== 'ready')
          throw new ClarityError(
            'unavailable',
            state.phase === 'draining' ? 'server is shutting down' : 'models are not ready',
          );
        if (req.method === 'GET' && route === '/v1/models') {
          return [
            200,
            {
              default: registry.default?.key,
              models: registry.list().map((m) => ({
                ...modelRef(m),
                key: m.key,
                architecture: m.manifest.architecture,
                normalisation: m.manifest.normalisation.kind,
                heads: m.heads.map((h) => ({
                  task: h.head.task,
                  label: h.head.label,
                  validated: h.head.validated,
                  served: h.head.validated || config.allowUnvalidatedHeads,
                })),
                licence: m.manifest.licence,
                notes: m.manifest.notes,
              })),
            },
          ];
        }
        if (req.method === 'POST' && (route === '/v1/embed' || route === '/v1/predict')) {
          const deadline = started + config.requestTimeoutMs;
          // Counted as arriving until its sequences are queued, so an idle batcher waits for it (briefly)
          // rather than starting a batch it could have joined.
          state.arriving++;
          let counted = true;
          const arrived = (): void => {
            if (counted) state.arriving--;
            counted = false;
          };
          try {
            const body = await readJson(req, config.maxBodyBytes);
            return [
              200,
              route === '/v1/embed'
                ? await embed(deps, body, requestId, deadline, arrived)
                : await predict(deps, body, requestId, deadline, arrived),
            ];
          } finally {
            if (counted) {
              // Rejected before queueing: a batcher that waited for this request need not wait any longer.
              arrived();
              for (const m of registry.list()) m.batcher.poke();
            }
          }
        }
      }
      throw new ClarityError('not_found', `no route ${req.method ?? ''} ${route}`);
    };

    handle().then(
      ([status, body, headers]) => {
        send(res, status, body, { 'x-request-id': requestId, ...drainHeaders(), ...headers });
        finish(status);
      },
      (e: unknown) => {
        const err = isClarityError(e) ? e : new ClarityError('internal', 'internal error');
        if (!isClarityError(e))
          logger.error('unhandled_error', {
            requestId,
            error: e instanceof Error ? e.message : String(e),
          });
        const status = err.httpStatus;
        const headers: Record<string, string> = { 'x-request-id': requestId, ...drainHeaders() };
        if (status === 503) headers['retry-after'] = String(config.retryAfterSeconds);
        // A body we stopped reading cannot be left on a keep-alive connection.
        if (e instanceof HttpError) headers.connection = 'close';
        metrics.errors.inc({ route: route.startsWith('/v1/') ? route : 'other', code: err.code });
        send(res, status, errorBody(err, requestId).body, headers);
        finish(status);
      },
    );
  };
}
