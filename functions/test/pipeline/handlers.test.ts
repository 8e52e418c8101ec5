/**
 * The rules that used to live in trigger files, tested without the emulators: the upload-finished
 * debounce, the daily user scan, the analysis-ready check and the infer enqueue.
 */
import type { DocumentSnapshot } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/platform/logger.ts';
import { becameReady } from '../../src/pipeline/analysis-ready.ts';
import { inferInput, inferTaskId, taskQueueEnqueuer } from '../../src/pipeline/infer-queue.ts';
import { jobIdFor, uploadJobId, type CreateJobInput } from '../../src/pipeline/jobs.ts';
import {
  fanOutDailyJobs,
  scheduleTaskId,
  scheduleUserJob,
  type ScheduleUserTask,
} from '../../src/pipeline/schedule.ts';
import { jobForFinishedUpload, type JobStore } from '../../src/pipeline/upload-finished.ts';

const log = createLogger({ test: 'handlers' });
const snap = (data: Record<string, unknown> | undefined) =>
  ({
    id: 'doc',
    exists: data !== undefined,
    data: () => data,
    get: (f: string) => data?.[f],
  }) as unknown as DocumentSnapshot;

/** A job store in memory: existing job ids, and what attaching to each answers. */
function fakeJobs(existing: Record<string, 'own' | 'joined' | 'started'> = {}) {
  const created: CreateJobInput[] = [];
  const attached: string[] = [];
  const store: JobStore = {
    create: (input) => {
      const jobId = input.jobId ?? jobIdFor(input.uid, input.reason, input.key ?? '');
      const isNew = !(jobId in existing) && !created.some((c) => c.jobId === jobId);
      if (isNew) created.push({ ...input, jobId });
      return Promise.resolve({ jobId, created: isNew });
    },
    attach: (_uid, jobId, uploadId) => {
      attached.push(`${jobId}:${uploadId}`);
      return Promise.resolve(existing[jobId] ?? 'joined');
    },
  };
  return { store, created, attached };
}

const upload = (status: string, accepted = 5) => ({
  status,
  counts: { accepted, duplicate: 0, rejected: 0 },
  correlationId: 'corr-1',
  timezone: 'Europe/Berlin',
});
const atMs = Date.parse('2026-12-02T08:00:00Z');

describe('upload finished -> analysis job', () => {
  const change = (before: unknown, after: unknown) => ({
    uid: 'u1',
    uploadId: 'up1',
    before: snap(before as Record<string, unknown> | undefined),
    after: snap(after as Record<string, unknown> | undefined),
    atMs,
  });

  it('creates the debounce window job for an upload finishing with data', async () => {
    const jobs = fakeJobs();
    const r = await jobForFinishedUpload(change(upload('parsing'), upload('ingested')), {
      jobs: jobs.store,
      log,
      debounceMinutes: 10,
    });
    expect(r).toEqual({ jobId: uploadJobId('u1', atMs, 10), created: true });
    expect(jobs.created[0]).toMatchObject({
      uid: 'u1',
      reason: 'upload',
      requestedBy: 'u1',
      correlationId: 'corr-1',
      timezone: 'Europe/Berlin',
      uploadId: 'up1',
      window: null,
    });
  });

  it('does nothing unless the upload just finished with accepted samples', async () => {
    const deps = (jobs: JobStore) => ({ jobs, log, debounceMinutes: 10 });
    for (const [before, after] of [
      [upload('ingested'), upload('ingested')], // already finished: a rewrite
      [upload('partial'), upload('ingested')],
      [upload('parsing'), upload('rejected')],
      [upload('received'), upload('parsing')],
      [upload('parsing'), upload('partial', 0)], // nothing stored
      [upload('parsing'), undefined],
    ]) {
      const jobs = fakeJobs();
      expect(await jobForFinishedUpload(change(before, after), deps(jobs.store))).toBeUndefined();
      expect(jobs.created).toEqual([]);
    }
    const jobs = fakeJobs();
    expect(
      await jobForFinishedUpload(change(upload('parsing'), upload('partial')), deps(jobs.store)),
    ).toMatchObject({
      created: true,
    });
  });

  it('joins an existing window job whose analysis has not started, else gets a job of its own', async () => {
    const windowJob = uploadJobId('u1', atMs, 10);
    const joined = fakeJobs({ [windowJob]: 'joined' });
    const deps = (jobs: JobStore) => ({ jobs, log, debounceMinutes: 10 });
    expect(
      await jobForFinishedUpload(change(upload('parsing'), upload('ingested')), deps(joined.store)),
    ).toEqual({
      jobId: windowJob,
      created: false,
    });
    expect(joined.attached).toEqual([`${windowJob}:up1`]);

    const started = fakeJobs({ [windowJob]: 'started' });
    expect(
      await jobForFinishedUpload(change(upload('parsing'), upload('ingested')), deps(started.store)),
    ).toEqual({
      jobId: jobIdFor('u1', 'upload', 'up1'),
      created: true,
    });
    // a redelivery once the upload's own job exists adds none
    const again = fakeJobs({ [windowJob]: 'started', [jobIdFor('u1', 'upload', 'up1')]: 'own' });
    expect(
      await jobForFinishedUpload(change(upload('parsing'), upload('ingested')), deps(again.store)),
    ).toEqual({
      jobId: jobIdFor('u1', 'upload', 'up1'),
      created: false,
    });
  });
});

