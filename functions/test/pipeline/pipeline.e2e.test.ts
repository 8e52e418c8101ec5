/**
 * The whole pipeline on the Emulator Suite, followed by the real client SDK: a week of real actigraphy plus
 * a HealthKit batch is uploaded through the API; the emulated triggers ingest it, create the job, analyse,
 * skip inference (no model configured in demo-clarity), write the rules insight and deliver. The listener
 * on the job sees each stage change; the insight's numbers equal the analysis's numbers.
 */
import { deleteApp, initializeApp, type FirebaseApp } from 'firebase/app';
import { connectAuthEmulator, createUserWithEmailAndPassword, getAuth } from 'firebase/auth';
import {
  collection,
  connectFirestoreEmulator,
  doc,
  getDoc,
  getFirestore,
  onSnapshot,
} from 'firebase/firestore';
import { afterAll, describe, expect, it } from 'vitest';
import { analysisDocSchema, insightDocSchema, type JobDoc } from '@clarity/core';
import { emulatorOrigin, projectId } from '../support/emulators.ts';
import { realWeek } from './fixtures.ts';

const apiUrl = `${emulatorOrigin('functions')}/${projectId}/us-central1/api`;
const firestoreHost = new URL(emulatorOrigin('firestore'));
let app: FirebaseApp | undefined;

afterAll(async () => {
  if (app) await deleteApp(app);
});

describe('upload -> analyze -> infer -> insight -> deliver', () => {
  it('reaches an insight whose numbers equal the analysis, with every stage change seen live', async () => {
    const week = await realWeek();
    app = initializeApp(
      { projectId, apiKey: 'demo-key', authDomain: `${projectId}.firebaseapp.com` },
      'pipeline-e2e',
    );
    const auth = getAuth(app);
    connectAuthEmulator(auth, emulatorOrigin('auth'), { disableWarnings: true });
    const db = getFirestore(app);
    connectFirestoreEmulator(db, firestoreHost.hostname, Number(firestoreHost.port));
    const { user } = await createUserWithEmailAndPassword(
      auth,
      `pipeline-${Date.now()}@example.com`,
      'correct-horse-battery',
    );

    const seen: string[] = [];
    let jobId: string | undefined;
    const done = new Promise<JobDoc>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`job not complete in 120 s; saw ${seen.join(' | ')}`)),
        120_000,
      );
      const unsubscribe = onSnapshot(
        collection(db, 'users', user.uid, 'jobs'),
        (snap) => {
          for (const change of snap.docChanges()) {
            const j = change.doc.data() as JobDoc;
            jobId = change.doc.id;
            const line = `${j.status} a:${j.stages.analyze.status} i:${j.stages.infer.status} n:${j.stages.insight.status} d:${j.stages.deliver.status}`;
            if (seen.at(-1) !== line) seen.push(line);
            if (j.status === 'complete' || j.status === 'failed') {
              clearTimeout(timer);
              unsubscribe();
              resolve(j);
            }
          }
        },
        reject,
      );
    });

    const res = await fetch(`${apiUrl}/v1/health/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await user.getIdToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ samples: week.samples, timezone: week.timezone }),
    });
    expect(res.status).toBe(202);
    const { data } = (await res.json()) as { data: { uploadId: string } };
    const job = await done;

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
      (await getDoc(doc(db, 'users', user.uid, 'analyses', jobId as string))).data(),
    );
    const insight = insightDocSchema.parse(
      (await getDoc(doc(db, 'users', user.uid, 'insights', jobId as string))).data(),
    );
    expect(analysis.coverage.days).toBe(7);
    expect(analysis.metrics.activity?.validDays).toBe(7);
    expect(analysis.metrics.sleep?.basis).toBe('movement_scoring');
    expect(analysis.metrics.heartRate?.meanBpm).toBeGreaterThan(55);
    expect(insight.generator).toBe('rules');
    expect(insight.correlationId).toBe(job.correlationId);
    const m = analysis.metrics;
    expect(insight.figures['activity.meanDailySteps']).toBe(m.activity?.meanDailySteps);
    expect(insight.figures['sleep.meanTotalSleepMinutes']).toBe(m.sleep?.meanTotalSleepMinutes);
    expect(insight.figures['circadian.IS']).toBe(m.circadian?.IS);
    expect(insight.figures['heartRate.meanBpm']).toBe(m.heartRate?.meanBpm);
    const steps = new Intl.NumberFormat('en', { maximumFractionDigits: 0 }).format(
      m.activity?.meanDailySteps ?? 0,
    );
    expect(insight.keyInsights[0]?.detail).toContain(`${steps} steps`);
    expect(insight.disclaimer).toMatch(/not medical advice/);
  }, 150_000);
});
