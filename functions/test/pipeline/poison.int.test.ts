/**
 * Poison events end (issue 15): a value the triggers trust (the profile's time zone, a job's zone), a
 * transient failure that never clears, or attempts that die without reporting can no longer make an event
 * redeliver forever. Each ends after a bounded number of attempts with the job or upload marked, visibly,
 * and a dead letter with its cause. Stage handlers called directly on the Firestore emulator (own project).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { FieldValue, Timestamp, type Firestore } from 'firebase-admin/firestore';
import { jobDocSchema } from '@clarity/core';
import { analyzeJob, type AnalyzeDeps } from '../../src/pipeline/analyze.ts';
import { createAnalysisJob, maxStageAttempts } from '../../src/pipeline/jobs.ts';
import { ingestUpload, maxIngestAttempts } from '../../src/pipeline/ingest.ts';
import type { BlobStore } from '../../src/store/blob-store.ts';
import { adminDb } from '../support/emulators.ts';
import { morningBatch } from '../support/samples.ts';
import { ingestBatch, testLog } from '../support/pipeline.ts';

const project = 'demo-clarity-poison';
let db: Firestore;
const run = Date.now().toString(36);

beforeAll(() => {
  db = adminDb(project);
});

async function seeded(name: string, profile: Record<string, unknown> = {}): Promise<string> {
  const uid = `${name}-${run}`;
  await db.doc(`users/${uid}`).set(profile);
  await ingestBatch(db, uid, `up-${name}`, { ...morningBatch('2026-11-20'), timezone: 'America/New_York' });
  return uid;
}

async function newJob(uid: string, timezone = 'UTC'): Promise<string> {
  const { jobId } = await createAnalysisJob(db, {
    uid,
    window: { start: '2026-11-19', end: '2026-11-21' },
    requestedBy: uid,
    correlationId: `corr-${uid}`,
    reason: 'api',
    timezone,
  });
  return jobId;
}

const job = async (uid: string, jobId: string) =>
  jobDocSchema.parse((await db.doc(`users/${uid}/jobs/${jobId}`).get()).data());

describe('ingest: values users write', () => {
  it('a profile time zone that is not an IANA zone does not fail the upload (days cut in the upload zone)', async () => {
    // Before: dayZone trusted the profile, Intl threw RangeError on every redelivery, the upload stayed
    // `parsing` and the event came back forever.
    const uid = await seeded('badzone', { timezone: 'Mars/Olympus_Mons' });
    const up = (await db.doc(`users/${uid}/uploads/up-badzone`).get()).data();
    expect(up?.status).toBe('ingested');
    expect((await db.collection(`users/${uid}/series`).get()).docs.map((d) => d.id)).toContain(
      'heart_rate_2026-11-20',
    );
  });

  it(`an upload whose attempts all died is rejected with a reason and dead-lettered after ${maxIngestAttempts}`, async () => {
    const uid = `exhausted-${run}`;
    const raw = Buffer.from(JSON.stringify(morningBatch('2026-11-20')));
    const blobs = { get: () => Promise.resolve(raw) } as unknown as BlobStore;
    await db.doc(`users/${uid}/uploads/u1`).set({
      status: 'parsing',
      source: 'healthkit',
      format: 'json',
      byteSize: raw.length,
      sha256: '0'.repeat(64),
      sampleCount: 1,
      rawPath: `raw/${uid}/u1/batch.json`,
      correlationId: 'corr-exhausted',
      timezone: null,
      counts: null,
      byType: null,
      rejections: [],
      error: null,
      attempts: maxIngestAttempts,
      createdAt: FieldValue.serverTimestamp(),
      updatedAt: Timestamp.fromMillis(Date.now() - 3_600_000), // the last claim's lease ran out
      statusTimes: {},
    });
    const out = await ingestUpload({ uid, uploadId: 'u1' }, { db, blobs, log: testLog, now: Date.now });
    expect(out.kind).toBe('skipped');
    const up = (await db.doc(`users/${uid}/uploads/u1`).get()).data();
    expect(up).toMatchObject({ status: 'rejected', error: { code: 'attempts_exhausted' } });
    expect((up?.error as { message: string }).message).toMatch(/gave up after 5 attempts/);
    const dl = (await db.doc(`deadLetters/ingest_${uid}_u1`).get()).data();
    expect(dl).toMatchObject({
      stage: 'ingest',
      uid,
      uploadId: 'u1',
      status: 'open',
      attempts: maxIngestAttempts,
    });
    // A later redelivery finds it finished.
    expect(
      (await ingestUpload({ uid, uploadId: 'u1' }, { db, blobs, log: testLog, now: Date.now })).kind,
    ).toBe('skipped');
  });
});

describe('job stages: transient and permanent failures, one classification, bounded attempts', () => {
  it(`a transient failure is redelivered, then after ${maxStageAttempts} attempts fails the job with a dead letter`, async () => {
    const uid = await seeded('transient');
    const jobId = await newJob(uid);
    // Firestore answering UNAVAILABLE (gRPC 14) to the series query on every attempt: before, this failed
    // the job at the first attempt (only ClarityErrors were retried).
    const unavailable = Object.assign(new Error('14 UNAVAILABLE: connection reset'), { code: 14 });
    const flaky = new Proxy(db, {
      get(target, prop) {
        if (prop === 'collection')
          return (p: string) =>
            p.endsWith('/series')
              ? { where: () => ({ where: () => ({ get: () => Promise.reject(unavailable) }) }) }
              : target.collection(p);
        const v: unknown = Reflect.get(target, prop, target);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const deps: AnalyzeDeps = { db: flaky, log: testLog, now: Date.now };
    for (let attempt = 1; attempt < maxStageAttempts; attempt++) {
      await expect(analyzeJob({ uid, jobId }, deps)).rejects.toBe(unavailable);
      const j = await job(uid, jobId);
      expect(j.status).not.toBe('failed');
      expect(j.stages.analyze).toMatchObject({ status: 'pending', attempts: attempt });
    }
    expect(await analyzeJob({ uid, jobId }, deps)).toEqual({ kind: 'done', status: 'failed' });
    const j = await job(uid, jobId);
    expect(j.status).toBe('failed');
    expect(j.stages.analyze).toMatchObject({ status: 'failed', attempts: maxStageAttempts });
    const dl = (await db.doc(`deadLetters/analyze_${uid}_${jobId}`).get()).data();
    expect(dl?.attempts).toBe(maxStageAttempts);
    expect((dl?.cause as { message: string }).message).toMatch(/gave up after 5 attempts/);
    // Redelivered once more: nothing runs.
    expect((await analyzeJob({ uid, jobId }, deps)).kind).toBe('skipped');
  });

  it('a permanent failure (a job zone Intl does not know) fails on the first attempt with its cause', async () => {
    const uid = await seeded('permanent');
    const jobId = await newJob(uid, 'Mars/Olympus_Mons');
    expect(await analyzeJob({ uid, jobId }, { db, log: testLog, now: Date.now })).toEqual({
      kind: 'done',
      status: 'failed',
    });
    const j = await job(uid, jobId);
    expect(j.stages.analyze).toMatchObject({ status: 'failed', attempts: 1 });
    const dl = (await db.doc(`deadLetters/analyze_${uid}_${jobId}`).get()).data();
    expect((dl?.cause as { code: string }).code).toBe('invalid_input');
  });

  it('attempts that died without reporting (crash, timeout) end at the bound: the claim dead-letters', async () => {
    const uid = await seeded('crashed');
    const jobId = await newJob(uid);
    await db.doc(`users/${uid}/jobs/${jobId}`).update({
      'stages.analyze.status': 'running',
      'stages.analyze.attempts': maxStageAttempts,
      'stages.analyze.startedAt': Timestamp.fromMillis(Date.now() - 3_600_000),
    });
    const out = await analyzeJob({ uid, jobId }, { db, log: testLog, now: Date.now });
    expect(out.kind).toBe('skipped');
    const j = await job(uid, jobId);
    expect(j.status).toBe('failed');
    expect(j.stages.analyze.status).toBe('failed');
    const dl = (await db.doc(`deadLetters/analyze_${uid}_${jobId}`).get()).data();
    expect(dl).toMatchObject({ status: 'open', cause: { code: 'attempts_exhausted' } });
  });
});
