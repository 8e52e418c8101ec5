/**
 * Outbound webhooks (Standard Webhooks): endpoints, secrets, event messages and their delivery attempts.
 *
 * - An event becomes one message with a deterministic id (`msg_` + hash of user, type and subject), whose
 *   exact body is stored, so a redelivered trigger makes no second message and every attempt and replay
 *   sends the same bytes under the same `webhook-id`.
 * - Each (message, endpoint) pair has a delivery document and is its own unit of work: one task per
 *   attempt, with a deterministic task id, scheduled on the retry schedule (Svix's by default) or later when
 *   the endpoint sent Retry-After. An attempt already recorded is never sent again by a redelivered task.
 * - 2xx delivers; 410 disables the endpoint; an endpoint failing everything for 5 days is disabled;
 *   a message that exhausts the schedule is `dead`, with a dead letter in deadLetters/ (stage `webhook`);
 *   `npm run replay -- ID` or the API's replay re-sends it (same id, a new round of attempts).
 * - Every attempt is logged under users/{uid}/webhooks/{id}/attempts; the job document shows each
 *   endpoint's state live (`delivery.webhook.endpoints.{id}`).
 * - Secrets live in webhookSecrets/ (server-only); a rotation keeps the previous one signing for the
 *   overlap, so receivers can switch without losing a message.
 */
import { createHash, randomBytes } from 'node:crypto';
import { FieldValue, Timestamp, type Firestore } from 'firebase-admin/firestore';
import { ClarityError } from '@clarity/core';
import { z } from 'zod';
import { converter, readSnapshot } from '../store/converters.ts';
import type { Logger } from '../platform/logger.ts';
import { inSpan, SpanKind } from '../platform/tracing.ts';
import { paths } from '../store/paths.ts';
import { setWebhookDeadLetter } from '../store/dead-letter-docs.ts';

import { newWebhookSecret, signedHeaders } from './webhook-signing.ts';
import { postWebhook, type AttemptResult } from './webhook-http.ts';
import { checkWebhookUrl, type SsrfPolicy } from './ssrf.ts';
import type { TaskQueue } from './task-queue.ts';

export const webhookEventTypes = [
  'insight.created',
  'upload.ingested',
  'upload.rejected',
  'job.completed',
  'job.failed',
  /** The owner's request-signing key was rotated (api/signing.ts): a notice, in case it was not them. */
  'signing_key.rotated',
] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];

/** Largest payload sent; events carry ids and summary numbers, never raw samples. */
export const maxPayloadBytes = 20 * 1024;
/** An endpoint failing every attempt for this long is disabled. */
export const failingDisableMs = 5 * 24 * 3600_000;
/** How long an attempt log document is kept: its `expiresAt`, removed by the TTL policy (deploy/lifecycle). */
export const attemptLogTtlMs = 30 * 24 * 3600_000;

export interface AttemptTask {
  uid: string;
  endpointId: string;
  messageId: string;
  round: number;
  attempt: number;
}

/** Where attempt tasks go: Cloud Tasks in production (webhookAttempt), an in-process queue in tests. */
export type WebhookQueue = TaskQueue<AttemptTask>;

export interface WebhookDeps {
  db: Firestore;
  log: Logger;
  now: () => number;
  policy: SsrfPolicy;
  timeoutMs: number;
  /** Delay in seconds before attempt n+1 (index n); its length is the number of attempts per round. */
  scheduleSeconds: number[];
  rotationOverlapMs: number;
  queue: WebhookQueue;
}

export function parseSchedule(text: string): number[] {
  const s = text
    .split(',')
    .map((x) => Number(x.trim()))
    .filter((x) => Number.isFinite(x) && x >= 0);
  return s.length > 0 ? s : [0];
}

export function messageIdFor(uid: string, type: string, subjectId: string): string {
  const h = createHash('sha256').update(`${uid}\u0000${type}\u0000${subjectId}`).digest('base64url');
  return `msg_${h.slice(0, 26)}`;
}

export function attemptTaskId(t: AttemptTask): string {
  return `wh-${t.uid}-${t.endpointId}-${t.messageId}-r${t.round}-a${t.attempt}`.replace(
    /[^A-Za-z0-9_-]/g,
    '_',
  );
}

