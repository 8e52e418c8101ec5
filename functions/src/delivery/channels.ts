/**
 * The deliver stage's fan-out to push and email: each channel becomes its own unit of work with a
 * deterministic task id (push: one task per insight, delayed to the end of the user's quiet hours; email:
 * one `mail` document and its task), so a redelivered stage duplicates nothing and one channel's failure
 * never blocks or repeats another. The job document gets each channel's state first, then the task is
 * enqueued (a fast task's "sent" is never overwritten by "queued").
 */
import { FieldValue, type Firestore } from 'firebase-admin/firestore';
import type { Logger } from '../platform/logger.ts';
import { paths } from '../store/paths.ts';
import { createMail, mailIdFor, type MailTask } from './mail.ts';
import type { NotificationPrefs } from './preferences.ts';
import type { PushTask } from './push.ts';
import { quietHoursRelease } from './quiet-hours.ts';
import { taskId, type TaskQueue } from './task-queue.ts';

export interface ChannelDeps {
  pushQueue: TaskQueue<PushTask>;
  mailQueue: TaskQueue<MailTask>;
  /** The address emails go to (the account's), or null. */
  emailOf: (uid: string) => Promise<string | null>;
}

export interface FanOutInput {
  uid: string;
  jobId: string;
  insightId: string;
  prefs: NotificationPrefs;
  /** Channel switches from the feature flags (all on when absent). */
  flags: { push: boolean; email: boolean };
  /** The job's `delivery` map as it is now: a channel already recorded is not recorded again. */
  existing: Record<string, unknown>;
}

type Record_ = Record<string, unknown>;

export async function fanOutChannels(
  deps: { db: Firestore; log: Logger; now: () => number; channels: ChannelDeps },
  input: FanOutInput,
): Promise<string[]> {
  const { db, now, channels } = deps;
  const { uid, jobId, insightId, prefs } = input;
  const nowMs = now();
  const due: string[] = [];
  const record: Record_ = {};
  const after: (() => Promise<void>)[] = [];

  // Push: to every device, after the quiet hours in the user's zone.
  if (!prefs.channels.push || !input.flags.push) record.push = { status: 'off' };
  else if ((await db.collection(paths.devices(uid)).limit(1).get()).empty) record.push = { status: 'none' };
  else {
    const release = prefs.quietHours
      ? quietHoursRelease(nowMs, { ...prefs.quietHours, timezone: prefs.timezone })
      : nowMs;
    const delaySeconds = Math.max(0, (release - nowMs) / 1000);
    record.push =
      delaySeconds > 0
        ? { status: 'delayed', sendAt: new Date(release).toISOString(), reason: 'quiet hours' }
        : { status: 'queued' };
    const task: PushTask = { uid, jobId, insightId };
    after.push(() => channels.pushQueue.enqueue(task, { id: taskId('push', uid, insightId), delaySeconds }));
    due.push('push');
  }

  // Email: one mail document (the Trigger Email state machine) in the user's locale.
  const to = prefs.channels.email && input.flags.email ? await channels.emailOf(uid) : null;
  if (!prefs.channels.email || !input.flags.email) record.email = { status: 'off' };
  else if (!to) record.email = { status: 'no_address' };
  else {
    const mailId = mailIdFor(uid, 'insight', insightId);
    await createMail(
      db,
      mailId,
      { uid, to, locale: prefs.locale, jobId, insightId, template: { name: 'insight', data: { insightId } } },
      nowMs,
    );
    record.email = { status: 'queued', mailId };
    after.push(() => channels.mailQueue.enqueue({ mailId }, { id: taskId('mail', mailId), delaySeconds: 0 }));
    due.push('email');
  }

  const fields: Record_ = {};
  for (const [ch, v] of Object.entries(record))
    if (input.existing[ch] === undefined) fields[`delivery.${ch}`] = v;
  if (Object.keys(fields).length > 0) {
    await db.doc(paths.job(uid, jobId)).update({ ...fields, updatedAt: FieldValue.serverTimestamp() });
  }
  for (const enqueue of after) await enqueue();
  return due;
}
