/**
 * Enqueuing Cloud Tasks under deterministic ids: the same work twice is one task. Each task's request
 * carries the enqueuing span's `traceparent` header, which the task function's span continues.
 */
import { traceHeaders } from '../platform/tracing.ts';

/** The slice of firebase-admin's TaskQueue this needs. */
export interface TaskQueueLike<T> {
  enqueue(data: T, options: { id: string; headers?: Record<string, string> }): Promise<void>;
}

/** An enqueue that treats "this task already exists" as done (it is the same work's task). */
export function idempotentEnqueuer<T>(
  queue: () => TaskQueueLike<T>,
  idOf: (task: T) => string,
): (task: T) => Promise<void> {
  return async (task) => {
    try {
      const headers = traceHeaders();
      await queue().enqueue(task, { id: idOf(task), ...(headers.traceparent ? { headers } : {}) });
    } catch (e) {
      if ((e as { code?: string }).code !== 'functions/task-already-exists') throw e;
    }
  };
}
