/**
 * HMAC request signing for sensitive operations (account export and deletion, care-team changes): a second factor
 * on top of the ID token, so a leaked bearer token alone cannot destroy data.
 *
 * Key: per user, derived server-side as HMAC-SHA256(SIGNING_SECRET, "clarity-signing-v1" NUL uid NUL version)
 * and never stored. POST /v1/security/signing-key returns it (the app keeps it in the keychain) only to an
 * ID token from a sign-in in the last 5 minutes; asking again (again right after a sign-in) rotates the key
 * (version + 1, the old key stops working) and notifies the owner. We chose per-user derived keys over one shared app secret:
 * an app secret can be extracted from any installed app and then signs for everyone; a derived key is
 * bound to one user, can be rotated per user, and the server stores only a version number.
 *
 * Signature: headers X-Clarity-Timestamp (unix seconds), X-Clarity-Nonce (16-64 of [A-Za-z0-9_-]) and
 * X-Clarity-Signature = hex HMAC-SHA256(key, METHOD "\n" PATH "\n" TIMESTAMP "\n" NONCE "\n" hex SHA-256(body)),
 * PATH being the request path with its query string as sent (e.g. /v1/account). The timestamp must be within
 * SIGNATURE_MAX_SKEW_SECONDS of server time; the nonce is stored (create-if-absent, per user, with an
 * `expiresAt` for a TTL policy) so a replay within the window is refused; outside it the timestamp is.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import express, { Router, type Request, type RequestHandler } from 'express';
import { FieldValue, Timestamp } from 'firebase-admin/firestore';
import { ClarityError } from '@clarity/core';
import { emitEvent } from '../delivery/webhooks.ts';
import { recordAudit } from '../platform/audit.ts';
import { collections, paths } from '../store/paths.ts';
import { envelope, state, type ApiDeps } from './context.ts';
import { requireUser } from './middleware.ts';
import { defaultSecurity } from './security.ts';

export const signingKeysCollection = collections.signingKeys;
export const nonceCollection = collections.signatureNonces;
const recentSignInSeconds = 5 * 60;

export const signatureHeaders = {
  timestamp: 'x-clarity-timestamp',
  nonce: 'x-clarity-nonce',
  signature: 'x-clarity-signature',
} as const;

/**
 * The master secret to use, from the SIGNING_SECRET value: none when empty; the committed demo value of
 * functions/.secret.local (it starts with "demo-") only on the emulators, refused anywhere else.
 */
export function signingSecretFor(value: string, isEmulator: boolean): string | undefined {
  if (!value) return undefined;
  if (value.startsWith('demo-') && !isEmulator) {
    throw new Error(
      'SIGNING_SECRET is the committed demo value (functions/.secret.local), which only the emulators may use: set a real one with `firebase functions:secrets:set SIGNING_SECRET`',
    );
  }
  return value;
}

/** The per-user signing key (base64url), derived from the master secret. */
export function deriveSigningKey(masterSecret: string, uid: string, version: number): string {
  return createHmac('sha256', masterSecret)
    .update(`clarity-signing-v1\u0000${uid}\u0000${version}`)
    .digest('base64url');
}

/** The exact string that is signed. */
export function canonicalRequest(
  method: string,
  path: string,
  timestamp: string,
  nonce: string,
  body: Uint8Array | string,
): string {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return `${method.toUpperCase()}\n${path}\n${timestamp}\n${nonce}\n${bodyHash}`;
}

/**
 * Client helper: the headers that sign one request. Apps implement the same few lines (documented in
 * README-security.md); tests use this one.
 */
export function signRequest(opts: {
  key: string;
  method: string;
  path: string;
  body?: Uint8Array | string;
  nowMs?: number;
  nonce?: string;
}): Record<string, string> {
  const timestamp = String(Math.floor((opts.nowMs ?? Date.now()) / 1000));
  const nonce = opts.nonce ?? randomBytes(18).toString('base64url');
  const signature = createHmac('sha256', opts.key)
    .update(canonicalRequest(opts.method, opts.path, timestamp, nonce, opts.body ?? ''))
    .digest('hex');
  return {
    [signatureHeaders.timestamp]: timestamp,
    [signatureHeaders.nonce]: nonce,
    [signatureHeaders.signature]: signature,
  };
}

