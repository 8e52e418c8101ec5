/**
 * Signed unsubscribe tokens for the link in every email: `payload.signature`, the payload naming the user
 * and the channel, the signature an HMAC-SHA256 under a key derived from the server's master secret
 * (SIGNING_SECRET), so a token cannot be forged or turned into another user's. It does not expire: an
 * unsubscribe link must keep working.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const version = 'clarity-unsubscribe-v1';

function key(masterSecret: string): Buffer {
  return createHmac('sha256', masterSecret).update(version).digest();
}

function sign(masterSecret: string, payload: string): string {
  return createHmac('sha256', key(masterSecret)).update(payload).digest('base64url');
}

export function unsubscribeToken(masterSecret: string, uid: string, channel: 'email' = 'email'): string {
  const payload = Buffer.from(JSON.stringify({ u: uid, c: channel })).toString('base64url');
  return `${payload}.${sign(masterSecret, payload)}`;
}

/** The uid and channel of a valid token; null for anything else (malformed, tampered, other key). */
export function verifyUnsubscribeToken(
  masterSecret: string,
  token: string,
): { uid: string; channel: 'email' } | null {
  const m = /^([A-Za-z0-9_-]{1,400})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) return null;
  const [, payload, sig] = m as unknown as [string, string, string];
  const want = Buffer.from(sign(masterSecret, payload));
  if (want.length !== sig.length || !timingSafeEqual(want, Buffer.from(sig))) return null;
  try {
    const p = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { u?: unknown; c?: unknown };
    return typeof p.u === 'string' && p.c === 'email' ? { uid: p.u, channel: 'email' } : null;
  } catch {
    return null;
  }
}
