/**
 * Stage handlers called directly on the Firestore emulator (own project id, so the emulated triggers of
 * demo-clarity do not race them): redelivery idempotency, inference-run stopping mid-run with dead letter
 * and replay, and the LLM stand-in's faults and success through the insight stage.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Firestore } from 'firebase-admin/firestore';
import { analysisDocSchema, insightDocSchema, jobDocSchema, type InsightLlmOutput } from '@clarity/core';
import { analyzeJob, type AnalyzeDeps } from '../../src/pipeline/analyze.ts';
import { deliverInsight } from '../../src/pipeline/deliver.ts';
import { inferJob, type InferDeps } from '../../src/pipeline/infer.ts';
import { createInferenceClient } from '../../src/pipeline/inference-client.ts';
import { insightForAnalysis, type InsightDeps } from '../../src/pipeline/insight.ts';
import { createAnalysisJob } from '../../src/pipeline/jobs.ts';
import { replayDeadLetter } from '../../src/pipeline/replay.ts';
import { createGemini } from '../../src/llm/gemini.ts';
import { firestoreInsightCache } from '../../src/llm/cache.ts';
import { createBreaker } from '../../src/platform/circuit-breaker.ts';
import { firestoreTokenBudget, Semaphore } from '../../src/platform/llm-limiter.ts';
import { adminDb, repoRoot } from '../support/emulators.ts';
import { startInferenceRun } from '../support/inference-run.ts';
import { startVertexStandin, type VertexStandin } from '../support/vertex-standin.ts';
import { ingestBatch, realWeek, testLog } from '../support/pipeline.ts';
import type { WeekBatch } from '../support/week-batch.ts';

const project = 'demo-clarity-pipeline';
let db: Firestore;
let week: WeekBatch;
let standin: VertexStandin;
const run = Date.now().toString(36);

const analyzeDeps = (enqueue?: AnalyzeDeps['enqueueInfer']): AnalyzeDeps => ({
  db,
  log: testLog,
  now: Date.now,
  ...(enqueue ? { enqueueInfer: enqueue } : {}),
});

function insightDeps(llm: 'none' | 'gemini'): InsightDeps {
  return {
    db,
    log: testLog,
    now: Date.now,
    llm:
      llm === 'gemini'
        ? createGemini({
            project: 'demo-proj',
            location: 'us-central1',
            model: 'gemini-2.5-flash',
            timeoutMs: 3_000,
            baseUrl: standin.baseUrl,
          })
        : null,
    breaker: createBreaker(`gemini-${Math.random()}`, { timeoutMs: 5_000, volumeThreshold: 100 }),
    limiter: new Semaphore(2),
    budget: firestoreTokenBudget(db, 50_000, 1_000_000),
    cache: firestoreInsightCache(db, Date.now),
    retry: { attempts: 2, baseMs: 5, maxMs: 20 },
    emailVerified: () => Promise.resolve(true),
  };
}

async function count(path: string): Promise<number> {
  return (await db.collection(path).count().get()).data().count;
}

async function seededUser(name: string): Promise<string> {
  const uid = `${name}-${run}`;
  await ingestBatch(db, uid, `up-${name}`, { samples: week.samples, timezone: 'UTC' });
  return uid;
}

async function job(uid: string, jobId: string) {
  return jobDocSchema.parse((await db.doc(`users/${uid}/jobs/${jobId}`).get()).data());
}

beforeAll(async () => {
  db = adminDb(project);
  week = await realWeek();
  standin = await startVertexStandin();
}, 60_000);
afterAll(async () => {
  await standin.close();
});

describe('redelivery', () => {
  it('delivering every stage event three times leaves one job, one analysis, one insight', async () => {
    const uid = await seededUser('redeliver');
    const input = {
      uid,
      window: week.window,
      requestedBy: uid,
      correlationId: 'corr-redeliver',
      reason: 'api' as const,
      timezone: 'UTC',
      key: 'idem-1',
    };
    const created = [];
    for (let i = 0; i < 3; i++) created.push(await createAnalysisJob(db, input));
    expect(created.map((c) => c.created)).toEqual([true, false, false]);
    const { jobId } = created[0] as { jobId: string };
    expect(new Set(created.map((c) => c.jobId)).size).toBe(1);

    const outcomes: string[] = [];
    for (let i = 0; i < 3; i++) outcomes.push((await analyzeJob({ uid, jobId }, analyzeDeps())).kind);
    for (let i = 0; i < 3; i++)
      outcomes.push((await insightForAnalysis({ uid, analysisId: jobId }, insightDeps('none'))).kind);
    for (let i = 0; i < 3; i++)
      outcomes.push(
        (await deliverInsight({ uid, insightId: jobId }, { db, log: testLog, now: Date.now })).kind,
      );
    expect(outcomes).toEqual([
      'done',
      'skipped',
      'skipped',
      'done',
      'skipped',
      'skipped',
      'done',
      'skipped',
      'skipped',
    ]);

    expect(await count(`users/${uid}/jobs`)).toBe(1);
    expect(await count(`users/${uid}/analyses`)).toBe(1);
    expect(await count(`users/${uid}/insights`)).toBe(1);
    const j = await job(uid, jobId);
    expect(j.status).toBe('complete');
    expect(j.stages.analyze).toMatchObject({ status: 'done', attempts: 1 });
    expect(j.stages.infer).toMatchObject({ status: 'skipped', note: 'no model configured' });
    expect(j.stages.insight).toMatchObject({ status: 'done', attempts: 1 });
    expect(j.stages.deliver).toMatchObject({ status: 'done', attempts: 1 });
    expect(j.channels).toEqual(['listener']);

    // The same event delivered concurrently: exactly one attempt does the work.
    const again = await createAnalysisJob(db, { ...input, key: 'idem-2' });
    const settled = await Promise.allSettled(
      [1, 2, 3].map(() => analyzeJob({ uid, jobId: again.jobId }, analyzeDeps())),
    );
    expect(settled.filter((s) => s.status === 'fulfilled' && s.value.kind === 'done')).toHaveLength(1);
    expect(await count(`users/${uid}/analyses`)).toBe(2);
  });
});

describe('inference-run stopped mid-run', () => {
  let modelsDir: string;
  let server: ChildProcess | undefined;
  const port = 18931;

  async function startServer(): Promise<void> {
    server = await startInferenceRun({ modelsDir, port });
  }
  async function stopServer(): Promise<void> {
    const s = server;
    if (!s) return;
    await new Promise<void>((r) => {
      s.once('exit', () => r());
      s.kill('SIGKILL');
    });
    server = undefined;
  }

  beforeAll(async () => {
    modelsDir = mkdtempSync(path.join(os.tmpdir(), 'clarity-models-'));
    await new Promise<void>((resolve, reject) => {
      const p = spawn(
        process.execPath,
        [
          path.join(repoRoot, 'inference-run/tools/standin.ts'),
          '--size',
          's',
          '--out',
          path.join(modelsDir, 'pat-s'),
        ],
        { stdio: 'ignore' },
      );
      p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`standin exited ${code}`))));
    });
    await startServer();
  }, 60_000);
  afterAll(async () => {
    await stopServer();
    rmSync(modelsDir, { recursive: true, force: true });
  });

  it('merges the embedding while up; degrades to an analytics-only insight and a dead letter when it stops; a replay completes it', async () => {
    const uid = await seededUser('infer');
    const inferDeps = (): InferDeps => ({
      db,
      log: testLog,
      now: Date.now,
      client: createInferenceClient(`http://127.0.0.1:${port}`, { timeoutMs: 5_000 }),
      breaker: createBreaker(`inference-${Math.random()}`, { timeoutMs: 6_000, volumeThreshold: 100 }),
      retry: { attempts: 2, baseMs: 5, maxMs: 20 },
    });
    const queued: string[] = [];
    const enqueue = (t: { jobId: string }) => Promise.resolve(void queued.push(t.jobId));

    // Up: embedding merged, analysis ready.
    const a = await createAnalysisJob(db, {
      uid,
      window: week.window,
      requestedBy: uid,
      correlationId: 'corr-a',
      reason: 'api',
      timezone: 'UTC',
      key: 'a',
    });
    await analyzeJob({ uid, jobId: a.jobId }, analyzeDeps(enqueue));
    expect(queued).toEqual([a.jobId]);
    expect((await db.doc(`users/${uid}/analyses/${a.jobId}`).get()).get('status')).toBe('analyzed');
    expect((await inferJob({ uid, jobId: a.jobId, attempt: 0, maxAttempts: 3 }, inferDeps())).kind).toBe(
      'done',
    );
    const withModel = analysisDocSchema.parse(
      (await db.doc(`users/${uid}/analyses/${a.jobId}`).get()).data(),
    );
    expect(withModel.status).toBe('ready');
    expect(withModel.inference).toMatchObject({ status: 'done', model: { name: 'pat-s', trained: false } });
    expect(withModel.inference.embedding).toHaveLength(96);
    expect(withModel.inference.notice).toMatch(/stand-in/i);
    // The task delivered twice more: skipped, the merged embedding untouched.
    for (let i = 0; i < 2; i++)
      expect((await inferJob({ uid, jobId: a.jobId, attempt: 0, maxAttempts: 3 }, inferDeps())).kind).toBe(
        'skipped',
      );
    expect((await job(uid, a.jobId)).stages.infer).toMatchObject({ status: 'done', attempts: 1 });
    expect((await db.doc(`users/${uid}/analyses/${a.jobId}`).get()).get('inference.embedding')).toEqual(
      withModel.inference.embedding,
    );

    // Stopped mid-run: the next job's task attempts fail; the last one degrades and dead-letters.
    const b = await createAnalysisJob(db, {
      uid,
      window: week.window,
      requestedBy: uid,
      correlationId: 'corr-b',
      reason: 'api',
      timezone: 'UTC',
      key: 'b',
    });
    await analyzeJob({ uid, jobId: b.jobId }, analyzeDeps(enqueue));
    await stopServer();
    await expect(inferJob({ uid, jobId: b.jobId, attempt: 0, maxAttempts: 3 }, inferDeps())).rejects.toThrow(
      'inference service unreachable',
    );
    expect((await job(uid, b.jobId)).stages.infer.status).toBe('pending');
    await expect(
      inferJob({ uid, jobId: b.jobId, attempt: 1, maxAttempts: 3 }, inferDeps()),
    ).rejects.toThrow();
    expect(await inferJob({ uid, jobId: b.jobId, attempt: 2, maxAttempts: 3 }, inferDeps())).toEqual({
      kind: 'done',
      status: 'degraded',
    });

    const degraded = analysisDocSchema.parse((await db.doc(`users/${uid}/analyses/${b.jobId}`).get()).data());
    expect(degraded.status).toBe('ready');
    expect(degraded.inference.status).toBe('failed');
    expect(degraded.degraded).toContain('inference unavailable: analytics-only');
    const dlId = `infer_${uid}_${b.jobId}`;
    const dl = (await db.doc(`deadLetters/${dlId}`).get()).data();
    expect(dl).toMatchObject({
      stage: 'infer',
      status: 'open',
      attempts: 3,
      correlationId: 'corr-b',
      replay: `npm run replay -- ${dlId}`,
      cause: { code: 'unavailable' },
    });

    // The insight goes on, analytics-only, and says so.
    await insightForAnalysis({ uid, analysisId: b.jobId }, insightDeps('none'));
    await deliverInsight({ uid, insightId: b.jobId }, { db, log: testLog, now: Date.now });
    const insight = insightDocSchema.parse((await db.doc(`users/${uid}/insights/${b.jobId}`).get()).data());
    expect(insight.generator).toBe('rules');
    expect(insight.narrative).not.toMatch(/research use/);
    const jb = await job(uid, b.jobId);
    expect(jb.status).toBe('complete');
    expect(jb.stages.infer.status).toBe('degraded');
    expect(jb.degraded).toContain('inference unavailable: analytics-only');

    // Back up: the replay adds the embedding; nothing was lost.
    await startServer();
    const outcome = await replayDeadLetter(dlId, {
      db,
      log: testLog,
      analyze: () => analyzeDeps(enqueue),
      infer: inferDeps,
      insight: () => insightDeps('none'),
    });
    expect(outcome).toEqual({ kind: 'done', status: 'done' });
    const replayed = analysisDocSchema.parse((await db.doc(`users/${uid}/analyses/${b.jobId}`).get()).data());
    expect(replayed.inference.status).toBe('done');
    expect(replayed.inference.embedding).toHaveLength(96);
    expect(replayed.degraded).not.toContain('inference unavailable: analytics-only');
    expect((await db.doc(`deadLetters/${dlId}`).get()).get('status')).toBe('replayed');
    const jr = await job(uid, b.jobId);
    expect(jr.status).toBe('complete');
    expect(jr.stages.infer.status).toBe('done');
  });
});

describe('insight stage with the Vertex stand-in', () => {
  it('malformed JSON then 503: a rules insight with the cause recorded; valid JSON: the Gemini model id and template version', async () => {
    const uid = await seededUser('llm');
    await db.doc(`users/${uid}`).set({ locale: 'de-DE' }, { merge: true });
    const mk = async (key: string) => {
      const j = await createAnalysisJob(db, {
        uid,
        window: week.window,
        requestedBy: uid,
        correlationId: `corr-${key}`,
        reason: 'api',
        timezone: 'UTC',
        key,
      });
      await analyzeJob({ uid, jobId: j.jobId }, analyzeDeps());
      return j.jobId;
    };

    const failing = await mk('llm-fail');
    standin.script({ kind: 'malformed' }, { kind: 'status', status: 503 });
    expect(await insightForAnalysis({ uid, analysisId: failing }, insightDeps('gemini'))).toEqual({
      kind: 'done',
      status: 'degraded',
    });
    const rules = insightDocSchema.parse((await db.doc(`users/${uid}/insights/${failing}`).get()).data());
    expect(rules).toMatchObject({
      generator: 'rules',
      templateVersion: 'rules-2',
      locale: 'de',
      fallback: { cause: 'unavailable: LLM unavailable (503)' },
    });
    expect(rules.disclaimer).toMatch(/keine Diagnose/);
    const jf = await job(uid, failing);
    expect(jf.stages.insight.status).toBe('degraded');
    expect(jf.stages.insight.note).toContain('LLM unavailable (503)');
    expect(jf.degraded).toContain('insight by rules: unavailable: LLM unavailable (503)');

    const ok = await mk('llm-ok');
    const answer: InsightLlmOutput = {
      narrative: 'Deine Woche in Zahlen.',
      keyInsights: [
        {
          title: 'Aktivität',
          detail: 'Viele Schritte.',
          metrics: ['activity.meanDailySteps', 'not.a.metric'],
        },
      ],
      recommendations: ['Weiter so.'],
      confidence: 'medium',
    };
    standin.script({ kind: 'json', value: answer, promptTokens: 1500, outputTokens: 200 });
    expect(await insightForAnalysis({ uid, analysisId: ok }, insightDeps('gemini'))).toEqual({
      kind: 'done',
      status: 'done',
    });
    const gem = insightDocSchema.parse((await db.doc(`users/${uid}/insights/${ok}`).get()).data());
    const analysis = analysisDocSchema.parse((await db.doc(`users/${uid}/analyses/${ok}`).get()).data());
    expect(gem).toMatchObject({
      generator: 'gemini-2.5-flash',
      templateVersion: 'insight-v1',
      fallback: null,
      usage: { promptTokens: 1500, outputTokens: 200, cached: false },
    });
    expect(gem.figures).toEqual({ 'activity.meanDailySteps': analysis.metrics.activity?.meanDailySteps });
    expect(
      (await db.doc(`users/${uid}/usage/llm_${new Date().toISOString().slice(0, 10)}`).get()).get('tokens'),
    ).toBe(1240 + 1700); // the malformed answer cost tokens too (1200 + 40)

    // LLM insights need a verified email (security finding 8): an unverified account gets the rules insight
    // and the LLM is not called (the analysis above would otherwise be a cache hit of the Gemini answer).
    const unverified = await mk('llm-unverified');
    const calls = standin.requests.length;
    const noEmail = { ...insightDeps('gemini'), emailVerified: () => Promise.resolve(false) };
    expect(await insightForAnalysis({ uid, analysisId: unverified }, noEmail)).toEqual({
      kind: 'done',
      status: 'done',
    });
    expect((await db.doc(`users/${uid}/insights/${unverified}`).get()).get('generator')).toBe('rules');
    expect(standin.requests.length).toBe(calls);
  });
});
