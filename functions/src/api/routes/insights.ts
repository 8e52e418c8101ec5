import express, { Router } from 'express';
import { FieldPath, Timestamp, type DocumentSnapshot } from 'firebase-admin/firestore';
import { ClarityError } from '@clarity/core';
import { recordFeedback, recordOpened, type Engagement } from '../../store/engagement.ts';
import { paths } from '../../store/paths.ts';
import { envelope, state, type ApiDeps } from '../context.ts';
import { requireUser } from '../middleware.ts';
import { auditOwnMutation, auditRead, authorizeRead, callerOf } from '../rbac.ts';
import { feedbackBody, insightIdParams, insightsQuery, parseInput, type insightItem } from '../schemas.ts';
import type { z } from 'zod';

/**
 * Opaque cursor: base64url of [createdAt millis, document id] of the last item of a page. Clients must
 * not build or parse it; it only has to survive the round trip. A cursor that does not decode is a 400.
 */
export function encodeCursor(createdAtMs: number, id: string): string {
  return Buffer.from(JSON.stringify([createdAtMs, id])).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAtMs: number; id: string } {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && Number.isSafeInteger(v[0]) && typeof v[1] === 'string') {
      return { createdAtMs: v[0] as number, id: v[1] };
    }
  } catch {
    // fall through
  }
  throw new ClarityError('invalid_input', 'cursor is not a cursor returned by this endpoint', {
    details: [{ path: ['query', 'cursor'], message: 'invalid cursor' }],
  });
}

function millisOf(v: unknown): number | null {
  return v instanceof Timestamp ? v.toMillis() : null;
}

function itemOf(snap: DocumentSnapshot): z.infer<typeof insightItem> {
  const d = snap.data() ?? {};
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  const ms = millisOf(d.createdAt);
  return {
    id: snap.id,
    jobId: str(d.jobId),
    locale: str(d.locale),
    narrative: str(d.narrative),
    keyInsights: Array.isArray(d.keyInsights) ? (d.keyInsights as unknown[]) : [],
    recommendations: Array.isArray(d.recommendations)
      ? (d.recommendations as unknown[]).filter((x): x is string => typeof x === 'string')
      : [],
    confidence: str(d.confidence),
    disclaimer: str(d.disclaimer),
    generator: str(d.generator),
    createdAt: ms === null ? null : new Date(ms).toISOString(),
  };
}

/**
 * GET /v1/health/insights: newest first (createdAt, then id, both descending, so ties page stably),
 * `limit` 1-50 (default 20), `cursor` from the previous page's nextCursor, optional `locale` filter.
 * Clinicians and admins pass `uid` (see rbac.ts); their reads are audited.
 * The locale filter needs the composite index (locale ASC, createdAt DESC, __name__ DESC) in production.
 */
export function insightRoutes(deps: ApiDeps): Router {
  const r = Router();
  r.get('/insights', requireUser(deps), async (req, res) => {
    const q = parseInput(insightsQuery, req.query, 'query');
    const access = await authorizeRead(deps, callerOf(req), q.uid);
    let query = deps.db
      .collection(paths.insights(access.uid))
      .orderBy('createdAt', 'desc')
      .orderBy(FieldPath.documentId(), 'desc');
    if (q.locale) query = query.where('locale', '==', q.locale);
    if (q.cursor) {
      const c = decodeCursor(q.cursor);
      query = query.startAfter(Timestamp.fromMillis(c.createdAtMs), c.id);
    }
    const snap = await query.limit(q.limit + 1).get();
    const page = snap.docs.slice(0, q.limit);
    const last = page[page.length - 1];
    const lastMs = last ? millisOf(last.get('createdAt')) : null;
    const nextCursor =
      snap.docs.length > q.limit && last && lastMs !== null ? encodeCursor(lastMs, last.id) : null;
    await auditRead(deps, req, access, 'insights.read', paths.insights(access.uid));
    res.json(envelope({ items: page.map(itemOf), nextCursor }, state(req).requestId));
  });

  // Engagement (store/engagement.ts): the caller's own insights only (a clinician's or admin's opening is
  // not the user's); idempotent per user and insight; audited like every mutation.
  const engaged = async (req: express.Request, action: string, e: Engagement) => {
    const resource = paths.insightFeedback(callerOf(req).uid, e.insightId);
    await auditOwnMutation(deps, req, action, resource, { changed: e.changed });
    return envelope(e, state(req).requestId);
  };
  const json = express.json({ limit: 1024 });
  r.post('/insights/:id/opened', requireUser(deps), async (req, res) => {
    const { id } = parseInput(insightIdParams, req.params, 'params');
    const e = await recordOpened(deps.db, callerOf(req).uid, id, deps.now());
    res.json(await engaged(req, 'insight.opened', e));
  });
  r.post('/insights/:id/feedback', requireUser(deps), json, async (req, res) => {
    const { id } = parseInput(insightIdParams, req.params, 'params');
    const body = parseInput(feedbackBody, req.body ?? {}, 'body');
    const e = await recordFeedback(deps.db, callerOf(req).uid, id, body, deps.now());
    res.json(await engaged(req, 'insight.feedback', e));
  });
  return r;
}
