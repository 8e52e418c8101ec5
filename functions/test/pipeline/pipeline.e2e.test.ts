/**
 * The whole pipeline on the Emulator Suite, followed by the real client SDK: a week of real actigraphy (the
 * Actiwatch .AWD file itself, through the Storage path: its counts become activity_counts) and a HealthKit
 * batch of heart rate and HRV through the API; the emulated triggers ingest both, create the jobs, analyse,
 * skip inference (no model configured in demo-clarity), write the rules insight and deliver. The listener
 * on the job sees each stage change; the insight's numbers equal the analysis's numbers.
 */
import { deleteApp, type FirebaseApp } from 'firebase/app';
import { collection, doc, getDoc, onSnapshot } from 'firebase/firestore';
import { afterAll, describe, expect, it } from 'vitest';
import { analysisDocSchema, insightDocSchema, type JobDoc } from '@clarity/core';
import { emulatorOrigin, projectId, signedUpClient } from '../support/emulators.ts';
import { uploadAsClient } from '../support/storage-events.ts';
import { realWeekWithDeviceFile } from '../support/pipeline.ts';

const apiUrl = `${emulatorOrigin('functions')}/${projectId}/us-central1/api`;
let app: FirebaseApp | undefined;

afterAll(async () => {
  if (app) await deleteApp(app);
});

describe('upload -> analyze -> infer -> insight -> deliver', () => {
  it('reaches an insight whose numbers equal the analysis, with every stage change seen live', async () => {
    const { awd, healthKit: week } = await realWeekWithDeviceFile();
    const client = await signedUpClient('pipeline-e2e', `pipeline-${Date.now()}@example.com`);
    app = client.app;
    const { db, user } = client;

    // Every job of the user, live; `until` resolves on the first finished job that matches.
    const jobs = new Map<string, { job: JobDoc; seen: string[] }>();
    const waiters: { match: (id: string, j: JobDoc) => boolean; resolve: (id: string) => void }[] = [];
    const unsubscribe = onSnapshot(collection(db, 'users', user.uid, 'jobs'), (snap) => {
      for (const change of snap.docChanges()) {
        const j = change.doc.data() as JobDoc;
        const entry = jobs.get(change.doc.id) ?? { job: j, seen: [] };
        entry.job = j;
        const line = `${j.status} a:${j.stages.analyze.status} i:${j.stages.infer.status} n:${j.stages.insight.status} d:${j.stages.deliver.status}`;
        if (entry.seen.at(-1) !== line) entry.seen.push(line);
        jobs.set(change.doc.id, entry);
        if (j.status !== 'complete' && j.status !== 'failed') continue;
        for (const w of waiters.splice(0)) {
          if (w.match(change.doc.id, j)) w.resolve(change.doc.id);
          else waiters.push(w);
        }
      }
    });
    const until = (match: (id: string, j: JobDoc) => boolean): Promise<string> =>
      new Promise<string>((resolve, reject) => {
        for (const [id, { job }] of jobs)
          if ((job.status === 'complete' || job.status === 'failed') && match(id, job)) return resolve(id);
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `no finished job in 120 s; saw ${[...jobs.values()].map((e) => e.seen.join(' | ')).join(' / ')}`,
              ),
            ),
          120_000,
        );
        waiters.push({ match, resolve: (id) => (clearTimeout(timer), resolve(id)) });
      });

    // 1. The actigraph's own file through the client's file path (Storage, or PUT /v1/health/files here).
    await uploadAsClient(await user.getIdToken(), 'awd-week', 'example_01.AWD', awd);
    const awdJobId = await until((_, j) => j.uploadId === 'awd-week');
    expect(jobs.get(awdJobId)?.job.status).toBe('complete');

    // 2. The HealthKit batch through the API: a new job (the first one's analysis has run) over both.
    const res = await fetch(`${apiUrl}/v1/health/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await user.getIdToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ samples: week.samples, timezone: week.timezone }),
    });
    expect(res.status).toBe(202);
    const { data } = (await res.json()) as { data: { uploadId: string } };
    const jobId = await until((id, j) => id !== awdJobId && j.uploadId === data.uploadId);
    unsubscribe();
    const job = jobs.get(jobId)!.job;
    const seen = jobs.get(jobId)!.seen;

    expect(job.status).toBe('complete');
    expect(job.reason).toBe('upload');
    expect(job.uploadId).toBe(data.uploadId);
    const upload = await getDoc(doc(db, 'users', user.uid, 'uploads', data.uploadId));
    expect(job.correlationId).toBe(upload.get('correlationId'));
    expect(job.stages).toMatchObject({
      analyze: { status: 'done' },
      infer: { status: 'skipped', note: 'no model configured' },
      insight: { status: 'done' },
      deliver: { status: 'done' },
    });
    expect(job.window).toEqual(week.window);
    // The listener saw the stages move one after another (not only the final state).
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen[0]).toMatch(/^(queued|running) a:(pending|running)/);
    expect(seen.some((s) => /a:done i:skipped n:(pending|running)/.test(s))).toBe(true);
    expect(seen.at(-1)).toBe('complete a:done i:skipped n:done d:done');

    const analysis = analysisDocSchema.parse(
      (await getDoc(doc(db, 'users', user.uid, 'analyses', jobId))).data(),
    );
    const insight = insightDocSchema.parse(
      (await getDoc(doc(db, 'users', user.uid, 'insights', jobId))).data(),
    );
    expect(analysis.coverage.days).toBe(7);
    // The whole week of counts (7 x 1440 minutes), stored as activity_counts and never as steps.
    expect(analysis.coverage.minutesWithData.activity_counts).toBe(7 * 1440);
    expect(analysis.coverage.minutesWithData.steps).toBeUndefined();
    expect(analysis.metrics.activity).toBeNull();
    expect(analysis.metrics.sleep?.basis).toBe('movement_scoring');
    expect(analysis.metrics.sleep?.provenance.parameters.movementSeries).toBe('activity_counts');
    expect(analysis.metrics.circadian?.provenance.parameters.movementSeries).toBe('activity_counts');
    expect(analysis.metrics.heartRate?.meanBpm).toBeGreaterThan(55);
    expect(insight.generator).toBe('rules');
    expect(insight.correlationId).toBe(job.correlationId);
    const m = analysis.metrics;
    expect(insight.figures['sleep.meanTotalSleepMinutes']).toBe(m.sleep?.meanTotalSleepMinutes);
    expect(insight.figures['circadian.IS']).toBe(m.circadian?.IS);
    expect(insight.figures['heartRate.meanBpm']).toBe(m.heartRate?.meanBpm);
    expect(insight.disclaimer).toMatch(/not medical advice/);
  }, 240_000);
});
