/**
 * Standard Webhooks (standardwebhooks.com) signatures for outbound webhooks:
 *   webhook-id         the message id, the same on every attempt of one message (receivers dedupe on it);
 *   webhook-timestamp  Unix seconds of this attempt;
 *   webhook-signature  space-separated `v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`, one per
 *                      valid secret (two during a rotation's overlap, so a receiver with either verifies).
 * A secret is `whsec_` + base64 of the key bytes (24 random bytes here; the spec allows 24-64).
 */
import { createHmac, randomBytes } from 'node:crypto';

export const secretPrefix = 'whsec_';

export function newWebhookSecret(): string {
  return `${secretPrefix}${randomBytes(24).toString('base64')}`;
}

export function secretKey(secret: string): Buffer {
  if (!secret.startsWith(secretPrefix)) throw new Error('a webhook secret starts with whsec_');
  const key = Buffer.from(secret.slice(secretPrefix.length), 'base64');
  if (key.length < 24 || key.length > 64) throw new Error('a webhook secret holds 24 to 64 bytes');
  return key;
}

export function signature(secret: string, msgId: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secretKey(secret))
    .update(`${msgId}.${timestampSeconds}.${body}`)
    .digest('base64');
  return `v1,${mac}`;
}

/** The three headers of one attempt, signed with every secret given (current first). */
export function signedHeaders(
  secrets: string[],
  msgId: string,
  timestampSeconds: number,
  body: string,
): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  if (secrets.length === 0) throw new Error('no webhook secret to sign with');
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': secrets.map((s) => signature(s, msgId, timestampSeconds, body)).join(' '),
  };
}
