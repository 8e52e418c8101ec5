import express, { type Express } from 'express';
import { ClarityError } from '@clarity/core';
import { requireAppCheck } from './app-check.ts';
import type { ApiDeps } from './context.ts';
import { errorHandler, requestContext } from './middleware.ts';
import { rateLimitMiddleware } from './rate-limit.ts';
import { bodyLimit, cors, defaultSecurity, securityHeaders } from './security.ts';
import { requireSignedRequest, signingRoutes } from './signing.ts';
import { openApiRoutes, operations } from './openapi.ts';
import { RequestMetrics } from './request-metrics.ts';
import { accountRoutes } from './routes/account.ts';
import { analyzeRoutes } from './routes/analyze.ts';
import { careTeamRoutes } from './routes/care-team.ts';
import { authRoutes } from './routes/auth.ts';
import { fhirRoutes } from './routes/fhir.ts';
import { fileRoutes } from './routes/files.ts';
import { insightRoutes } from './routes/insights.ts';
import { trendRoutes } from './routes/trends.ts';
import { statusRoutes } from './routes/status.ts';
import { systemRoutes } from './routes/system.ts';
import { uploadRoutes } from './routes/upload.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { deviceRoutes, notificationRoutes, unsubscribeRoutes } from './routes/notifications.ts';

/** The HTTPS API (`api` function), mounted under /v1. Express 5 forwards rejected promises to errorHandler. */
export function createApp(deps: ApiDeps): Express {
  const app = express();
  const security = deps.security ?? defaultSecurity;
  app.disable('x-powered-by');
  // Exactly the proxies in front (TRUSTED_PROXY_HOPS): req.ip is then the address the first of them saw.
  app.set('trust proxy', security.trustedProxyHops ?? 0);
  app.use(requestContext(deps));
  const metrics = new RequestMetrics();
  app.use(metrics.middleware());
  app.use(securityHeaders());
  app.use(cors(security.corsOrigins));
  app.use(bodyLimit({ maxJsonBytes: security.maxJsonBytes, maxUploadBytes: deps.maxUploadBytes }));
  app.use(requireAppCheck(security.appCheck));
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  // Anonymous routes are limited per client address in the anonymous class (authenticated ones per uid,
  // inside requireUser, which also limits failed sign-ins per address).
  const anonLimit = rateLimitMiddleware(security.rateLimiter);
  app.use('/v1/system', anonLimit, systemRoutes(deps, metrics));
  app.use('/v1/auth', anonLimit, authRoutes(deps));
  app.use('/v1/openapi.json', anonLimit);
  app.use('/v1', openApiRoutes(deps.version));
  app.use('/v1/security', signingRoutes(deps));
  app.use(
    '/v1/health',
    uploadRoutes(deps),
    fileRoutes(deps),
    insightRoutes(deps),
    trendRoutes(deps),
    analyzeRoutes(deps),
    statusRoutes(deps),
  );
  app.use('/v1/fhir', fhirRoutes(deps));
  app.use('/v1/account', accountRoutes(deps, requireSignedRequest(deps)));
  app.use('/v1/care-team', careTeamRoutes(deps));
  app.use('/v1/webhooks', webhookRoutes(deps));
  app.use('/v1/notifications', anonLimitFor('/unsubscribe', anonLimit), unsubscribeRoutes(deps));
  app.use('/v1/notifications', notificationRoutes(deps));
  app.use('/v1/devices', deviceRoutes(deps));
  app.use((req, res, next) => {
    // A known path with another method is 405 with Allow (RFC 9110 15.5.6), not 404.
    const allowed = allowedMethods(req.path);
    if (allowed.length > 0) {
      res.setHeader('Allow', allowed.join(', '));
      next(new ClarityError('method_not_allowed', `${req.method} is not allowed on ${req.path}`));
      return;
    }
    next(new ClarityError('not_found', `no route ${req.method} ${req.path}`));
  });
  app.use(errorHandler());
  return app;
}

/** The anonymous rate limit on one sub-path only (the rest of the mount limits per user). */
function anonLimitFor(subPath: string, limit: express.RequestHandler): express.RequestHandler {
  return (req, res, next) => (req.path === subPath ? limit(req, res, next) : next());
}

/** Methods the API serves on a path (from the OpenAPI operations, whose `{param}` segments match any). */
export function allowedMethods(path: string): string[] {
  const methods = new Set<string>();
  for (const op of operations) {
    const re = new RegExp(`^${op.path.replace(/\{[^/]+\}/g, '[^/]+')}/?$`);
    if (re.test(path)) methods.add(op.method.toUpperCase());
  }
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}
