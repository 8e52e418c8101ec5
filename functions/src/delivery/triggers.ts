/** Delivery task queues: one task per webhook attempt (deterministic ids; the handler is idempotent). */
import { onTaskDispatched } from 'firebase-functions/v2/tasks';
import { region } from '../platform/config.ts';
import { logger } from '../platform/logger.ts';
import { sentrySecrets, withSentry } from '../platform/sentry.ts';
import { firestore } from '../platform/services.ts';
import { webhookDeps } from './webhook-deps.ts';
import { runAttempt, type AttemptTask } from './webhooks.ts';

/**
 * One webhook attempt. Its own failures (a receiver's 500, a timeout) are recorded and rescheduled by the
 * handler on the webhook schedule, so the task itself succeeds; only an infrastructure error (Firestore
 * unavailable) throws and is retried by Cloud Tasks, which the handler's attempt check makes harmless.
 */
export const webhookAttempt = onTaskDispatched<AttemptTask>(
  {
    region,
    retryConfig: { maxAttempts: 5, minBackoffSeconds: 5, maxBackoffSeconds: 300 },
    rateLimits: { maxConcurrentDispatches: 50, maxDispatchesPerSecond: 100 },
    timeoutSeconds: 60,
    secrets: sentrySecrets,
  },
  withSentry('webhookAttempt', async (req) => {
    await runAttempt(
      webhookDeps(firestore(), logger.child({ fn: 'webhookAttempt', task: req.id })),
      req.data,
    );
  }),
);
