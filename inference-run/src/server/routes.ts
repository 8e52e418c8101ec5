/**
 * The model server's endpoints, one handler each, and the route table createApp dispatches on:
 *   POST /v1/embed     PAT embeddings (and optionally tokens) for 1..64 sequences of 10 080 minutes
 *   POST /v1/predict   task heads, only when a head is configured: per-head probability, confidence and the
 *                      ensemble mean/spread across the loaded model sizes
 *   GET  /v1/models    what is loaded (name, version, sha256, trained, heads, licence)
 *   GET  /healthz      process is up;  GET /readyz  models verified and warmed (states the execution provider)
 *   GET  /metrics      Prometheus text
 */
import type http from 'node:http';
import ort from 'onnxruntime-node';
import {
  ClarityError,
  embedRequestShallowSchema,
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
import type { EmbedOutput, LoadedHead, LoadedModel } from '../models/registry.ts';
import type { AppDeps, ServerConfig, ServerState } from './app.ts';
import { readJson } from './http.ts';

/** What a handler sees of one request. */
export interface RouteContext {
  deps: AppDeps;
  state: ServerState;
  req: http.IncomingMessage;
  requestId: string;
  /** performance.now() when the request arrived (the deadline counts from it). */
  started: number;
}

/** Status, body (JSON, or Prometheus text when a string) and extra headers. */
export type Reply = [status: number, body: unknown, headers?: Record<string, string>];

export interface Route {
  method: 'GET' | 'POST';
  path: string;
  handle(ctx: RouteContext): Reply | Promise<Reply>;
}

const UNTRAINED_NOTICE = 'Untrained stand-in model: output is meaningless and for testing only.';
const EMBED_NOTICE = 'PAT embedding (representation of movement data), not a clinical prediction.';

function modelRef(m: LoadedModel) {
  return {
    name: m.manifest.name,
    version: m.manifest.version,
    precision: m.manifest.precision,
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
  const model = deps.registry.resolve(parsed.data.model, parsed.data.precision);
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

/** Calibrated class probabilities of one head output row (binary: [1 - p, p]). */
function classProbabilities(logits: Float32Array, row: number, head: LoadedHead['head']): number[] {
  const k = head.kind === 'multinomial' ? (head.labels?.length ?? 1) : 1;
  const z = Array.from(logits.subarray(row * k, (row + 1) * k));
  if (k === 1) {
    const l = z[0] ?? 0;
    const c = head.calibration;
    const p = 1 / (1 + Math.exp(-(c.method === 'platt' ? c.a * l + c.b : l)));
    return [1 - p, p];
  }
  const max = Math.max(...z);
  const e = z.map((v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
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
  const precision = parsed.data.precision ?? 'fp32';
  const candidates = parsed.data.models
    ? parsed.data.models.map((r) => deps.registry.resolve(r, parsed.data.precision))
    : deps.registry.list().filter((m) => m.manifest.precision === precision);
  const models = candidates.filter((m) => servableHeads(m, deps.config).length > 0);
  if (models.length === 0) {
    throw new ClarityError(
      'conflict',
      'no validated prediction head is configured for the selected models; PAT embeddings are available from /v1/embed',
    );
  }
  for (const m of models) validateSequences(m, parsed.data.sequences);
  const n = parsed.data.sequences.length;
  // task -> per model -> per sequence class probabilities
  const byTask = new Map<string, { head: LoadedHead['head']; probs: { model: string; p: number[][] }[] }>();
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
        entry.probs.push({
          model: m.key,
          p: Array.from({ length: n }, (_, i) => classProbabilities(logits, i, h.head)),
        });
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
      heads: tasks.map((t) => headResult(t.head, t.probs, i)),
    })),
    clinical,
    notice: clinical
      ? undefined
      : 'Research output from an unvalidated head or untrained model: not a clinical prediction.',
    requestId,
  };
}

/** One head's answer for sequence i: ensemble mean over models, its spread, and the class it favours. */
function headResult(head: LoadedHead['head'], probs: { model: string; p: number[][] }[], i: number) {
  const rows = probs.map((x) => x.p[i] ?? []);
  const k = rows[0]?.length ?? 2;
  const mean = Array.from({ length: k }, (_, c) => rows.reduce((a, r) => a + (r[c] ?? NaN), 0) / rows.length);
  const top = mean.reduce((best, v, c) => (v > (mean[best] ?? -1) ? c : best), 0);
  const binary = k === 2 && head.kind !== 'multinomial';
  // Binary heads report p(positive); multinomial heads the top class.
  const c = binary ? 1 : top;
  const probability = mean[c] ?? NaN;
  const spread = Math.sqrt(rows.reduce((a, r) => a + ((r[c] ?? NaN) - probability) ** 2, 0) / rows.length);
  return {
    task: head.task,
    label: head.label,
    validated: head.validated,
    probability,
    confidence: binary ? Math.max(probability, 1 - probability) : probability,
    ...(head.labels ? { predicted: head.labels[top] ?? String(top) } : {}),
    ...(binary && head.labels?.[1] ? { positive: head.labels[1] } : {}),
    ...(head.metrics ? { metrics: head.metrics } : {}),
    ...(binary || !head.labels
      ? {}
      : { classes: head.labels.map((label, j) => ({ label, probability: mean[j] ?? NaN })) }),
    spread,
    byModel: probs.map((x) => ({ model: x.model, probability: x.p[i]?.[c] ?? NaN })),
  };
}

function healthz(): Reply {
  return [200, { status: 'ok' }];
}

function readyz({ deps, state }: RouteContext): Reply {
  const { registry } = deps;
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

async function metricsText({ deps }: RouteContext): Promise<Reply> {
  for (const m of deps.registry.list()) deps.metrics.queueDepth.set({ model: m.key }, m.batcher.depth);
  return [200, await deps.metrics.registry.metrics()];
}

function listModels({ deps }: RouteContext): Reply {
  const { registry, config } = deps;
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

type ModelCall = (
  deps: AppDeps,
  body: unknown,
  requestId: string,
  deadline: number,
  arrived: () => void,
) => Promise<EmbedResponse | PredictResponse>;

/** Reads the body of an embed or predict request and runs it within the request's deadline. */
async function modelRequest(ctx: RouteContext, call: ModelCall): Promise<Reply> {
  const { deps, state } = ctx;
  const deadline = ctx.started + deps.config.requestTimeoutMs;
  // Counted as arriving until its sequences are queued, so an idle batcher waits for it (briefly)
  // rather than starting a batch it could have joined.
  state.arriving++;
  let counted = true;
  const arrived = (): void => {
    if (counted) state.arriving--;
    counted = false;
  };
  try {
    const body = await readJson(ctx.req, deps.config.maxBodyBytes);
    return [200, await call(deps, body, ctx.requestId, deadline, arrived)];
  } finally {
    if (counted) {
      // Rejected before queueing: a batcher that waited for this request need not wait any longer.
      arrived();
      for (const m of deps.registry.list()) m.batcher.poke();
    }
  }
}

/** Every endpoint. Paths under /v1/ are admitted first (token, readiness: see createApp). */
export const routes: readonly Route[] = [
  { method: 'GET', path: '/healthz', handle: healthz },
  { method: 'GET', path: '/readyz', handle: readyz },
  { method: 'GET', path: '/metrics', handle: metricsText },
  { method: 'GET', path: '/v1/models', handle: listModels },
  { method: 'POST', path: '/v1/embed', handle: (ctx) => modelRequest(ctx, embed) },
  { method: 'POST', path: '/v1/predict', handle: (ctx) => modelRequest(ctx, predict) },
];
