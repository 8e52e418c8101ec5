/**
 * Deliver stage: the insight exists, so the job is complete; fan out to the user's channels as their
 * notification preferences say (delivery/preferences.ts: channels on/off, quiet hours in the user's zone,
 * locale). Each channel is its own idempotent unit of work with a deterministic id (push: a task per
 * insight; email: a `mail` document and its task; webhooks: a message per event and a delivery + attempt
 * task per endpoint), so a redelivered event duplicates nothing and one channel's failure never blocks or
 * repeats another. Each channel's outcome is written to the job document as it happens
 * (`delivery.{listener,push,email,webhook}`), where the app's listener shows it live.
 *
 * The app's listener on the insights collection is always a channel (it has the insight already).
 */
import type { Firestore } from 'firebase-admin/firestore';
import { FieldValue } from 'firebase-admin/firestore';
import type { InsightDoc } from '@clarity/core';
import type { FlagSource } from '../platform/flags.ts';
import type { Logger } from '../platform/logger.ts';
import { errorText } from '../platform/errors.ts';
import { emitEvent, type WebhookDeps } from '../delivery/webhooks.ts';
import { fanOutChannels, type ChannelDeps } from '../delivery/channels.ts';
import { readPrefs } from '../delivery/preferences.ts';
import { paths } from '../store/paths.ts';
import { inSpan } from '../platform/tracing.ts';
import type { StageOutcome } from './analyze.ts';
import { claimStageFor, finishStage } from './jobs.ts';

export interface DeliverDeps {
  db: Firestore;
  log: Logger;
  now: () => number;
  /** Feature flags per user (delivery_push_enabled, delivery_webhook_enabled); absent: in-code defaults. */
  flags?: FlagSource;
  /** Webhook delivery; without it (older tests, tools) webhooks are recorded as not configured. */
  webhooks?: WebhookDeps;
  /** Push and email queues; without them (older tests, tools) those channels are not recorded. */
  channels?: ChannelDeps;
}

/** What an insight.created event carries: ids and the summary numbers, never samples or text. */
export function insightEventData(insightId: string, insight: Partial<InsightDoc>): Record<string, unknown> {
  return {
    insightId,
    jobId: insight.jobId ?? null,
    analysisId: insight.analysisId ?? null,
    locale: insight.locale ?? null,
    generator: insight.generator ?? null,
    confidence: insight.confidence ?? null,
    figures: insight.figures ?? {},
  };
}

export async function deliverInsight(
  input: { uid: string; insightId: string },
  deps: DeliverDeps,
): Promise<StageOutcome> {
  const { uid, insightId } = input;
  const jobId = insightId;
  const claim = await claimStageFor(deps, uid, jobId, 'deliver');
  if (claim.kind === 'skipped') return claim;
  const { log } = claim;
  const jobRef = deps.db.doc(paths.job(uid, jobId));
  const [insightSnap, webhooks, prefs, jobSnap] = await Promise.all([
    deps.db.doc(paths.insight(uid, insightId)).get(),
    deps.db.collection(paths.webhooks(uid)).where('enabled', '==', true).limit(1).get(),
    readPrefs(deps.db, uid),
    jobRef.get(),
  ]);
  const insight = (insightSnap.data() ?? {}) as Partial<InsightDoc>;
  const flags = deps.flags ? await deps.flags(uid) : null;
  const webhookOn = prefs.channels.webhook && (flags?.delivery_webhook_enabled ?? true);
  const webhook = !webhooks.empty && webhookOn;
  // One span per channel (platform/tracing.ts): the listener's write, push and email's enqueueing, the
  // webhook events' enqueueing.
  const channel = <T>(name: string, body: () => Promise<T>): Promise<T> =>
    inSpan(`deliver ${name}`, { attributes: { 'clarity.channel': name } }, body);
  await channel('listener', () =>
    jobRef.update({
      'delivery.listener': { status: 'delivered' },
      ...(webhook ? {} : { 'delivery.webhook': { status: webhooks.empty ? 'none' : 'off' } }),
      updatedAt: FieldValue.serverTimestamp(),
    }),
  );
  const fanOut = deps.channels;
  const due = fanOut
    ? await channel('push+email', () =>
        fanOutChannels(
          { db: deps.db, log, now: deps.now, channels: fanOut },
          {
            uid,
            jobId,
            insightId,
            prefs,
            flags: {
              push: flags?.delivery_push_enabled ?? true,
              email: flags?.delivery_email_enabled ?? true,
            },
            existing: (jobSnap.get('delivery') ?? {}) as Record<string, unknown>,
          },
        ),
      )
    : [];
  const channels = ['listener', ...due, ...(webhook ? ['webhook'] : [])];

  if (webhook && deps.webhooks) {
    const wh = deps.webhooks;
    try {
      await channel('webhook', async () => {
        await emitEvent(wh, {
          uid,
          type: 'insight.created',
          subjectId: insightId,
          data: insightEventData(insightId, insight),
          jobId,
        });
        await emitEvent(wh, {
          uid,
          type: 'job.completed',
          subjectId: jobId,
          data: {
            jobId,
            insightId,
            analysisId: claim.job.analysisId,
            window: claim.job.window,
            degraded: claim.job.degraded,
          },
          jobId,
        });
      });
    } catch (e) {
      // Enqueueing failed (Firestore or Cloud Tasks): rethrow so the trigger retries; emitEvent is
      // idempotent, and the stage is released for the retry.
      log.warn('deliver.webhook_enqueue_failed', { error: errorText(e) });
      await jobRef.update({ 'stages.deliver.status': 'pending' });
      throw e;
    }
  } else if (webhook) {
    await jobRef.update({ 'delivery.webhook.status': 'not_configured' });
  }

  await finishStage(deps.db, uid, jobId, 'deliver', 'done', {
    fields: { status: 'complete', channels, insightId },
  });
  log.info('deliver.finished', { channels });
  return { kind: 'done', status: 'done' };
}