describe('daily schedule', () => {
  it('fans out one task per user, with a deterministic id per user and day; no user data is read', async () => {
    const tasks: ScheduleUserTask[] = [];
    const users = async function* () {
      for (const uid of ['u1', 'u2', 'u3']) yield await Promise.resolve(uid);
    };
    const n = await fanOutDailyJobs(
      { scheduleTime: '2026-12-02T04:00:00.000Z' },
      { users, enqueue: (t) => Promise.resolve(void tasks.push(t)), log },
    );
    expect(n).toBe(3);
    expect(tasks).toEqual(['u1', 'u2', 'u3'].map((uid) => ({ uid, day: '2026-12-02' })));
    expect(tasks.map(scheduleTaskId)).toEqual([
      'schedule-2026-12-02-u1',
      'schedule-2026-12-02-u2',
      'schedule-2026-12-02-u3',
    ]);
  });

  it("each user's task creates the day's job when the user has data, once", async () => {
    const jobs = fakeJobs({ [jobIdFor('u2', 'schedule', '2026-12-02')]: 'own' });
    const deps = { hasData: (uid: string) => Promise.resolve(uid !== 'u4'), jobs: jobs.store, log };
    const made = [];
    for (const uid of ['u1', 'u2', 'u3', 'u4'])
      made.push(await scheduleUserJob({ uid, day: '2026-12-02' }, deps));
    expect(made).toEqual([true, false, true, false]);
    expect(jobs.created.map((c) => [c.uid, c.reason, c.key, c.requestedBy, c.correlationId])).toEqual([
      ['u1', 'schedule', '2026-12-02', 'schedule', 'schedule-2026-12-02'],
      ['u3', 'schedule', '2026-12-02', 'schedule', 'schedule-2026-12-02'],
    ]);
  });
});

describe('analysis ready', () => {
  it('fires once, when the status becomes ready', () => {
    expect(becameReady(snap({ status: 'pending' }), snap({ status: 'ready' }))).toBe(true);
    expect(becameReady(snap(undefined), snap({ status: 'ready' }))).toBe(true);
    expect(becameReady(snap({ status: 'ready' }), snap({ status: 'ready' }))).toBe(false);
    expect(becameReady(snap({ status: 'pending' }), snap({ status: 'pending' }))).toBe(false);
    expect(becameReady(snap({ status: 'ready' }), snap(undefined))).toBe(false);
  });
});

describe('infer enqueue', () => {
  it('enqueues one task per job under a path-safe deterministic id; an existing task is success', async () => {
    const sent: [unknown, { id: string }][] = [];
    let fail: Error | undefined;
    const enqueue = taskQueueEnqueuer(() => ({
      enqueue: (data, options) => {
        if (fail) return Promise.reject(fail);
        sent.push([data, options]);
        return Promise.resolve();
      },
    }));
    await enqueue({ uid: 'u.1', jobId: 'job/2' });
    expect(sent).toEqual([[{ uid: 'u.1', jobId: 'job/2' }, { id: 'infer-u_1-job_2' }]]);
    expect(inferTaskId({ uid: 'u.1', jobId: 'job/2' })).toBe('infer-u_1-job_2');
    fail = Object.assign(new Error('exists'), { code: 'functions/task-already-exists' });
    await expect(enqueue({ uid: 'u1', jobId: 'j' })).resolves.toBeUndefined();
    fail = Object.assign(new Error('down'), { code: 'functions/unavailable' });
    await expect(enqueue({ uid: 'u1', jobId: 'j' })).rejects.toThrow('down');
  });

  it('counts a dispatch without a retry count as the first of three attempts', () => {
    expect(inferInput({ uid: 'u1', jobId: 'j1' }, undefined)).toEqual({
      uid: 'u1',
      jobId: 'j1',
      attempt: 0,
      maxAttempts: 3,
    });
    expect(inferInput({ uid: 'u1', jobId: 'j1' }, 2)).toMatchObject({ attempt: 2, maxAttempts: 3 });
  });
});
