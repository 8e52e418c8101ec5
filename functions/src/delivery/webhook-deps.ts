/**
 * Production wiring of webhook delivery: params from config, the system resolver, and Cloud Tasks
 * (`webhookAttempt`) as the attempt queue with deterministic task ids.
 */
import { lookup } from 'node:dns/promises';
import type { Firestore } from 'firebase-admin/firestore';
import { getFunctions } from 'firebase-admin/functions';
import {
  region,
  runtime,
  webhookAllowLoopback,
  webhookRetrySchedule,
  webhookRotationOverlapHours,
  webhookTimeoutMs,
} from '../platform/config.ts';
import type { Logger } from '../platform/logger.ts';
import { traceHeaders } from '../platform/tracing.ts';
import { adminApp } from '../platform/services.ts';
import type { SsrfPolicy } from './ssrf.ts';
import { parseSchedule, type AttemptTask, type WebhookDeps, type WebhookQueue } from './webhooks.ts';

export const webhookQueueName = 'webhookAttempt';

export const cloudTasksWebhookQueue: WebhookQueue = {
  async enqueue(task: AttemptTask, opts: { id: string; delaySeconds: number }): Promise<void> {
    const queue = getFunctions(adminApp()).taskQueue<AttemptTask>(
      `locations/${region.value()}/functions/${webhookQueueName}`,
    );
    try {
      // The attempt's span (the trigger factory) continues the enqueuing span from this header.
      await queue.enqueue(task, {
        id: opts.id,
        scheduleDelaySeconds: Math.ceil(opts.delaySeconds),
        headers: traceHeaders(),
      });
    } catch (e) {
      if ((e as { code?: string }).code !== 'functions/task-already-exists') throw e;
    }
  },
};

export function systemPolicy(): SsrfPolicy {
  return {
    // Loopback only in the emulator, and only when its params say so.
    allowLoopback: runtime.isEmulator && webhookAllowLoopback.value(),
    resolve: async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address),
  };
}

export function webhookDeps(
  db: Firestore,
  log: Logger,
  queue: WebhookQueue = cloudTasksWebhookQueue,
): WebhookDeps {
  return {
    db,
    log,
    now: Date.now,
    policy: systemPolicy(),
    timeoutMs: webhookTimeoutMs.value(),
    scheduleSeconds: parseSchedule(webhookRetrySchedule.value()),
    rotationOverlapMs: webhookRotationOverlapHours.value() * 3600_000,
    queue,
  };
}
