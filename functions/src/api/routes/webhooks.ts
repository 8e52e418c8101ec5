import express, { Router } from 'express';
import { ClarityError } from '@clarity/core';
import {
  createEndpoint,
  deleteEndpoint,
  emitEvent,
  endpointView,
  readEndpoint,
  replay,
  rotateSecret,
  validateEndpointUrl,
  endpointConverter,
  type WebhookDeps,
} from '../../delivery/webhooks.ts';
import { paths } from '../../store/paths.ts';
import { envelope, state, type ApiDeps } from '../context.ts';
import { requireUser } from '../middleware.ts';
import { auditOwnMutation, callerOf } from '../rbac.ts';
import {
  parseInput,
  webhookAttemptsQuery,
  webhookCreateBody,
  webhookIdParams,
  webhookPatchBody,
  webhookReplayBody,
} from '../schemas.ts';
import { randomUUID } from 'node:crypto';
import { Timestamp } from 'firebase-admin/firestore';

/**
 * Outbound webhooks of the caller (Standard Webhooks; delivery/webhooks.ts): register (the secret is shown
 * once, in the 201), list, change, delete, rotate the secret (the old one signs for the overlap), send a
 * test event, list attempts, replay. Every mutation is audited. URLs pass the SSRF guard (400 with the
 * reason) at registration and on change.
 */
export function webhookRoutes(deps: ApiDeps): Router {
  const r = Router();
  const wh = (): WebhookDeps => {
    if (!deps.webhooks) throw new ClarityError('unavailable', 'webhooks are not configured');
    return deps.webhooks;
  };
  const json = express.json({ limit: 16 * 1024 });
  const audit = (
    req: express.Request,
    action: string,
    id: string,
    details?: Record<string, string | number | boolean | null>,
  ) => auditOwnMutation(deps, req, action, paths.webhook(callerOf(req).uid, id), details);
  const idOf = (req: express.Request): string => parseInput(webhookIdParams, req.params, 'params').id;

  r.post('/', requireUser(deps), json, async (req, res) => {
    const body = parseInput(webhookCreateBody, req.body ?? {}, 'body');
    const { uid } = callerOf(req);
    const { id, endpoint, secret } = await createEndpoint(wh(), uid, body);
    await audit(req, 'webhook.create', id);
    res.status(201).json(envelope({ ...endpointView(id, endpoint), secret }, state(req).requestId));
  });

  r.get('/', requireUser(deps), async (req, res) => {
    const { uid } = callerOf(req);
    const snap = await deps.db
      .collection(paths.webhooks(uid))
      .withConverter(endpointConverter)
      .orderBy('createdAt')
      .get();
    const items = snap.docs.map((d) => endpointView(d.id, d.data()));
    res.json(envelope({ items }, state(req).requestId));
  });

  r.get('/:id', requireUser(deps), async (req, res) => {
    const id = idOf(req);
    const e = await readEndpoint(deps.db, callerOf(req).uid, id);
    res.json(envelope(endpointView(id, e), state(req).requestId));
  });

  r.patch('/:id', requireUser(deps), json, async (req, res) => {
    const id = idOf(req);
    const { uid } = callerOf(req);
    const body = parseInput(webhookPatchBody, req.body ?? {}, 'body');
    await readEndpoint(deps.db, uid, id);
    const update: Record<string, unknown> = { updatedAt: Timestamp.fromMillis(deps.now()) };
    if (body.url !== undefined) update.url = await validateEndpointUrl(body.url, wh());
    if (body.eventTypes !== undefined) update.eventTypes = body.eventTypes;
    if (body.description !== undefined) update.description = body.description;
    if (body.enabled !== undefined) {
      update.enabled = body.enabled;
      update.disabledReason = body.enabled ? null : 'user';
      if (body.enabled) update.failingSince = null;
    }
    await deps.db.doc(paths.webhook(uid, id)).update(update);
    await audit(req, 'webhook.update', id);
    const e = await readEndpoint(deps.db, uid, id);
    res.json(envelope(endpointView(id, e), state(req).requestId));
  });

  r.delete('/:id', requireUser(deps), async (req, res) => {
    const id = idOf(req);
    await deleteEndpoint(deps.db, callerOf(req).uid, id);
    await audit(req, 'webhook.delete', id);
    res.json(envelope({ id, deleted: true }, state(req).requestId));
  });

  r.post('/:id/rotate', requireUser(deps), async (req, res) => {
    const id = idOf(req);
    const out = await rotateSecret(wh(), callerOf(req).uid, id);
    await audit(req, 'webhook.rotate', id);
    res.json(envelope(out, state(req).requestId));
  });

  r.post('/:id/test', requireUser(deps), async (req, res) => {
    const id = idOf(req);
    const { uid } = callerOf(req);
    await readEndpoint(deps.db, uid, id);
    const out = await emitEvent(wh(), {
      uid,
      type: 'webhook.test',
      subjectId: randomUUID(),
      data: { endpointId: id, message: 'test event from Clarity Loop' },
      endpointId: id,
    });
    res.status(202).json(envelope({ messageId: out.messageId }, state(req).requestId));
  });

  r.get('/:id/attempts', requireUser(deps), async (req, res) => {
    const id = idOf(req);
    const { uid } = callerOf(req);
    const q = parseInput(webhookAttemptsQuery, req.query, 'query');
    await readEndpoint(deps.db, uid, id);
    let query = deps.db.collection(paths.webhookAttempts(uid, id)).orderBy('at', 'desc');
    if (q.messageId)
      query = deps.db.collection(paths.webhookAttempts(uid, id)).where('messageId', '==', q.messageId);
    const snap = await query.limit(q.limit).get();
    const items = snap.docs.map((d) => {
      const a = d.data();
      return {
        id: d.id,
        messageId: a.messageId as string,
        type: a.type as string,
        round: a.round as number,
        attempt: a.attempt as number,
        outcome: a.outcome as string,
        statusCode: (a.statusCode as number | null) ?? null,
        error: (a.error as string | null) ?? null,
        latencyMs: a.latencyMs as number,
        at: (a.at as Timestamp).toDate().toISOString(),
        nextAttemptAt: a.nextAttemptAt ? (a.nextAttemptAt as Timestamp).toDate().toISOString() : null,
      };
    });
    res.json(envelope({ items }, state(req).requestId));
  });

  r.post('/:id/replay', requireUser(deps), json, async (req, res) => {
    const id = idOf(req);
    const body = parseInput(webhookReplayBody, req.body ?? {}, 'body');
    const which = body.messageId
      ? { messageId: body.messageId }
      : { sinceMs: Date.parse(body.since as string) };
    const messages = await replay(wh(), callerOf(req).uid, id, which);
    await audit(req, 'webhook.replay', id, { messages: messages.length });
    res.status(202).json(envelope({ messages }, state(req).requestId));
  });
  return r;
}
