/**
 * Cloud Tasks as the delivery channels' queues: every task has a deterministic id, so enqueueing the same
 * unit of work twice (a redelivered deliver stage) makes one task; "already exists" counts as done.
 */
import { getFunctions } from 'firebase-admin/functions';
import { region } from '../platform/config.ts';
import { adminApp } from '../platform/services.ts';
import { traceHeaders } from '../platform/tracing.ts';

/** Where a channel's tasks go: Cloud Tasks in production, an in-process queue in tests. */
export interface TaskQueue<T> {
  enqueue(task: T, opts: { id: string; delaySeconds: number }): Promise<void>;
}

/** A path-safe task id from its parts (Cloud Tasks ids allow letters, digits, `-` and `_`). */
export function taskId(...parts: (string | number)[]): string {
  return parts.join('-').replace(/[^A-Za-z0-9_-]/g, '_');
}

/** The queue of the task function `name` (declared with onTaskDispatched in delivery/triggers.ts). */
export function cloudTasksQueue<T extends object>(name: string): TaskQueue<T> {
  return {
    async enqueue(task, opts) {
      const queue = getFunctions(adminApp()).taskQueue<T>(`locations/${region.value()}/functions/${name}`);
      try {
        // The task's span (the trigger factory) continues the enqueuing span from this header.
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
}
