/** Starting the infer stage: one Cloud Tasks task per job, so a redelivered analyze event starts it once. */
import type { AnalyzeDeps } from './analyze.ts';
import { idempotentEnqueuer, type TaskQueueLike as TaskQueueOf } from './task-queues.ts';

/** Attempts of the infer task queue (the handler degrades on the last one). */
export const inferMaxAttempts = 3;
/** The task queue function's name (triggers/infer-task.ts). */
export const inferQueueName = 'inferTask';

export interface InferTask {
  uid: string;
  jobId: string;
}

/** Deterministic task id: path-safe, the same for the same job. */
export function inferTaskId(task: InferTask): string {
  return `infer-${task.uid}-${task.jobId}`.replace(/[^A-Za-z0-9_-]/g, '_');
}

export type TaskQueueLike = TaskQueueOf<InferTask>;

/**
 * An enqueue that treats "this task already exists" as done (it is the same job's task). The task's
 * request carries the enqueuing span's `traceparent` header (task-queues.ts), which the task function's
 * span continues.
 */
export function taskQueueEnqueuer(queue: () => TaskQueueLike): NonNullable<AnalyzeDeps['enqueueInfer']> {
  return idempotentEnqueuer(queue, inferTaskId);
}

/**
 * The infer handler's input for one dispatch: `retryCount` is absent when the request did not come from
 * Cloud Tasks' dispatcher, which counts as a first attempt.
 */
export function inferInput(
  task: InferTask,
  retryCount: number | undefined,
): InferTask & { attempt: number; maxAttempts: number } {
  return { uid: task.uid, jobId: task.jobId, attempt: retryCount ?? 0, maxAttempts: inferMaxAttempts };
}
