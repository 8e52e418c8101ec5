/** The daily schedule: one analysis job per user with stored data, per day (the same day twice makes none). */
import type { Firestore } from 'firebase-admin/firestore';
import type { Logger } from '../platform/logger.ts';
import { collections, userCollections } from '../store/paths.ts';
import type { JobStore } from './upload-finished.ts';

export interface ScheduleDeps {
  /** Users that have stored data: for the others analyze could only fail (and dead-letter) every day. */
  users: () => AsyncIterable<string>;
  jobs: JobStore;
  log: Logger;
}

export function firestoreUserScan(db: Firestore): ScheduleDeps['users'] {
  return async function* () {
    for (const ref of await db.collection(collections.users).listDocuments()) {
      if (!(await ref.collection(userCollections.series).limit(1).get()).empty) yield ref.id;
    }
  };
}

/** `scheduleTime` is the schedule's ISO time; its date is the job's key. Returns how many jobs it created. */
export async function scheduleDailyJobs(
  input: { scheduleTime: string },
  deps: ScheduleDeps,
): Promise<number> {
  const day = input.scheduleTime.slice(0, 10);
  let created = 0;
  for await (const uid of deps.users()) {
    const r = await deps.jobs.create({
      uid,
      window: null,
      requestedBy: 'schedule',
      correlationId: `schedule-${day}`,
      reason: 'schedule',
      key: day,
    });
    if (r.created) created++;
  }
  deps.log.info('job.scheduled', { day, created });
  return created;
}
