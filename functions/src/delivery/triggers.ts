/** Delivery task queues: one task per webhook attempt (deterministic ids; the handler is idempotent). */
import { firestore } from '../platform/services.ts';
import { taskDispatched } from '../triggers/factory.ts';
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
