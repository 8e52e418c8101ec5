/**
 * Deliver stage: the insight exists, so the job is complete; fan out to the user's channels. Each channel
 * is its own idempotent unit of work with a deterministic id (a webhook message per event and a delivery +
 * attempt task per endpoint), so a redelivered event duplicates nothing and one channel's failure never
 * blocks or repeats another. Each channel's outcome is written to the job document as it happens
 * (`delivery.{listener,webhook}`), where the app's listener shows it live.
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
  const [insightSnap, devices, webhooks] = await Promise.all([
    deps.db.doc(paths.insight(uid, insightId)).get(),
    deps.db.collection(paths.devices(uid)).limit(1).get(),
    deps.db.collection(paths.webhooks(uid)).where('enabled', '==', true).limit(1).get(),
  ]);
  const insight = (insightSnap.data() ?? {}) as Partial<InsightDoc>;
  const flags = deps.flags ? await deps.flags(uid) : null;
  const push = !devices.empty && (flags?.delivery_push_enabled ?? true);
  const webhook = !webhooks.empty && (flags?.delivery_webhook_enabled ?? true);
  const channels = ['listener', ...(push ? ['push'] : []), ...(webhook ? ['webhook'] : [])];
  // One span per channel (platform/tracing.ts): the listener's write, the webhook events' enqueueing.
  const channel = <T>(name: string, body: () => Promise<T>): Promise<T> =>
    inSpan(`deliver ${name}`, { attributes: { 'clarity.channel': name } }, body);
  await channel('listener', () =>
    jobRef.update({
      'delivery.listener': { status: 'delivered' },
      ...(webhook ? {} : { 'delivery.webhook': { status: webhooks.empty ? 'none' : 'off' } }),
      updatedAt: FieldValue.serverTimestamp(),
    }),
  );

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
