/**
 * Google ID-token check for Cloud Run IAM-style callers: RS256 JWTs verified (with jose) against a JWKS — a
 * local file of keys, or a URL such as https://www.googleapis.com/oauth2/v3/certs fetched and cached by
 * jose — plus issuer, audience, expiry (60 s clock skew) AND the caller's verified email, which must be one
 * of `allowedEmails` (both are required: an audience alone admits any Google-signed token minted for it,
 * by anyone's service account).
 */
import { readFile } from 'node:fs/promises';
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { ClarityError } from '@clarity/core';

export interface AuthConfig {
  audience: string;
  /** Path to a JWKS JSON file, or an https?:// URL. */
  jwks: string;
  issuers?: string[];
  /** The callers allowed (service-account emails); required, at least one. */
  allowedEmails?: string[];
}

export type TokenVerifier = (
  authorization: string | undefined,
) => Promise<{ subject: string; email?: string }>;

export async function createVerifier(config: AuthConfig): Promise<TokenVerifier> {
  if (!config.audience) throw new Error('auth: an audience (the service URL) is required');
  const allowed = (config.allowedEmails ?? []).filter((e) => e.length > 0);
  if (allowed.length === 0) {
    throw new Error('auth: at least one allowed caller (service-account email, --auth-email) is required');
  }
  const keys = /^https?:\/\//.test(config.jwks)
    ? createRemoteJWKSet(new URL(config.jwks))
    : createLocalJWKSet(JSON.parse(await readFile(config.jwks, 'utf8')) as JSONWebKeySet);
  const issuers = config.issuers ?? ['https://accounts.google.com', 'accounts.google.com'];
  return async (authorization) => {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!m?.[1]) throw new ClarityError('unauthenticated', 'missing bearer token');
    let payload;
    try {
      ({ payload } = await jwtVerify(m[1], keys, {
        algorithms: ['RS256'],
        audience: config.audience,
        issuer: issuers,
        clockTolerance: 60,
      }));
    } catch {
      // jose's reason (expired, bad signature, wrong audience) is logged by nobody: it could help an attacker.
      throw new ClarityError('unauthenticated', 'invalid or expired ID token');
    }
    const email = typeof payload.email === 'string' ? payload.email : undefined;
    if (!email || payload.email_verified !== true || !allowed.includes(email)) {
      throw new ClarityError('permission_denied', 'caller is not allowed to invoke this service');
    }
    return { subject: payload.sub ?? '', email };
  };
}
