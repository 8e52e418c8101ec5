/**
 * The PushSender's local adapter, for the emulators only (there is no FCM emulator): it POSTs each multicast
 * as JSON to a loopback URL (the push sink a test or `npm run demo` starts) and takes the sink's per-token
 * answer, so the whole deliver path, token clean-up included, runs end to end on one machine. Production
 * uses push-fcm.ts; delivery/emulator-sinks.ts decides which.
 */
import type { PushMessage, PushSender, TokenResult } from './push.ts';

/** What the sink answers: one entry per token; `error: "UNREGISTERED"` marks a dead token. */
interface SinkAnswer {
  results: { token: string; ok: boolean; error?: string }[];
}

export function localPushSender(url: string, timeoutMs = 5_000): PushSender {
  const target = new URL(url);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname)) {
    throw new Error('the local push adapter only posts to a loopback address');
  }
  return {
    async sendMulticast(tokens: string[], message: PushMessage): Promise<TokenResult[]> {
      const res = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          tokens,
          notification: { title: message.title, body: message.body },
          data: message.data,
        }),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
      if (!res.ok) throw new Error(`push sink answered ${res.status}`);
      const answer = (await res.json()) as SinkAnswer;
      const byToken = new Map(answer.results.map((r) => [r.token, r]));
      return tokens.map((token) => {
        const r = byToken.get(token);
        const error = r ? (r.ok ? null : (r.error ?? 'UNKNOWN')) : 'NO_ANSWER';
        return { token, ok: r?.ok === true, unregistered: error === 'UNREGISTERED', error };
      });
    },
  };
}
