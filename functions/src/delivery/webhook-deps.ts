/**
 * Production wiring of webhook delivery: params from config, the system resolver, and Cloud Tasks
 * (`webhookAttempt`) as the attempt queue with deterministic task ids.
 */
import { lookup } from 'node:dns/promises';
import type { Firestore } from 'firebase-admin/firestore';
import {
  runtime,
  webhookAllowLoopback,
  webhookRetrySchedule,
  webhookRotationOverlapHours,
  webhookTimeoutMs,
} from '../platform/config.ts';
import type { Logger } from '../platform/logger.ts';
import type { SsrfPolicy } from './ssrf.ts';
import { cloudTasksQueue } from './task-queue.ts';
import { parseSchedule, type AttemptTask, type WebhookDeps, type WebhookQueue } from './webhooks.ts';

export const webhookQueueName = 'webhookAttempt';

export const cloudTasksWebhookQueue: WebhookQueue = cloudTasksQueue<AttemptTask>(webhookQueueName);

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
