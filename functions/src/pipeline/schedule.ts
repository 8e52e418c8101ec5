/**
 * The daily schedule: one analysis job per user with stored data, per day (the same day twice makes none).
 * The scheduled function only lists the users and fans out one task per user (`scheduleUserTask`, a
 * deterministic id per user and day, so a re-run adds no second task); each task checks that its user has
 * stored data and creates the job. No invocation walks every user's data.
 */
import type { Firestore } from 'firebase-admin/firestore';
import type { Logger } from '../platform/logger.ts';
import { collections, paths, userCollections } from '../store/paths.ts';
import type { JobStore } from './upload-finished.ts';

/** The task queue function's name (triggers/schedule-user.ts). */
export const scheduleUserQueueName = 'scheduleUserTask';

export interface ScheduleUserTask {
  uid: string;
  /** The schedule's day (YYYY-MM-DD): the job's key. */
  day: string;
}

/** Path-safe, the same for the same user and day. */
export function scheduleTaskId(task: ScheduleUserTask): string {
  return `schedule-${task.day}-${task.uid}`.replace(/[^A-Za-z0-9_-]/g, '_');
}

export interface ScheduleDeps {
  /** Every user id (document ids only: no user's data is read here). */
  users: () => AsyncIterable<string>;
  /** Enqueues one user's task (Cloud Tasks in the runtime). */
  enqueue: (task: ScheduleUserTask) => Promise<void>;
  log: Logger;
}

export interface ScheduleUserDeps {
  /** Whether the user has stored data: for the others analyze could only fail (and dead-letter) every day. */
  hasData: (uid: string) => Promise<boolean>;
  jobs: JobStore;
  log: Logger;
}

export function firestoreUserList(db: Firestore): ScheduleDeps['users'] {
  return async function* () {
    for (const ref of await db.collection(collections.users).listDocuments()) yield ref.id;
  };
}

export function firestoreHasData(db: Firestore): ScheduleUserDeps['hasData'] {
  return async (uid) =>
    !(await db.doc(paths.user(uid)).collection(userCollections.series).limit(1).get()).empty;
}

/** `scheduleTime` is the schedule's ISO time; its date is the jobs' key. Returns how many tasks it enqueued. */
export async function fanOutDailyJobs(input: { scheduleTime: string }, deps: ScheduleDeps): Promise<number> {
  const day = input.scheduleTime.slice(0, 10);
  let enqueued = 0;
  for await (const uid of deps.users()) {
    await deps.enqueue({ uid, day });
    enqueued++;
  }
  deps.log.info('job.schedule_fanned_out', { day, enqueued });
  return enqueued;
}

/** One user's daily job: created when the user has data and the day has none yet. */
export async function scheduleUserJob(task: ScheduleUserTask, deps: ScheduleUserDeps): Promise<boolean> {
  if (!(await deps.hasData(task.uid))) return false;
  const r = await deps.jobs.create({
    uid: task.uid,
    window: null,
    requestedBy: 'schedule',
    correlationId: `schedule-${task.day}`,
    reason: 'schedule',
    key: task.day,
  });
  deps.log.info('job.scheduled', { uid: task.uid, day: task.day, created: r.created });
  return r.created;
}