const timestamp = z.custom<Timestamp>((v) => v instanceof Timestamp, 'a Timestamp');

const endpointDocSchema = z.object({
  url: z.string(),
  description: z.string().nullable(),
  eventTypes: z.array(z.string()),
  enabled: z.boolean(),
  disabledReason: z.enum(['user', 'gone', 'failing']).nullable(),
  failingSince: timestamp.nullable(),
  createdAt: timestamp,
  updatedAt: timestamp,
  secretRotatedAt: timestamp.nullable(),
});
export type EndpointDoc = z.infer<typeof endpointDocSchema>;

const secretDocSchema = z.object({
  uid: z.string(),
  endpointId: z.string(),
  current: z.string(),
  previous: z.string().nullable(),
  previousExpiresAtMs: z.number().nullable(),
});
type SecretDoc = z.infer<typeof secretDocSchema>;

const deliveryDocSchema = z.object({
  messageId: z.string(),
  type: z.string(),
  jobId: z.string().nullable(),
  status: z.enum(['pending', 'delivered', 'failed', 'dead', 'skipped']),
  round: z.number().int(),
  /** Attempts of the current round that have finished. */
  attempts: z.number().int(),
  totalAttempts: z.number().int(),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  nextAttemptAt: timestamp.nullable(),
});
export type DeliveryDoc = z.infer<typeof deliveryDocSchema>;

const messageDocSchema = z.object({
  type: z.string(),
  body: z.string(),
  jobId: z.string().nullable(),
  createdAt: timestamp,
});

export const endpointConverter = converter('webhook endpoint', endpointDocSchema);
const secretConverter = converter('webhook secret', secretDocSchema);
export const deliveryConverter = converter('webhook delivery', deliveryDocSchema);
const messageConverter = converter('webhook message', messageDocSchema);

/** The endpoint as the API shows it (the secret only at creation and rotation). */
export function endpointView(id: string, d: EndpointDoc) {
  return {
    id,
    url: d.url,
    description: d.description,
    eventTypes: d.eventTypes,
    enabled: d.enabled,
    disabledReason: d.disabledReason,
    createdAt: d.createdAt.toDate().toISOString(),
    secretRotatedAt: d.secretRotatedAt ? d.secretRotatedAt.toDate().toISOString() : null,
  };
}

/**
 * Registration probe: a HEAD request to the URL (through the same guard) to refuse endpoints that redirect,
 * since attempts never follow redirects and a redirect is how an allowed name could point inside. A probe
 * that cannot connect does not refuse (the receiver may not be up yet); every attempt is guarded anyway.
 */
async function probeRedirect(url: string, deps: WebhookDeps): Promise<void> {
  const r = await postWebhook(
    url,
    '',
    {},
    {
      timeoutMs: Math.min(deps.timeoutMs, 5000),
      policy: deps.policy,
      method: 'HEAD',
    },
  );
  if (r.error?.startsWith('blocked: ')) {
    throw new ClarityError('invalid_input', `webhook URL refused: ${r.error.slice(9)}`, {
      details: [{ path: ['body', 'url'], message: r.error }],
    });
  }
  if (r.statusCode !== null && r.statusCode >= 300 && r.statusCode < 400) {
    let why = `the endpoint redirects (HTTP ${r.statusCode}); webhooks never follow redirects: register the final URL`;
    if (r.location) {
      try {
        await checkWebhookUrl(new URL(r.location, url).toString(), deps.policy);
      } catch (e) {
        const inner = e instanceof ClarityError ? e.message.replace(/^webhook URL refused: /, '') : 'refused';
        why = `the endpoint redirects to a refused address (${inner})`;
      }
    }
    throw new ClarityError('invalid_input', `webhook URL refused: ${why}`, {
      details: [{ path: ['body', 'url'], message: why }],
    });
  }
}

export async function validateEndpointUrl(url: string, deps: WebhookDeps): Promise<string> {
  const checked = await checkWebhookUrl(url, deps.policy);
  await probeRedirect(checked.toString(), deps);
  return checked.toString();
}

