/**
 * The PushSender on Firebase Cloud Messaging: firebase-admin's `sendEachForMulticast` (one HTTP v1 request
 * per token; at most 500 tokens per call, push.ts chunks). Tokens FCM reports as not registered or invalid
 * are marked for deletion; every other failure is kept as a code.
 */
import type { Messaging } from 'firebase-admin/messaging';
import type { PushMessage, PushSender, TokenResult } from './push.ts';

/** FCM answers that mean the token itself is dead (delete it, never retry it). */
const deadTokenCodes = new Set([
  'messaging/registration-token-not-registered',
  'messaging/invalid-registration-token',
]);

function isDeadToken(error: { code?: string; message?: string } | undefined): boolean {
  if (!error?.code) return false;
  if (deadTokenCodes.has(error.code)) return true;
  // FCM v1 answers INVALID_ARGUMENT for a malformed token too; only then is the token at fault.
  return error.code === 'messaging/invalid-argument' && /registration token/i.test(error.message ?? '');
}

export function fcmPushSender(messaging: () => Messaging): PushSender {
  return {
    async sendMulticast(tokens: string[], message: PushMessage): Promise<TokenResult[]> {
      const res = await messaging().sendEachForMulticast({
        tokens,
        notification: { title: message.title, body: message.body },
        data: message.data,
        android: { priority: 'high', notification: { tag: message.data.insightId ?? 'insight' } },
        apns: { payload: { aps: { 'thread-id': 'insights' } } },
      });
      return res.responses.map((r, i) => ({
        token: tokens[i] as string,
        ok: r.success,
        unregistered: !r.success && isDeadToken(r.error),
        error: r.success ? null : (r.error?.code ?? 'unknown'),
      }));
    },
  };
}
