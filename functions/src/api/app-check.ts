/**
 * Firebase App Check on the API (APP_CHECK_ENFORCE): when on, every request except the liveness check,
 * the OpenAPI document and CORS preflights must carry an `X-Firebase-AppCheck` token that the Admin SDK
 * verifies (`getAppCheck().verifyToken`), so scripts that never ran the real app (or a debug build with a
 * registered debug token) get 401 before they reach a route. Off by default: turn it on once the apps
 * send the token (Firebase App Check SDK; a debug provider on emulators and in CI).
 */
import type { RequestHandler } from 'express';
import { ClarityError } from '@clarity/core';

export interface AppCheckVerifier {
  /** Resolves when the token is a valid App Check token of this project; rejects otherwise. */
  verify(token: string): Promise<void>;
}

export const appCheckHeader = 'x-firebase-appcheck';

/** Requests that need no App Check token: a platform's liveness probe and the API's own description. */
const exempt = (method: string, path: string) =>
  method === 'OPTIONS' || path === '/v1/system/health' || path === '/v1/openapi.json';

export function requireAppCheck(verifier: AppCheckVerifier | undefined): RequestHandler {
  return (req, _res, next) => {
    if (!verifier || exempt(req.method, req.path)) {
      next();
      return;
    }
    const token = req.get(appCheckHeader);
    if (!token) {
      next(new ClarityError('unauthenticated', 'an App Check token (X-Firebase-AppCheck) is required'));
      return;
    }
    verifier.verify(token).then(
      () => next(),
      () => next(new ClarityError('unauthenticated', 'the App Check token is not valid')),
    );
  };
}