export async function createEndpoint(
  deps: WebhookDeps,
  uid: string,
  input: { url: string; eventTypes?: string[]; description?: string; enabled?: boolean },
): Promise<{ id: string; endpoint: EndpointDoc; secret: string }> {
  const url = await validateEndpointUrl(input.url, deps);
  const id = `ep_${randomBytes(12).toString('base64url')}`;
  const now = Timestamp.fromMillis(deps.now());
  const endpoint: EndpointDoc = {
    url,
    description: input.description ?? null,
    eventTypes: input.eventTypes ?? [],
    enabled: input.enabled ?? true,
    disabledReason: input.enabled === false ? 'user' : null,
    failingSince: null,
    createdAt: now,
    updatedAt: now,
    secretRotatedAt: null,
  };
  const secret = newWebhookSecret();
  const secretDoc: SecretDoc = {
    uid,
    endpointId: id,
    current: secret,
    previous: null,
    previousExpiresAtMs: null,
  };
  const batch = deps.db.batch();
  batch.create(deps.db.doc(paths.webhook(uid, id)), endpoint);
  batch.create(deps.db.doc(paths.webhookSecret(uid, id)), secretDoc);
  await batch.commit();
  return { id, endpoint, secret };
}

export async function readEndpoint(db: Firestore, uid: string, id: string): Promise<EndpointDoc> {
  const snap = await db.doc(paths.webhook(uid, id)).withConverter(endpointConverter).get();
  const e = snap.data();
  if (!e) throw new ClarityError('not_found', 'no such webhook endpoint');
  return e;
}

export async function deleteEndpoint(db: Firestore, uid: string, id: string): Promise<void> {
  await readEndpoint(db, uid, id);
  await db.recursiveDelete(db.doc(paths.webhook(uid, id)));
  await db.doc(paths.webhookSecret(uid, id)).delete();
}

/** Rotates the secret: the new one signs from now on, the old one too until the overlap ends. */
export async function rotateSecret(
  deps: WebhookDeps,
  uid: string,
  id: string,
): Promise<{ secret: string; previousValidUntil: string }> {
  await readEndpoint(deps.db, uid, id);
  const ref = deps.db.doc(paths.webhookSecret(uid, id));
  const secret = newWebhookSecret();
  const until = deps.now() + deps.rotationOverlapMs;
  await deps.db.runTransaction(async (tx) => {
    const cur = readSnapshot(secretConverter, await tx.get(ref));
    if (!cur) throw new ClarityError('not_found', 'no such webhook endpoint');
    tx.update(ref, { current: secret, previous: cur.current, previousExpiresAtMs: until });
    tx.update(deps.db.doc(paths.webhook(uid, id)), {
      secretRotatedAt: Timestamp.fromMillis(deps.now()),
      updatedAt: Timestamp.fromMillis(deps.now()),
    });
  });
  return { secret, previousValidUntil: new Date(until).toISOString() };
}

/** The secrets that sign now: the current one, and the previous one during the overlap. */
export function signingSecrets(s: SecretDoc, nowMs: number): string[] {
  return s.previous && s.previousExpiresAtMs !== null && nowMs < s.previousExpiresAtMs
    ? [s.current, s.previous]
    : [s.current];
}

function subscribed(e: EndpointDoc, type: string): boolean {
  return e.eventTypes.length === 0 || e.eventTypes.includes(type);
}

/** The job document's view of one endpoint's delivery (dotted path: one field per endpoint, live). */
function jobDeliveryUpdate(
  endpointId: string,
  d: Pick<DeliveryDoc, 'status' | 'totalAttempts' | 'lastStatusCode' | 'messageId'>,
) {
  return {
    [`delivery.webhook.endpoints.${endpointId}`]: {
      status: d.status,
      attempts: d.totalAttempts,
      lastStatusCode: d.lastStatusCode,
      messageId: d.messageId,
    },
    updatedAt: FieldValue.serverTimestamp(),
  };
}

