import { Router } from 'express';
import { Timestamp } from 'firebase-admin/firestore';
import { ClarityError } from '@clarity/core';
import { paths } from '../../store/paths.ts';
import { readUploadFields, uploadStatusTimes } from '../../store/uploads.ts';
import { envelope, state, type ApiDeps } from '../context.ts';
import { requireUser } from '../middleware.ts';
import { auditRead, authorizeRead, callerOf } from '../rbac.ts';
import { parseInput, resourceId, statusQuery, type jobStatus, type uploadStatus } from '../schemas.ts';
import type { z } from 'zod';

const iso = (v: unknown): string | null => (v instanceof Timestamp ? v.toDate().toISOString() : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function notFound(what: string): ClarityError {
  // The same answer whether the document is missing or belongs to a user the caller may not read.
  return new ClarityError('not_found', `${what} not found`);
}

function uploadOf(id: string, d: Record<string, unknown>): z.infer<typeof uploadStatus> {
  const counts = d.counts as Record<string, unknown> | null | undefined;
  const error = d.error as Record<string, unknown> | null | undefined;
  return {
    uploadId: id,
    status: str(d.status) ?? 'received',
    format: str(d.format),
    byteSize: num(d.byteSize),
    counts: counts
      ? {
          accepted: num(counts.accepted) ?? 0,
          duplicate: num(counts.duplicate) ?? 0,
          rejected: num(counts.rejected) ?? 0,
        }
      : null,
    rejections: Array.isArray(d.rejections)
      ? (d.rejections as { path?: unknown; message?: unknown }[]).slice(0, 50).map((r) => ({
          path: Array.isArray(r.path) ? (r.path as (string | number)[]) : [],
          message: str(r.message) ?? '',
        }))
      : [],
    error: error ? { code: str(error.code) ?? 'internal', message: str(error.message) ?? '' } : null,
    reachedAt: Object.fromEntries(Object.entries(uploadStatusTimes(d)).map(([k, v]) => [k, iso(v)])),
  };
}

function jobOf(id: string, d: Record<string, unknown>): z.infer<typeof jobStatus> {
  const stages = (d.stages ?? {}) as Record<string, Record<string, unknown>>;
  const error = d.error as Record<string, unknown> | null | undefined;
  const window = d.window as { start?: unknown; end?: unknown } | null | undefined;
  return {
    jobId: id,
    status: str(d.status) ?? 'queued',
    reason: str(d.reason),
    window:
      window && typeof window.start === 'string' && typeof window.end === 'string'
        ? { start: window.start, end: window.end }
        : null,
    stages: Object.fromEntries(
      Object.entries(stages).map(([k, v]) => [
        k,
        {
          status: str(v.status) ?? 'pending',
          attempts: num(v.attempts) ?? 0,
          ...(typeof v.note === 'string' ? { note: v.note } : {}),
        },
      ]),
    ),
    degraded: Array.isArray(d.degraded)
      ? (d.degraded as unknown[]).filter((x): x is string => typeof x === 'string')
      : [],
    error: error ? { code: str(error.code) ?? 'internal', message: str(error.message) ?? '' } : null,
    analysisId: str(d.analysisId),
    insightId: str(d.insightId),
  };
}

/**
 * GET /v1/health/uploads/{uploadId} and GET /v1/health/jobs/{jobId}: where the `Location` of the 202
 * answers of upload and analyze points. The owner, a clinician in their care team or an admin (`uid` query
 * for the latter two, as on trends); reads of another user's documents are audited.
 */
export function statusRoutes(deps: ApiDeps): Router {
  const r = Router();
  r.get('/uploads/:uploadId', requireUser(deps), async (req, res) => {
    const q = parseInput(statusQuery, req.query, 'query');
    const id = parseInput(resourceId, req.params.uploadId, 'params');
    const access = await authorizeRead(deps, callerOf(req), q.uid);
    const doc = await readUploadFields(deps.db, access.uid, id);
    if (!doc) throw notFound('upload');
    await auditRead(deps, req, access, 'upload.read', paths.upload(access.uid, id));
    res.json(envelope(uploadOf(id, doc), state(req).requestId));
  });
  r.get('/jobs/:jobId', requireUser(deps), async (req, res) => {
    const q = parseInput(statusQuery, req.query, 'query');
    const id = parseInput(resourceId, req.params.jobId, 'params');
    const access = await authorizeRead(deps, callerOf(req), q.uid);
    const snap = await deps.db.doc(paths.job(access.uid, id)).get();
    if (!snap.exists) throw notFound('job');
    await auditRead(deps, req, access, 'job.read', paths.job(access.uid, id));
    res.json(envelope(jobOf(id, snap.data() ?? {}), state(req).requestId));
  });
  return r;
}
