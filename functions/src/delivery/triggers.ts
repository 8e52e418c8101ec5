/**
 * Delivery task queues, one per channel unit: a webhook attempt, a push per insight, an email per `mail`
 * document. Every task has a deterministic id and an idempotent handler.
 */
import { signingSecret, smtpPassword } from '../platform/config.ts';
import { firestore } from '../platform/services.ts';
import { taskDispatched } from '../triggers/factory.ts';
import { mailDeps, mailMaxAttempts, pushDeps } from './channel-deps.ts';
import { processMail, type MailTask } from './mail.ts';
import { deliverPush, type PushTask } from './push.ts';
import { webhookDeps } from './webhook-deps.ts';
import { runAttempt, type AttemptTask } from './webhooks.ts';

/**
 * One webhook attempt. Its own failures (a receiver's 500, a timeout) are recorded and rescheduled by the
 * handler on the webhook schedule, so the task itself succeeds; only an infrastructure error (Firestore
 * unavailable) throws and is retried by Cloud Tasks, which the handler's attempt check makes harmless.
 */
export const webhookAttempt = taskDispatched<AttemptTask>(
  'webhookAttempt',
  {
    retryConfig: { maxAttempts: 5, minBackoffSeconds: 5, maxBackoffSeconds: 300 },
    rateLimits: { maxConcurrentDispatches: 50, maxDispatchesPerSecond: 100 },
    timeoutSeconds: 60,
  },
  (req, deps) => runAttempt(webhookDeps(firestore(), deps.log), req.data),
);

/** The push of one insight to every device of its user (delivery/push.ts); retried when none went out. */
export const pushDelivery = taskDispatched<PushTask>(
  'pushDelivery',
  {
    retryConfig: { maxAttempts: 5, minBackoffSeconds: 10, maxBackoffSeconds: 600 },
    rateLimits: { maxConcurrentDispatches: 50, maxDispatchesPerSecond: 100 },
    timeoutSeconds: 120,
  },
  async (req, deps) => deliverPush(await pushDeps(firestore(), deps.log), req.data),
);

/** One `mail` document through its state machine (delivery/mail.ts); a failed send is retried. */
export const mailDelivery = taskDispatched<MailTask>(
  'mailDelivery',
  {
    retryConfig: { maxAttempts: mailMaxAttempts, minBackoffSeconds: 10, maxBackoffSeconds: 600 },
    rateLimits: { maxConcurrentDispatches: 20, maxDispatchesPerSecond: 20 },
    timeoutSeconds: 60,
    moreSecrets: [smtpPassword, signingSecret],
  },
  async (req, deps) => processMail(await mailDeps(firestore(), deps.log), req.data),
);