async function updateJob(
  deps: WebhookDeps,
  uid: string,
  jobId: string | null,
  fields: Record<string, unknown>,
) {
  if (!jobId) return;
  try {
    await deps.db.doc(paths.job(uid, jobId)).update(fields);
  } catch (e) {
    if ((e as { code?: number }).code !== 5) throw e; // NOT_FOUND: the job is gone (account deleted)
  }
}

export interface EmitInput {
  uid: string;
  type: WebhookEventType | 'webhook.test';
  /** What the event is about (insight id, upload id, job id): the message id derives from it. */
  subjectId: string;
  data: Record<string, unknown>;
  jobId?: string | null;
  /** Only this endpoint (the test event); default: every enabled endpoint subscribed to the type. */
  endpointId?: string;
}

/**
 * Creates the message (once) and a delivery per subscribed endpoint (once), and enqueues the first attempt
 * of each new delivery. Safe to call again for the same event: nothing is duplicated, nothing re-sent.
 */
export async function emitEvent(
  deps: WebhookDeps,
  input: EmitInput,
): Promise<{ messageId: string; endpoints: string[] }> {
  const { uid } = input;
  const messageId = messageIdFor(uid, input.type, input.subjectId);
  const msgRef = deps.db.doc(paths.webhookMessage(uid, messageId));
  const nowMs = deps.now();
  const body = JSON.stringify({
    type: input.type,
    timestamp: new Date(nowMs).toISOString(),
    data: input.data,
  });
  if (Buffer.byteLength(body) > maxPayloadBytes) {
    throw new ClarityError('internal', `webhook payload of ${input.type} is over ${maxPayloadBytes} bytes`);
  }
  try {
    await msgRef.create({
      type: input.type,
      body,
      jobId: input.jobId ?? null,
      createdAt: Timestamp.fromMillis(nowMs),
    });
  } catch (e) {
    if ((e as { code?: number }).code !== 6) throw e; // exists: keep the first body
  }
  const snap = await deps.db.collection(paths.webhooks(uid)).withConverter(endpointConverter).get();
  const targets = snap.docs.filter((d) => {
    const e = d.data();
    return input.endpointId ? d.id === input.endpointId : e.enabled && subscribed(e, input.type);
  });
  const endpoints: string[] = [];
  for (const ep of targets) {
    const delivery: DeliveryDoc = {
      messageId,
      type: input.type,
      jobId: input.jobId ?? null,
      status: 'pending',
      round: 1,
      attempts: 0,
      totalAttempts: 0,
      lastStatusCode: null,
      lastError: null,
      nextAttemptAt: Timestamp.fromMillis(nowMs),
    };
    let created = true;
    try {
      await deps.db.doc(paths.webhookDelivery(uid, ep.id, messageId)).create(delivery);
    } catch (e) {
      if ((e as { code?: number }).code !== 6) throw e;
      created = false;
    }
    endpoints.push(ep.id);
    if (!created) continue;
    await updateJob(deps, uid, delivery.jobId, jobDeliveryUpdate(ep.id, delivery));
    const task: AttemptTask = { uid, endpointId: ep.id, messageId, round: 1, attempt: 1 };
    await deps.queue.enqueue(task, { id: attemptTaskId(task), delaySeconds: deps.scheduleSeconds[0] ?? 0 });
  }
  deps.log.info('webhook.emitted', { type: input.type, messageId, endpoints: endpoints.length });
  return { messageId, endpoints };
}

/**
 * One attempt (the task handler). Skips a task whose attempt is already recorded or whose round was
 * superseded by a replay; otherwise signs, sends, logs the attempt, updates the delivery, the endpoint and
 * the job, and schedules the next attempt when this one failed.
 */
