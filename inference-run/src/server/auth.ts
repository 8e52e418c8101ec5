/**
 * Optional Google ID-token check for Cloud Run IAM-style callers: RS256 JWTs verified (with jose) against a
 * JWKS — a local file of keys, or a URL such as https://www.googleapis.com/oauth2/v3/certs fetched and cached
 * by jose — plus issuer, audience, expiry (60 s clock skew) and, when configured, the caller's email.
 */
import { readFile } from 'node:fs/promises';
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { ClarityError } from '@clarity/core';

export interface AuthConfig {
  audience: string;
  /** Path to a JWKS JSON file, or an https?:// URL. */
  jwks: string;
  issuers?: string[];
  allowedEmails?: string[];
}

export type TokenVerifier = (
  authorization: string | undefined,
) => Promise<{ subject: string; email?: string }>;

export async function createVerifier(config: AuthConfig): Promise<TokenVerifier> {
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
    if (
      config.allowedEmails &&
      (!email || payload.email_verified === false || !config.allowedEmails.includes(email))
    ) {
      throw new ClarityError('permission_denied', 'caller is not allowed to invoke this service');
    }
    return { subject: payload.sub ?? '', email };
  };
}