function securityOf(deps: ApiDeps) {
  return deps.security ?? defaultSecurity;
}

async function keyVersion(deps: ApiDeps, uid: string): Promise<number | undefined> {
  const snap = await deps.db.collection(signingKeysCollection).doc(uid).get();
  const v = snap.get('version') as unknown;
  return typeof v === 'number' ? v : undefined;
}

/**
 * The raw body the signature covers. Cloud Functions has already buffered it (req.rawBody); rawJsonBody
 * keeps it for the upload route; otherwise it is read here (bounded) and, for JSON, parsed into req.body
 * so a later express.json() has nothing left to do.
 */
function readBody(req: Request, limit: number): Promise<Buffer> {
  const kept =
    (req as Request & { clarityRawBody?: unknown }).clarityRawBody ??
    (req as Request & { rawBody?: unknown }).rawBody;
  if (Buffer.isBuffer(kept)) return Promise.resolve(kept);
  return new Promise((resolve, reject) => {
    express.raw({ type: () => true, limit })(req, {} as never, (err?: unknown) => {
      if (err) {
        reject(err instanceof Error ? err : new Error('body read failed'));
        return;
      }
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      (req as Request & { clarityRawBody: Buffer }).clarityRawBody = raw;
      if (raw.length === 0) req.body = undefined;
      else if (req.is('application/json')) {
        try {
          req.body = JSON.parse(raw.toString('utf8')) as unknown;
        } catch {
          reject(new ClarityError('parse_error', 'request body is not valid JSON'));
          return;
        }
      }
      resolve(raw);
    });
  });
}

function unauthenticated(message: string): ClarityError {
  return new ClarityError('unauthenticated', message);
}

/**
 * Middleware for signed routes; put it after requireUser (it needs the caller). 401 for a missing,
 * malformed or wrong signature, a timestamp outside the allowed skew, or a reused nonce.
 */
export function requireSignedRequest(deps: ApiDeps): RequestHandler {
  return (req, _res, next) => {
    verify(deps, req).then(
      () => next(),
      (e: unknown) => next(e),
    );
  };
}

async function verify(deps: ApiDeps, req: Request): Promise<void> {
  const s = state(req);
  const uid = s.caller?.uid;
  if (!uid) throw unauthenticated('sign-in required');
  const sec = securityOf(deps);
  if (!sec.signingSecret) throw new ClarityError('unavailable', 'request signing is not configured');
  const timestamp = req.get(signatureHeaders.timestamp);
  const nonce = req.get(signatureHeaders.nonce);
  const signature = req.get(signatureHeaders.signature);
  if (timestamp === undefined || nonce === undefined || signature === undefined) {
    throw unauthenticated(
      'this operation must be signed: X-Clarity-Timestamp, X-Clarity-Nonce and X-Clarity-Signature are required',
    );
  }
  if (!/^\d{1,12}$/.test(timestamp)) throw unauthenticated('X-Clarity-Timestamp must be unix seconds');
  if (!/^[A-Za-z0-9_-]{16,64}$/.test(nonce)) {
    throw unauthenticated('X-Clarity-Nonce must be 16-64 characters of [A-Za-z0-9_-]');
  }
  if (!/^[0-9a-f]{64}$/.test(signature)) {
    throw unauthenticated('X-Clarity-Signature must be 64 lowercase hex digits');
  }
  const skew = Math.abs(deps.now() / 1000 - Number(timestamp));
  if (skew > sec.signatureMaxSkewSeconds) {
    throw unauthenticated(
      `the signature timestamp is outside the allowed ${sec.signatureMaxSkewSeconds} s; check the device clock`,
    );
  }
  const [body, version] = await Promise.all([readBody(req, sec.maxJsonBytes), keyVersion(deps, uid)]);
  if (version === undefined) {
    throw unauthenticated('no signing key has been issued: POST /v1/security/signing-key first');
  }
  const key = deriveSigningKey(sec.signingSecret, uid, version);
  const expected = createHmac('sha256', key)
    .update(canonicalRequest(req.method, req.originalUrl, timestamp, nonce, body))
    .digest();
  if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) {
    s.log.warn('api.signature_invalid', { path: req.path });
    throw unauthenticated('the request signature does not match');
  }
  try {
    await deps.db
      .collection(nonceCollection)
      .doc(`${uid}_${nonce}`)
      .create({
        uid,
        expiresAt: Timestamp.fromMillis(deps.now() + 2 * sec.signatureMaxSkewSeconds * 1000),
      });
  } catch (e) {
    if ((e as { code?: number }).code === 6) {
      s.log.warn('api.signature_replayed', { path: req.path });
      throw unauthenticated('this signed request has already been used (replay)');
    }
    throw e;
  }
}