export async function runAttempt(deps: WebhookDeps, task: AttemptTask): Promise<AttemptResult | 'skipped'> {
  const { uid, endpointId, messageId } = task;
  const deliveryRef = deps.db.doc(paths.webhookDelivery(uid, endpointId, messageId));
  const [deliverySnap, endpointSnap, msgSnap, secretSnap] = await Promise.all([
    deliveryRef.get(),
    deps.db.doc(paths.webhook(uid, endpointId)).get(),
    deps.db.doc(paths.webhookMessage(uid, messageId)).get(),
    deps.db.doc(paths.webhookSecret(uid, endpointId)).get(),
  ]);
  const delivery = readSnapshot(deliveryConverter, deliverySnap);
  const log = deps.log.child({ endpointId, messageId, attempt: task.attempt, round: task.round });
  if (!delivery || !endpointSnap.exists || !msgSnap.exists || !secretSnap.exists) {
    log.info('webhook.attempt_skipped', { reason: 'gone' });
    return 'skipped';
  }
  if (delivery.round !== task.round || delivery.attempts >= task.attempt || delivery.status === 'delivered') {
    log.info('webhook.attempt_skipped', { reason: 'already attempted' });
    return 'skipped';
  }
  const endpoint = readSnapshot(endpointConverter, endpointSnap);
  const message = readSnapshot(messageConverter, msgSnap);
  const secrets = readSnapshot(secretConverter, secretSnap);
  if (!endpoint || !message || !secrets) return 'skipped';
  if (!endpoint.enabled) {
    const skipped = {
      ...delivery,
      status: 'skipped' as const,
      lastError: 'endpoint disabled',
      nextAttemptAt: null,
    };
    await deliveryRef.update({ status: 'skipped', lastError: 'endpoint disabled', nextAttemptAt: null });
    await updateJob(deps, uid, delivery.jobId, jobDeliveryUpdate(endpointId, skipped));
    return 'skipped';
  }
  const body = message.body;
  const nowMs = deps.now();
  const headers = signedHeaders(signingSecrets(secrets, nowMs), messageId, Math.floor(nowMs / 1000), body);
  // A CLIENT span per attempt: outcome and status code only (no URL: it can carry the receiver's secrets).
  const result = await inSpan('POST webhook', { kind: SpanKind.CLIENT }, async (span) => {
    const r = await postWebhook(endpoint.url, body, headers, {
      timeoutMs: deps.timeoutMs,
      policy: deps.policy,
    });
    span.setAttributes({
      'clarity.webhook.outcome': r.outcome,
      ...(r.statusCode !== null ? { 'http.response.status_code': r.statusCode } : {}),
    });
    return r;
  });
  const after = deps.now();
  const attemptsInRound = task.attempt;
  const more = result.outcome === 'failed' && attemptsInRound < deps.scheduleSeconds.length;
  const delaySeconds = more
    ? Math.max(deps.scheduleSeconds[attemptsInRound] ?? 0, Math.min(result.retryAfterSeconds ?? 0, 24 * 3600))
    : 0;
  const status: DeliveryDoc['status'] =
    result.outcome === 'delivered' ? 'delivered' : more ? 'failed' : 'dead';
  const next: DeliveryDoc = {
    ...delivery,
    status,
    attempts: attemptsInRound,
    totalAttempts: delivery.totalAttempts + 1,
    lastStatusCode: result.statusCode,
    lastError: result.error,
    nextAttemptAt: more ? Timestamp.fromMillis(after + delaySeconds * 1000) : null,
  };
  // Endpoint health: 410 disables; failing everything since failingDisableMs ago disables.
  const endpointUpdate: Record<string, unknown> = {};
  if (result.outcome === 'delivered' && endpoint.failingSince) endpointUpdate.failingSince = null;
  if (result.outcome !== 'delivered' && !endpoint.failingSince)
    endpointUpdate.failingSince = Timestamp.fromMillis(after);
  if (result.outcome === 'gone') Object.assign(endpointUpdate, { enabled: false, disabledReason: 'gone' });
  else if (
    result.outcome === 'failed' &&
    endpoint.failingSince &&
    after - endpoint.failingSince.toMillis() >= failingDisableMs
  ) {
    Object.assign(endpointUpdate, { enabled: false, disabledReason: 'failing' });
  }
  const attemptId = `${messageId}-r${task.round}-a${task.attempt}`;
  const batch = deps.db.batch();
  batch.set(deps.db.doc(paths.webhookAttempt(uid, endpointId, attemptId)), {
    messageId,
    type: delivery.type,
    round: task.round,
    attempt: task.attempt,
    outcome: result.outcome,
    statusCode: result.statusCode,
    error: result.error,
    retryAfterSeconds: result.retryAfterSeconds,
    latencyMs: result.latencyMs,
    at: Timestamp.fromMillis(nowMs),
    nextAttemptAt: next.nextAttemptAt,
    expiresAt: Timestamp.fromMillis(nowMs + attemptLogTtlMs),
  });
  batch.update(deliveryRef, { ...next });
  // Exhausted: the project's dead letters hold it too (deadLetters/, replayable like any other work).
  if (status === 'dead') {
    setWebhookDeadLetter(deps.db, batch, {
      uid,
      endpointId,
      messageId,
      jobId: delivery.jobId,
      attempts: next.totalAttempts,
      lastError: result.error,
      lastStatusCode: result.statusCode,
    });
  }
  if (Object.keys(endpointUpdate).length > 0) {
    batch.update(endpointSnap.ref, { ...endpointUpdate, updatedAt: Timestamp.fromMillis(after) });
  }
  await batch.commit();
  await updateJob(deps, uid, delivery.jobId, jobDeliveryUpdate(endpointId, next));
  log.info('webhook.attempt', {
    outcome: result.outcome,
    statusCode: result.statusCode,
    latencyMs: result.latencyMs,
    error: result.error,
    nextInSeconds: more ? delaySeconds : null,
  });
  if (more && endpointUpdate.enabled !== false) {
    const t: AttemptTask = { ...task, attempt: task.attempt + 1 };
    await deps.queue.enqueue(t, { id: attemptTaskId(t), delaySeconds });
  }
  return result;
}

