import { Router, type RequestHandler } from 'express';
import { uploadStatuses, jobStatuses } from '@clarity/core';
import { ClarityError } from '@clarity/core';
import { experiments } from '../../llm/experiments.ts';
import { experimentReports } from '../../store/engagement.ts';
import { collectionGroupQueries, paths } from '../../store/paths.ts';
import { envelope, state, type ApiDeps } from '../context.ts';
import { requireUser, sessionCookieOf } from '../middleware.ts';
import { hasRole, requireRole } from '../rbac.ts';
import type { RequestMetrics } from '../request-metrics.ts';

/**
 * Verifies a bearer token or session cookie when one is sent (401 if it is bad), and lets anonymous
 * requests through: the health check is public, its detail is for admins. Other cookies (a site's own, an
 * analytics id) are not credentials and do not count.
 */
function optionalUser(deps: ApiDeps): RequestHandler {
  const verify = requireUser(deps);
  return (req, res, next) => {
    if (req.get('authorization') === undefined && sessionCookieOf(req) === undefined) {
      next();
      return;
    }
    verify(req, res, next);
  };
}

/** Counts by status with count() aggregation queries (one cheap query per status, no documents read). */
async function countByStatus(
  deps: ApiDeps,
  query: { group: string; field: string },
  statuses: readonly string[],
): Promise<Record<string, number>> {
  const { group, field } = query;
  const counts = await Promise.all(
    statuses.map(async (st) => {
      const snap = await deps.db.collectionGroup(group).where(field, '==', st).count().get();
      return [st, snap.data().count] as const;
    }),
  );
  return Object.fromEntries(counts);
}

/**
 * GET /v1/system/health: public answer is only {status} (no version or topology for scanners); an admin
 * (bearer token with the admin role) also gets version, uptime and each dependency check. 503 when a
 * dependency is down.
 * GET /v1/system/metrics (admin): in-process request counts/latency, pipeline counts from Firestore.
 * GET /v1/system/experiments (admin): the prompt-template experiments' counters and tests
 * (store/engagement.ts; it reads the counter shards, never the feedback documents).
 */
export function systemRoutes(deps: ApiDeps, metrics?: RequestMetrics): Router {
  const r = Router();
  r.get('/health', optionalUser(deps), async (req, res) => {
    const s = state(req);
    const started = deps.now();
    let firestore: { status: 'ok' | 'down'; latencyMs: number };
    try {
      await deps.db.doc(paths.systemHealth()).get();
      firestore = { status: 'ok', latencyMs: deps.now() - started };
    } catch {
      firestore = { status: 'down', latencyMs: deps.now() - started };
    }
    const admin = s.caller !== undefined && hasRole(s.caller, 'admin');
    // Only admins trigger the other checks (an anonymous caller must not make us call the inference service).
    const extra = admin
      ? Object.fromEntries(
          await Promise.all(
            Object.entries(deps.dependencyChecks ?? {}).map(
              async ([name, check]) => [name, await check()] as const,
            ),
          ),
        )
      : {};
    // Firestore down is an outage (503); a configured dependency down degrades the pipeline (it falls back).
    const status =
      firestore.status === 'ok' && Object.values(extra).every((c) => c.status !== 'down') ? 'ok' : 'degraded';
    res.status(firestore.status === 'ok' ? 200 : 503).json(
      envelope(
        admin
          ? {
              status,
              version: deps.version,
              uptimeSeconds: Math.round((deps.now() - deps.startedAt) / 1000),
              checks: {
                firestore,
                ...extra,
                process: { node: process.version, rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20) },
              },
            }
          : { status },
        s.requestId,
      ),
    );
  });

  r.get('/metrics', requireUser(deps), requireRole('admin'), async (req, res) => {
    if (!metrics) throw new ClarityError('unavailable', 'request metrics are not enabled');
    const [uploads, jobs, deadLetters] = await Promise.all([
      countByStatus(deps, collectionGroupQueries.uploadsByStatus, uploadStatuses),
      countByStatus(deps, collectionGroupQueries.jobsByStatus, jobStatuses),
      countByStatus(deps, collectionGroupQueries.deadLettersByStatus, ['open', 'replayed']),
    ]);
    res.json(
      envelope(
        {
          requests: metrics.snapshot(),
          pipeline: { uploads, jobs, deadLetters },
          since: new Date(metrics.since).toISOString(),
        },
        state(req).requestId,
      ),
    );
  });

  r.get('/experiments', requireUser(deps), requireRole('admin'), async (req, res) => {
    const reports = await experimentReports(deps.db, experiments);
    res.json(envelope({ experiments: reports }, state(req).requestId));
  });
  return r;
}
