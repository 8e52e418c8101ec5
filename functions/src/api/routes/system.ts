import { Router } from 'express';
import { envelope, state, type ApiDeps } from '../context.ts';

/** GET /v1/system/health: liveness plus a Firestore round trip. 503 when a dependency is down. */
export function systemRoutes(deps: ApiDeps): Router {
  const r = Router();
  r.get('/health', async (req, res) => {
    const started = deps.now();
    let firestore: { status: 'ok' | 'down'; latencyMs: number };
    try {
      await deps.db.doc('system/health').get();
      firestore = { status: 'ok', latencyMs: deps.now() - started };
    } catch {
      firestore = { status: 'down', latencyMs: deps.now() - started };
    }
    const status = firestore.status === 'ok' ? 'ok' : 'degraded';
    res.status(status === 'ok' ? 200 : 503).json(
      envelope(
        {
          status,
          version: deps.version,
          uptimeSeconds: Math.round((deps.now() - deps.startedAt) / 1000),
          checks: { firestore },
        },
        state(req).requestId,
      ),
    );
  });
  return r;
}