/**
 * Replays messages to an endpoint: one message, or every message delivered or attempted since a time.
 * Each starts a new round (same webhook-id, attempts counted afresh). Returns the replayed message ids.
 */
export async function replay(
  deps: WebhookDeps,
  uid: string,
  endpointId: string,
  which: { messageId: string } | { sinceMs: number },
): Promise<string[]> {
  const endpoint = await readEndpoint(deps.db, uid, endpointId);
  if (!endpoint.enabled)
    throw new ClarityError('conflict', 'the endpoint is disabled: enable it before a replay');
  const col = deps.db.collection(paths.webhookDeliveries(uid, endpointId));
  let ids: string[];
  if ('messageId' in which) {
    if (!(await deps.db.doc(paths.webhookMessage(uid, which.messageId)).get()).exists) {
      throw new ClarityError('not_found', 'no such message');
    }
    ids = [which.messageId];
  } else {
    const msgs = await deps.db
      .collection(paths.webhookMessages(uid))
      .where('createdAt', '>=', Timestamp.fromMillis(which.sinceMs))
      .get();
    ids = msgs.docs.map((d) => d.id);
  }
  const out: string[] = [];
  for (const messageId of ids) {
    const ref = col.doc(messageId);
    const msg = (
      await deps.db.doc(paths.webhookMessage(uid, messageId)).withConverter(messageConverter).get()
    ).data();
    if (!msg) continue;
    if ('sinceMs' in which && !subscribed(endpoint, msg.type) && msg.type !== 'webhook.test') continue;
    const round = await deps.db.runTransaction(async (tx) => {
      const cur = readSnapshot(deliveryConverter, await tx.get(ref));
      const r = (cur?.round ?? 0) + 1;
      const d: DeliveryDoc = {
        messageId,
        type: msg.type,
        jobId: cur?.jobId ?? msg.jobId,
        status: 'pending',
        round: r,
        attempts: 0,
        totalAttempts: cur?.totalAttempts ?? 0,
        lastStatusCode: cur?.lastStatusCode ?? null,
        lastError: null,
        nextAttemptAt: Timestamp.fromMillis(deps.now()),
      };
      tx.set(ref, d);
      return r;
    });
    const task: AttemptTask = { uid, endpointId, messageId, round, attempt: 1 };
    await deps.queue.enqueue(task, { id: attemptTaskId(task), delaySeconds: 0 });
    out.push(messageId);
  }
  deps.log.info('webhook.replayed', { endpointId, messages: out.length });
  return out;
}
