/**
 * The continuation of a long Apple export import (pipeline/ingest-apple-export.ts): one Cloud Tasks task per
 * hand-off, with a deterministic id, so an enqueue repeated by a redelivered event adds no second task.
 */
import type { IngestContinuation } from './ingest-file-common.ts';
import { idempotentEnqueuer, type TaskQueueLike } from './task-queues.ts';

/** The task queue function's name (triggers/ingest-continuation.ts). */
export const ingestContinuationQueueName = 'ingestContinuation';

/**
 * Attempts of one continuation task: a crashed continuation leaves its claim until the upload lease ends
 * (store/uploads.ts `leaseMs`, 5 min), so retries back off past it; `maxIngestAttempts` bounds the rest.
 */
export const ingestContinuationRetry = {
  maxAttempts: 10,
  minBackoffSeconds: 30,
  maxBackoffSeconds: 300,
  maxDoublings: 4,
};

/** Path-safe, the same for the same hand-off of the same upload. */
export function continuationTaskId(task: IngestContinuation): string {
  return `ingest-${task.uid}-${task.uploadId}-${task.batches}`.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** An enqueue that treats "this task already exists" as done (the same hand-off's task). */
export function continuationEnqueuer(
  queue: () => TaskQueueLike<IngestContinuation>,
): (task: IngestContinuation) => Promise<void> {
  return idempotentEnqueuer(queue, continuationTaskId);
}
