/**
 * Transport-level protections applied to every request before any route: security headers (helmet), a
 * CORS allowlist, and a body-size limit for every route. Limits and origins are params (platform/config.ts);
 * tests pass them in through ApiDeps.security.
 */
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import { ClarityError } from '@clarity/core';
import type { AppCheckVerifier } from './app-check.ts';
import type { RateLimiter } from './rate-limit.ts';

export interface SecurityDeps {
  /** Shared rate limiter; absent = no rate limiting (unit tests of other concerns). */
  rateLimiter?: RateLimiter;
  /**
   * Proxies in front that append to X-Forwarded-For (Express `trust proxy`); the client address is the
   * entry this many hops from the right. 0 / absent: the socket address (no proxy).
   */
  trustedProxyHops?: number;
  /** Browser origins (scheme://host[:port]) allowed to call with credentials. */
  corsOrigins: string[];
  /** Body limit for every route except the upload route (which has maxUploadBytes). */
  maxJsonBytes: number;
  /** Master secret for per-user signing keys; absent = signed routes answer 503. */
  signingSecret?: string;
  signatureMaxSkewSeconds: number;
  /**
   * Clinicians and admins must have signed in with a second factor to read another user's data
   * (REQUIRE_SECOND_FACTOR, on by default in the function; off here so tests of other concerns need no MFA).
   */
  requireSecondFactor?: boolean;
  /** App Check (APP_CHECK_ENFORCE): present = every request but the exempt ones needs a valid token. */
  appCheck?: AppCheckVerifier;
}

export const defaultSecurity: SecurityDeps = {
  corsOrigins: [],
  maxJsonBytes: 64 * 1024,
  signatureMaxSkewSeconds: 300,
};

/** Parses the CORS_ORIGINS param: comma-separated origins, normalised; anything not an origin is refused. */
export function parseOrigins(list: string): string[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const u = new URL(s);
      if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.origin !== s.replace(/\/$/, '')) {
        throw new Error(`CORS_ORIGINS: "${s}" is not an origin (scheme://host[:port])`);
      }
      return u.origin;
    });
}

/**
 * helmet tuned for a JSON API: nothing may be framed, scripted or sniffed; HSTS for a year with
 * subdomains; no referrer leaks.
 */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'none'"],
      },
    },
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true, preload: false },
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginResourcePolicy: { policy: 'same-site' },
  });
}

const allowedMethods = 'GET, POST, PUT, PATCH, DELETE';
const allowedHeaders = [
  'authorization',
  'content-type',
  'idempotency-key',
  'x-request-id',
  'x-clarity-csrf',
  'x-clarity-timestamp',
  'x-clarity-nonce',
  'x-clarity-signature',
  'x-firebase-appcheck',
].join(', ');
const exposedHeaders = [
  'x-request-id',
  'location',
  'retry-after',
  'ratelimit',
  'ratelimit-policy',
  'ratelimit-limit',
  'ratelimit-remaining',
  'ratelimit-reset',
].join(', ');
const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CORS with an allowlist. Allowlisted origins get credentials (session cookies) and a cached preflight;
 * a preflight from any other origin is refused with 403, and so is any state-changing request that a
 * browser sends from a foreign origin (a CSRF guard for cookie sessions). Requests without Origin (apps,
 * servers) are unaffected.
 */
export function cors(origins: string[]): RequestHandler {
  const allowed = new Set(origins);
  return (req, res, next) => {
    res.vary('Origin');
    const origin = req.get('origin');
    if (origin === undefined) {
      next();
      return;
    }
    const ok = allowed.has(origin);
    const preflight = req.method === 'OPTIONS' && req.get('access-control-request-method') !== undefined;
    if (!ok) {
      if (preflight || !safeMethods.has(req.method)) {
        next(new ClarityError('permission_denied', 'this origin is not allowed to call the API'));
        return;
      }
      next();
      return;
    }
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    if (preflight) {
      res.setHeader('Access-Control-Allow-Methods', allowedMethods);
      res.setHeader('Access-Control-Allow-Headers', allowedHeaders);
      res.setHeader('Access-Control-Max-Age', '600');
      res.status(204).end();
      return;
    }
    res.setHeader('Access-Control-Expose-Headers', exposedHeaders);
    next();
  };
}

/**
 * 413 before a body is read when it is declared (Content-Length) or already buffered (Cloud Functions'
 * req.rawBody) larger than the route's limit. The upload route has its own, larger limit; chunked bodies
 * without a length are bounded by the route's own parser (rawJsonBody, express.json) as they stream.
 */
export function bodyLimit(opts: { maxJsonBytes: number; maxUploadBytes: number }): RequestHandler {
  return (req, _res, next) => {
    // The emulator-only file route (routes/files.ts) has its own, larger limit, checked by the route.
    if (req.path.startsWith('/v1/health/files/')) {
      next();
      return;
    }
    const limit = req.path === '/v1/health/upload' ? opts.maxUploadBytes : opts.maxJsonBytes;
    const pre = (req as { rawBody?: unknown }).rawBody;
    const declared = Number(req.get('content-length') ?? 0);
    const size = Buffer.isBuffer(pre) ? pre.length : Number.isFinite(declared) ? declared : 0;
    if (size > limit) {
      next(new ClarityError('payload_too_large', `request body is larger than the limit of ${limit} bytes`));
      return;
    }
    next();
  };
}
