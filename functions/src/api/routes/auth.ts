import express, { Router, type Request } from 'express';
import { FieldValue } from 'firebase-admin/firestore';
import { ClarityError } from '@clarity/core';
import { paths } from '../../store/paths.ts';
import { envelope, state, type ApiDeps } from '../context.ts';
import { recordAudit } from '../../platform/audit.ts';
import { requireUser, rolesOf, sessionCookieName } from '../middleware.ts';
import type { profileSchema } from '../schemas.ts';
import { loginBody, parseInput, roles as knownRoles, type Role } from '../schemas.ts';
import type { z } from 'zod';

/** Session cookies last 5 days (Firebase allows 5 minutes to 2 weeks). */
export const sessionCookieSeconds = 5 * 24 * 3600;
/** A session cookie is only minted from a fresh sign-in, so a stolen old ID token cannot mint one. */
const recentSignInSeconds = 5 * 60;

function tokenFrom(req: Request, body: z.infer<typeof loginBody>): string {
  if (body.idToken) return body.idToken;
  const m = /^Bearer\s+([A-Za-z0-9._-]+)$/.exec(req.get('authorization') ?? '');
  if (m?.[1]) return m[1];
  throw new ClarityError(
    'unauthenticated',
    'send the Firebase ID token as body.idToken or Authorization: Bearer',
  );
}

type Profile = z.infer<typeof profileSchema>;

function profileOf(uid: string, d: Record<string, unknown> | undefined): Profile {
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  const consent: Record<string, boolean> = {};
  if (d?.consent && typeof d.consent === 'object') {
    for (const [k, v] of Object.entries(d.consent)) if (typeof v === 'boolean') consent[k] = v;
  }
  return {
    uid,
    locale: str(d?.locale),
    timezone: str(d?.timezone),
    units: d?.units === 'metric' || d?.units === 'imperial' ? d.units : null,
    consent,
    careTeam: Array.isArray(d?.careTeam) ? d.careTeam.filter((x): x is string => typeof x === 'string') : [],
  };
}

/**
 * POST /v1/auth/login: verifies the ID token (revocation checked), creates the profile on first sign-in,
 * refreshes its read-only roles mirror, and returns profile + roles. `{"session": true}` also sets the
 * `__session` cookie (HttpOnly, Secure, SameSite=Strict, Path=/) for web clients.
 */
export function authRoutes(deps: ApiDeps): Router {
  const r = Router();
  r.post('/login', express.json({ limit: 16 * 1024 }), async (req, res) => {
    const s = state(req);
    const body = parseInput(loginBody, req.body ?? {}, 'body');
    const idToken = tokenFrom(req, body);
    let token;
    try {
      token = await deps.auth.verifyIdToken(idToken, true);
    } catch {
      throw new ClarityError('unauthenticated', 'the ID token is invalid, expired or revoked');
    }
    const roles = rolesOf(token).filter((x): x is Role => (knownRoles as readonly string[]).includes(x));
    const ref = deps.db.doc(paths.user(token.uid));
    const profile = await deps.db.runTransaction(async (tx) => {
      const snap = await tx.get(ref);
      const data = snap.data();
      if (!snap.exists) {
        tx.create(ref, {
          locale: null,
          timezone: null,
          units: null,
          consent: {},
          careTeam: [],
          roles,
          createdAt: FieldValue.serverTimestamp(),
        });
      } else if (JSON.stringify(data?.roles) !== JSON.stringify(roles)) {
        tx.update(ref, { roles });
      }
      return profileOf(token.uid, data);
    });
    let session: { cookie: '__session'; expiresInSeconds: number } | null = null;
    if (body.session) {
      if (deps.now() / 1000 - token.auth_time > recentSignInSeconds) {
        throw new ClarityError(
          'unauthenticated',
          'a session cookie needs a sign-in within the last 5 minutes',
        );
      }
      const cookie = await deps.auth.createSessionCookie(idToken, { expiresIn: sessionCookieSeconds * 1000 });
      res.cookie(sessionCookieName, cookie, {
        maxAge: sessionCookieSeconds * 1000,
        httpOnly: true,
        secure: true,
        sameSite: 'strict',
        path: '/',
      });
      session = { cookie: sessionCookieName, expiresInSeconds: sessionCookieSeconds };
    }
    s.log.info('auth.login', { uid: token.uid, session: session !== null });
    res.json(envelope({ profile, roles, session }, s.requestId));
  });

  /**
   * POST /v1/auth/logout (bearer token, or the session cookie with X-Clarity-CSRF): revokes the caller's
   * refresh tokens (every session cookie and ID token of theirs stops working, on every device) and clears
   * the cookie. Audited.
   */
  r.post('/logout', requireUser(deps), async (req, res) => {
    const s = state(req);
    const uid = s.caller?.uid;
    if (!uid) throw new ClarityError('unauthenticated', 'sign-in required');
    await deps.auth.revokeRefreshTokens(uid);
    res.clearCookie(sessionCookieName, { httpOnly: true, secure: true, sameSite: 'strict', path: '/' });
    await recordAudit(deps.db, {
      actorUid: uid,
      actorRoles: s.caller?.roles ?? [],
      action: 'auth.logout',
      targetUid: uid,
      resource: paths.user(uid),
      requestId: s.requestId,
      details: { tokensRevoked: true },
    });
    s.log.info('auth.logout', { uid });
    res.json(envelope({ loggedOut: true }, s.requestId));
  });
  return r;
}
