import express, { Router } from 'express';
import { ClarityError } from '@clarity/core';
import { recordAudit } from '../../platform/audit.ts';
import { apiJobId, createAnalysisJob } from '../../pipeline/jobs.ts';
import { paths } from '../../store/paths.ts';
import { envelope, state, type ApiDeps } from '../context.ts';
import { requireUser } from '../middleware.ts';
import { callerOf } from '../rbac.ts';
import { analyzeBody, parseInput } from '../schemas.ts';

/** Requests of one user for one window within this many minutes share one job (pipeline/jobs.ts apiJobId). */
export const analyzeCoalesceMinutes = 10;

/**
 * POST /v1/health/analyze: starts an analysis job for the caller's own data (a clinician cannot start jobs
 * on a patient's data: that is a mutation of their health data). 202 with the job id; the app follows
 * users/{uid}/jobs/{jobId}. Requests for the same window within 10 minutes coalesce into one job (`created`
 * false), with or without an Idempotency-Key, so a retried request returns the same job and a repeated
 * one queues nothing new.
 */
export function analyzeRoutes(deps: ApiDeps): Router {
  const r = Router();
  r.post('/analyze', requireUser(deps), express.json({ limit: 16 * 1024 }), async (req, res) => {
    const s = state(req);
    const caller = callerOf(req);
    // An empty body is fine (the window is optional); a body must be JSON.
    const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
    if (hasBody && req.is('application/json') === false) {
      throw new ClarityError('unsupported_media_type', 'Content-Type must be application/json');
    }
    const body = parseInput(analyzeBody, req.body ?? {}, 'body');
    const key = req.get('idempotency-key');
    if (key !== undefined && !/^[\w.:-]{8,128}$/.test(key)) {
      throw new ClarityError(
        'invalid_argument',
        'Idempotency-Key must be 8-128 characters of [A-Za-z0-9_.:-]',
      );
    }
    const profile = await deps.db.doc(paths.user(caller.uid)).get();
    const tz: unknown = profile.get('timezone');
    const { jobId, created } = await createAnalysisJob(deps.db, {
      uid: caller.uid,
      window: body.window ?? null,
      requestedBy: caller.uid,
      correlationId: s.requestId,
      reason: 'api',
      ...(typeof tz === 'string' ? { timezone: tz } : {}),
      jobId: apiJobId(caller.uid, body.window ?? null, deps.now(), analyzeCoalesceMinutes),
    });
    if (created) {
      await recordAudit(deps.db, {
        actorUid: caller.uid,
        actorRoles: caller.roles,
        action: 'health.analyze',
        targetUid: caller.uid,
        resource: paths.job(caller.uid, jobId),
        requestId: s.requestId,
      });
    }
    s.log.info('analyze.requested', { jobId, created });
    res
      .status(202)
      .location(`/v1/health/jobs/${jobId}`)
      .json(envelope({ jobId, status: 'queued' as const, created }, s.requestId));
  });
  return r;
}