/** Where the owner hears of a rotation: every webhook endpoint subscribed to it (delivery/webhooks.ts). */
async function notifyRotation(deps: ApiDeps, req: Request, uid: string, version: number): Promise<void> {
  if (!deps.webhooks) return;
  try {
    await emitEvent(deps.webhooks, {
      uid,
      type: 'signing_key.rotated',
      subjectId: `v${version}`,
      data: { version, rotatedAt: new Date(deps.now()).toISOString() },
    });
  } catch (e) {
    // The rotation stands (the audit entry records it); a lost notice must not make the owner retry and
    // rotate again.
    state(req).log.error('security.signing_key_notice_failed', { version, error: (e as Error).message });
  }
}

/**
 * POST /v1/security/signing-key: issue (the first time) or rotate the caller's key. Both need a sign-in in
 * the last 5 minutes (the token's auth_time), so a bearer token alone, which lives an hour and may have
 * leaked, can neither get the key nor replace it; both are audited, and a rotation is announced to the
 * owner as a `signing_key.rotated` delivery event.
 */
export function signingRoutes(deps: ApiDeps): Router {
  const r = Router();
  r.post('/signing-key', requireUser(deps), async (req, res) => {
    const s = state(req);
    const caller = s.caller;
    if (!caller) throw unauthenticated('sign-in required');
    const sec = securityOf(deps);
    if (!sec.signingSecret) throw new ClarityError('unavailable', 'request signing is not configured');
    const recent =
      caller.authTime !== undefined && deps.now() / 1000 - caller.authTime <= recentSignInSeconds;
    if (!recent) {
      throw unauthenticated(
        'the signing key is issued or rotated only right after a sign-in: sign in again (within 5 minutes) and retry',
      );
    }
    const ref = deps.db.collection(signingKeysCollection).doc(caller.uid);
    const version = await deps.db.runTransaction(async (tx) => {
      const snap = await tx.get(ref);
      const current = snap.get('version') as number | undefined;
      const next = (current ?? 0) + 1;
      tx.set(ref, { version: next, issuedAt: FieldValue.serverTimestamp() });
      return next;
    });
    const rotated = version > 1;
    await recordAudit(deps.db, {
      actorUid: caller.uid,
      actorRoles: caller.roles,
      action: rotated ? 'security.signing_key.rotate' : 'security.signing_key.issue',
      targetUid: caller.uid,
      resource: paths.signingKey(caller.uid),
      requestId: s.requestId,
      details: { version },
    });
    if (rotated) await notifyRotation(deps, req, caller.uid, version);
    s.log.info('security.signing_key_issued', { version, rotated });
    res.status(201).json(
      envelope(
        {
          key: deriveSigningKey(sec.signingSecret, caller.uid, version),
          version,
          algorithm: 'HMAC-SHA256',
          headers: ['X-Clarity-Timestamp', 'X-Clarity-Nonce', 'X-Clarity-Signature'],
        },
        s.requestId,
      ),
    );
  });
  return r;
}
