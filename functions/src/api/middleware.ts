import { randomUUID } from 'node:crypto';
import express, {
  type ErrorRequestHandler,
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import { ClarityError } from '@clarity/core';
import { errorBody } from '../platform/errors.ts';
import { captureError } from '../platform/sentry.ts';
import { rateLimitMiddleware } from './rate-limit.ts';
import { setState, state, type ApiDeps, type Caller } from './context.ts';

/** A caller-supplied X-Request-Id is kept (so app and backend logs line up) if it looks like an id. */
export function requestContext(deps: ApiDeps): RequestHandler {
  return (req, res, next) => {
    const given = req.get('x-request-id');
    const requestId = given && /^[\w-]{8,64}$/.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', requestId);
    setState(req, { requestId, log: deps.log.child({ requestId, correlationId: requestId }) });
    next();
  };
}

/**
 * Verifies `Authorization: Bearer <Firebase ID token>`, or, when there is no Authorization header, the
 * `__session` cookie that POST /v1/auth/login sets for web clients (verifySessionCookie). 401 on a missing,
 * malformed or bad credential.
 *
 * CSRF: the cookie is SameSite=Strict (browsers do not send it on cross-site requests), and a request
 * authenticated by the cookie that is not GET/HEAD must also carry `X-Clarity-CSRF` (any non-empty value):
 * a cross-origin page cannot add a custom header without a CORS preflight, which the allowlist refuses.
 * Bearer-token requests need neither (a browser never attaches a bearer token by itself).
 */
export function requireUser(deps: ApiDeps): RequestHandler {
  // Per-user (and users' pool) rate limit: it needs the caller, so it runs right after verification. A
  // request whose credential fails is anonymous: it is limited per client address before its 401, so
  // guessing tokens or cookies is as limited as any anonymous traffic.
  const limit = rateLimitMiddleware(deps.security?.rateLimiter);
  const refuse =
    (req: Request, res: Response, next: NextFunction) =>
    (message: string): void => {
      limit(req, res, (err?: unknown) => {
        next(err ?? new ClarityError('unauthenticated', message));
      });
    };
  return (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization');
    const m = header ? /^Bearer\s+([A-Za-z0-9._-]+)$/.exec(header) : null;
    const cookie = header === undefined ? sessionCookieOf(req) : undefined;
    if (cookie !== undefined) {
      if (!['GET', 'HEAD'].includes(req.method) && !req.get('x-clarity-csrf')) {
        next(
          new ClarityError(
            'permission_denied',
            'requests authenticated by the session cookie must send the X-Clarity-CSRF header',
          ),
        );
        return;
      }
      deps.auth.verifySessionCookie(cookie, true).then(
        (token) => {
          state(req).caller = callerFromToken(token);
          limit(req, res, next);
        },
        () => refuse(req, res, next)('the session cookie is invalid, expired or revoked'),
      );
      return;
    }
    if (!m?.[1]) {
      refuse(
        req,
        res,
        next,
      )('missing or malformed Authorization header: expected "Bearer <Firebase ID token>"');
      return;
    }
    deps.auth.verifyIdToken(m[1], true).then(
      (token) => {
        state(req).caller = callerFromToken(token);
        limit(req, res, next);
      },
      () => refuse(req, res, next)('the ID token is invalid, expired or revoked'),
    );
  };
}

/** The caller a verified ID token or session cookie describes. */
export function callerFromToken(token: {
  uid: string;
  auth_time?: number;
  firebase?: { sign_in_second_factor?: string };
}): Caller {
  const factor = token.firebase?.sign_in_second_factor;
  return {
    uid: token.uid,
    roles: rolesOf(token),
    authTime: token.auth_time,
    ...(typeof factor === 'string' && factor.length > 0 ? { secondFactor: factor } : {}),
  };
}

/** The `roles` custom claim (strings only); a token without it is a plain user. */
export function rolesOf(token: object): string[] {
  const claim: unknown = (token as { roles?: unknown }).roles;
  const roles = Array.isArray(claim)
    ? (claim as unknown[]).filter((r): r is string => typeof r === 'string')
    : [];
  return roles.length > 0 ? roles : ['user'];
}

/** `__session` is the only cookie Firebase Hosting forwards to functions. */
export const sessionCookieName = '__session';

/** The `__session` cookie's value, if the request carries one in an acceptable shape. */
export function sessionCookieOf(req: Request): string | undefined {
  const header = req.get('cookie');
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === sessionCookieName) {
      const v = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9._-]{1,4096}$/.test(v) ? v : undefined;
    }
  }
  return undefined;
}

/** 415 unless the body is JSON (checked before the body is read). */
export function requireJson(...others: string[]): RequestHandler {
  return (req, _res, next) => {
    if (!req.is(['application/json', ...others])) {
      next(
        new ClarityError(
          'unsupported_media_type',
          `Content-Type must be ${['application/json', ...others].join(' or ')}`,
        ),
      );
      return;
    }
    next();
  };
}

/** Maps body-parser and our own errors to the one error shape; logs without bodies or stacks. */
export function errorHandler(): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const s = state(req);
    let e = err;
    const type = (err as { type?: string }).type;
    if (type === 'entity.too.large')
      e = new ClarityError('payload_too_large', 'request body is larger than the upload limit');
    else if (type === 'entity.parse.failed')
      e = new ClarityError('parse_error', 'request body is not valid JSON');
    else if (type === 'encoding.unsupported' || type === 'charset.unsupported')
      e = new ClarityError('unsupported_media_type', 'request body must be UTF-8 JSON');
    const { status, body } = errorBody(e, s.requestId);
    if (res.headersSent) {
      // A streamed response failed after its first byte (api/streaming.ts): no error body can follow, so
      // the connection is cut and the client sees a truncated body, never a complete-looking one.
      s.log.error('api.error', { status, errorName: (err as Error).name, path: req.path, streamed: true });
      captureError(err, { requestId: s.requestId, path: req.path });
      res.destroy();
      return;
    }
    if (status >= 500) {
      s.log.error('api.error', { status, errorName: (err as Error).name, path: req.path });
      captureError(err, { requestId: s.requestId, path: req.path });
    } else s.log.info('api.rejected', { status, code: body.error.code, path: req.path });
    res.status(status).json(body);
  };
}

/**
 * The exact bytes of a JSON body, with a size limit (413). Cloud Functions (and its emulator) have already
 * read the body and expose it as `req.rawBody`; a plain Express server (tests, local tools) reads it here.
 * We hash and keep the raw bytes, so we never re-serialise a parsed body.
 */
export function rawJsonBody(limit: number): RequestHandler {
  const reader = express.raw({ type: () => true, limit });
  return (req, res, next) => {
    const pre = (req as Request & { rawBody?: unknown }).rawBody;
    if (Buffer.isBuffer(pre)) {
      if (pre.length > limit) {
        next(
          new ClarityError(
            'payload_too_large',
            `request body is larger than the upload limit of ${limit} bytes`,
          ),
        );
        return;
      }
      setRawBody(req, pre);
      next();
      return;
    }
    reader(req, res, (err?: unknown) => {
      if (err) {
        next(err);
        return;
      }
      setRawBody(req, Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
      next();
    });
  };
}

function setRawBody(req: Request, body: Buffer): void {
  (req as Request & { clarityRawBody: Buffer }).clarityRawBody = body;
}

export function rawBodyOf(req: Request): Buffer {
  return (req as Request & { clarityRawBody?: Buffer }).clarityRawBody ?? Buffer.alloc(0);
}
