/**
 * The push channel: one task per insight (deterministic id), sending one localised notification to every
 * registered device of the user through a PushSender (FCM in production, push-fcm.ts; a local adapter on the
 * emulators, push-local.ts), in chunks of at most 500 tokens (FCM's multicast limit). Tokens the sender
 * reports as unregistered or invalid are deleted from users/{uid}/devices. The outcome goes to the job
 * document (`delivery.push`), where the app's listener sees it. The notification carries no health value
 * unless the user opted in, and no log line carries one either way.
 */
import { FieldValue, type Firestore } from 'firebase-admin/firestore';
import { fill } from '@clarity/core';
import type { Logger } from '../platform/logger.ts';
import { paths } from '../store/paths.ts';
import { insightLink, words } from './notification-text.ts';
import type { NotificationPrefs } from './preferences.ts';
import { readPrefs } from './preferences.ts';

/** FCM's limit of tokens per multicast request. */
export const maxTokensPerMulticast = 500;

export interface PushMessage {
  title: string;
  body: string;
  /** Data payload (strings only, as FCM requires): the deep link and ids, never health values. */
  data: Record<string, string>;
}

export interface TokenResult {
  token: string;
  ok: boolean;
  /** FCM says the token is gone or malformed: delete it. */
  unregistered: boolean;
  /** Error code (e.g. messaging/registration-token-not-registered); null when sent. */
  error: string | null;
}

/** Sends one message to at most `maxTokensPerMulticast` tokens; one result per token, in order. */
export interface PushSender {
  sendMulticast(tokens: string[], message: PushMessage): Promise<TokenResult[]>;
}

export interface PushTask {
  uid: string;
  jobId: string;
  insightId: string;
}

export interface PushDeps {
  db: Firestore;
  log: Logger;
  sender: PushSender;
}

/** The notification for one insight in the user's locale; health values only with the opt-in. */
export function pushMessage(
  prefs: Pick<NotificationPrefs, 'locale' | 'pushHealthValues'>,
  insightId: string,
  figures: Record<string, unknown>,
): PushMessage {
  const w = words[prefs.locale];
  let body = w.pushBody;
  const sleep = figures['sleep.meanTotalSleepMinutes'];
  if (prefs.pushHealthValues && typeof sleep === 'number' && Number.isFinite(sleep)) {
    const m = Math.round(sleep);
    body += ` · ${fill(w.pushSleep, { hours: Math.floor(m / 60), minutes: m % 60 })}`;
  }
  return {
    title: w.pushTitle,
    body,
    data: { type: 'insight.created', insightId, link: insightLink(insightId) },
  };
}

/** Sends to every token, `maxTokensPerMulticast` at a time. */
export async function sendToAll(
  sender: PushSender,
  tokens: string[],
  message: PushMessage,
): Promise<TokenResult[]> {
  const out: TokenResult[] = [];
  for (let i = 0; i < tokens.length; i += maxTokensPerMulticast) {
    out.push(...(await sender.sendMulticast(tokens.slice(i, i + maxTokensPerMulticast), message)));
  }
  return out;
}

export interface PushOutcome {
  status: 'sent' | 'partial' | 'failed' | 'no_devices' | 'off';
  tokens: number;
  sent: number;
  failed: number;
  removed: number;
}

/**
 * The task's handler. Idempotent: a push already recorded as sent for this job is not sent again. Throws
 * (the platform retries the task) only when no token could be reached for a reason other than the token.
 */
export async function deliverPush(deps: PushDeps, task: PushTask): Promise<PushOutcome> {
  const { db, log } = deps;
  const { uid, jobId, insightId } = task;
  const jobRef = db.doc(paths.job(uid, jobId));
  const job = await jobRef.get();
  const done = job.get('delivery.push.status') as string | undefined;
  if (done === 'sent' || done === 'partial') {
    log.info('push.skipped', { reason: 'already sent' });
    return job.get('delivery.push') as PushOutcome;
  }
  const [prefs, insight, devices] = await Promise.all([
    readPrefs(db, uid),
    db.doc(paths.insight(uid, insightId)).get(),
    db.collection(paths.devices(uid)).get(),
  ]);
  const tokens = devices.docs.map((d) => d.id);
  let outcome: PushOutcome;
  if (!prefs.channels.push) outcome = { status: 'off', tokens: 0, sent: 0, failed: 0, removed: 0 };
  else if (tokens.length === 0) outcome = { status: 'no_devices', tokens: 0, sent: 0, failed: 0, removed: 0 };
  else {
    const message = pushMessage(prefs, insightId, (insight.get('figures') ?? {}) as Record<string, unknown>);
    const results = await sendToAll(deps.sender, tokens, message);
    const gone = results.filter((r) => r.unregistered).map((r) => r.token);
    for (let i = 0; i < gone.length; i += 400) {
      const batch = db.batch();
      for (const t of gone.slice(i, i + 400)) batch.delete(db.doc(paths.device(uid, t)));
      await batch.commit();
    }
    const sent = results.filter((r) => r.ok).length;
    const failed = results.length - sent;
    outcome = {
      status: sent === results.length ? 'sent' : sent > 0 ? 'partial' : 'failed',
      tokens: tokens.length,
      sent,
      failed,
      removed: gone.length,
    };
    // Codes only: a token is an identifier of a device, an error code says nothing about health.
    const codes = [...new Set(results.filter((r) => !r.ok).map((r) => r.error ?? 'unknown'))];
    log.info('push.sent', { ...outcome, errors: codes });
  }
  await jobRef.update({
    'delivery.push': { ...outcome, at: FieldValue.serverTimestamp() },
    updatedAt: FieldValue.serverTimestamp(),
  });
  if (outcome.status === 'failed' && outcome.removed < outcome.tokens) {
    throw new Error(`push failed for all ${outcome.tokens} tokens (${outcome.removed} removed); retrying`);
  }
  return outcome;
}
