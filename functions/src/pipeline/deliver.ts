/**
 * Deliver stage: the insight exists, so the job is complete; records which channels are due. The app's
 * listener on the insights collection is always a channel; push (users/{uid}/devices) and webhooks
 * (users/{uid}/webhooks) are recorded as due when the user has any, and sent by later work.
 */
import type { Firestore } from 'firebase-admin/firestore';
import type { FlagSource } from '../platform/flags.ts';
import type { Logger } from '../platform/logger.ts';
import { paths } from '../store/paths.ts';
import type { StageOutcome } from './analyze.ts';
import { claimStage, finishStage } from './jobs.ts';

export interface DeliverDeps {
  db: Firestore;
  log: Logger;
  now: () => number;
  /** Feature flags per user (delivery_push_enabled, delivery_webhook_enabled); absent: in-code defaults. */
  flags?: FlagSource;
}

export async function deliverInsight(
  input: { uid: string; insightId: string },
  deps: DeliverDeps,
): Promise<StageOutcome> {
  const { uid, insightId } = input;
  const jobId = insightId;
  const claim = await claimStage(deps.db, uid, jobId, 'deliver', deps.now());
  if (claim.kind === 'skipped') {
    deps.log.info('deliver.skipped', { jobId, reason: claim.reason });
    return claim;
  }
  const log = deps.log.child({ jobId, correlationId: claim.job.correlationId, stage: 'deliver' });
  const [devices, webhooks] = await Promise.all([
    deps.db.collection(paths.devices(uid)).limit(1).get(),
    deps.db.collection(paths.webhooks(uid)).limit(1).get(),
  ]);
  const flags = deps.flags ? await deps.flags(uid) : null;
  const push = !devices.empty && (flags?.delivery_push_enabled ?? true);
  const webhook = !webhooks.empty && (flags?.delivery_webhook_enabled ?? true);
  const channels = ['listener', ...(push ? ['push'] : []), ...(webhook ? ['webhook'] : [])];
  await finishStage(deps.db, uid, jobId, 'deliver', 'done', {
    fields: { status: 'complete', channels, insightId },
  });
  log.info('deliver.finished', { channels });
  return { kind: 'done', status: 'done' };
}
