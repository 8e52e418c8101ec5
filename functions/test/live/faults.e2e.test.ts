/**
 * The pipeline's fault scenarios end to end, in the live emulator session (project demo-clarity-live): the
 * emulated triggers run every stage; inference-run is a real process with the PAT-S stand-in model; Gemini
 * is the Vertex stand-in, reached by the real @google/genai client inside the functions; the app is the
 * real Firebase client SDK listening to its job. Each scenario has its own user and a marker in that user's
 * preferences: the marker scripts the stand-in for that user only and makes the insight cache key (the
 * input hash covers the context) differ between scenarios, so no scenario can pass on another's answer.
 *
 * The scenarios share the emulated function instances, whose circuit breakers remember failures (the
 * inference breaker stays open for 30 s after the model server dies), so they run in this order: everything
 * healthy, the LLM failing, the model server killed last. The killed scenario therefore does not depend on
 * which generator writes its insight (Gemini, or rules if the LLM breaker is still open).
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Firestore } from 'firebase-admin/firestore';
import {
  analysisDocSchema,
  deadLetterDocSchema,
  insightDocSchema,
  jobDocSchema,
  type InsightLlmOutput,
} from '@clarity/core';
import { jobIdFor } from '../../src/pipeline/jobs.ts';
import { eventually, repoRoot } from '../support/emulators.ts';
import { startVertexStandin, type VertexStandin } from '../support/vertex-standin.ts';
import { realWeek } from '../support/pipeline.ts';
import type { WeekBatch } from '../support/week-batch.ts';
import { startReceiver, type Receiver } from '../support/webhook-receiver.ts';
import {
  allowedAttributes,
  callerTrace,
  kind,
  timeline,
  waitForTrace,
  type ReceivedSpan,
} from '../support/traces.ts';
import {
  apiUrl,
  InferenceServer,
  closeApp,
  count,
  deliverFirestoreEvent,
  dispatchInferTask,
  fireSchedule,
  liveDb,
  liveParams,
  liveProject,
  restDocument,
  signUpApp,
  upload,
  vertexPort,
  watchJob,
  type AppUser,
} from '../support/live.ts';

let db: Firestore;
let week: WeekBatch;
let standin: VertexStandin;
const inference = new InferenceServer();
const apps: AppUser[] = [];
const runId = Date.now().toString(36);
const geminiModel = liveParams.GEMINI_MODEL as string;

const answer = (title: string): InsightLlmOutput => ({
  narrative: `Your week in numbers (${title}).`,
  keyInsights: [
    { title, detail: 'You walked on every day of the week.', metrics: ['activity.meanDailySteps'] },
  ],
  recommendations: ['Keep a regular bedtime.'],
  confidence: 'medium',
});

/** A signed-up app user whose preferences carry a marker unique to the scenario and this run. */
async function scenarioUser(name: string): Promise<{ u: AppUser; marker: string }> {
  const u = await signUpApp(name);
  apps.push(u);
  const marker = `scenario-${name}-${runId}`;
  await db.doc(`users/${u.uid}`).set({ preferences: { goals: marker } }, { merge: true });
  return { u, marker };
}

const requestsWith = (marker: string) =>
  standin.requests.filter((r) => JSON.stringify(r.body ?? null).includes(marker));
/** The user prompt @google/genai sent (the JSON context travels inside it). */
const promptOf = (body: unknown): string =>
  (body as { contents?: { parts?: { text?: string }[] }[] } | undefined)?.contents?.[0]?.parts?.[0]?.text ??
  '';

/** `npm run replay -- ID` as an operator runs it, here against the emulator (FIRESTORE_EMULATOR_HOST). */
function replay(id: string): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const p = spawn('npm', ['run', '--silent', 'replay', '--', id, '--project', liveProject], {
      cwd: repoRoot,
      env: { ...process.env, INFERENCE_URL: liveParams.INFERENCE_URL },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    p.once('exit', (code) => resolve({ code, stdout }));
  });
}

async function docs(uid: string, jobId: string) {
  const [job, analysis, insight] = await Promise.all([
    db.doc(`users/${uid}/jobs/${jobId}`).get(),
    db.doc(`users/${uid}/analyses/${jobId}`).get(),
    db.doc(`users/${uid}/insights/${jobId}`).get(),
  ]);
  return {
    job: jobDocSchema.parse(job.data()),
    analysis: analysisDocSchema.parse(analysis.data()),
    insight: insightDocSchema.parse(insight.data()),
    times: {
      job: job.updateTime?.toMillis(),
      analysis: analysis.updateTime?.toMillis(),
      insight: insight.updateTime?.toMillis(),
    },
  };
}

beforeAll(async () => {
  db = liveDb();
  week = await realWeek();
  standin = await startVertexStandin({ port: vertexPort });
  standin.script({ kind: 'status', status: 503 }); // anything unscripted fails loudly (rules + cause)
  await inference.prepare();
  await inference.start();
}, 120_000);

afterAll(async () => {
  await Promise.all(apps.map(closeApp));
  await inference.dispose();
  await standin.close();
});

describe('live pipeline (model server + Vertex stand-in configured)', () => {
  // First: the breakers of the emulated instances are all closed (later scenarios open them).
  it('one trace from the upload request to every delivery channel: api → ingest → analyze → infer task → inference-run → insight → deliver', async () => {
    const { u, marker } = await scenarioUser('traced');
    standin.scriptFor(marker, { kind: 'json', value: answer('Traced') });
    const receiver: Receiver = await startReceiver();
    try {
      // A webhook endpoint, so the deliver stage has a channel besides the listener.
      const registered = await fetch(`${apiUrl}/v1/webhooks`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${await u.user.getIdToken()}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ url: receiver.url }),
      });
      expect(registered.status).toBe(201);

      const caller = callerTrace();
      const watch = watchJob(u);
      await upload(
        u,
        { samples: week.samples, timezone: week.timezone },
        { traceparent: caller.traceparent },
      );
      const { job } = await watch.done;
      expect(job.status).toBe('complete');
      await receiver.waitFor(2, 60_000); // insight.created and job.completed

      const named = (spans: ReceivedSpan[], name: string, service = 'clarity-functions') =>
        spans.filter((s) => s.name === name && s.service === service);
      // The deliver stage's two webhook events (insight.created, job.completed), each attempted once.
      const deliveredBy = (all: ReceivedSpan[]) => {
        const channel = named(all, 'deliver webhook')[0];
        const attempts = named(all, 'webhookAttempt').filter((a) => a.parentSpanId === channel?.spanId);
        const posts = named(all, 'POST webhook').filter((p) =>
          attempts.some((a) => a.spanId === p.parentSpanId),
        );
        return { channel, attempts, posts };
      };
      const spans = await waitForTrace(caller.traceId, (all) => deliveredBy(all).posts.length >= 2);
      // Where the time went (the job's wait is bounded generously above; this says why it takes what it takes).
      console.log(`trace ${caller.traceId}:\n${timeline(spans)}`);
      const byId = new Map(spans.map((s) => [s.spanId, s]));
      const parentOf = (s: ReceivedSpan) => byId.get(s.parentSpanId);
      const one = (list: ReceivedSpan[], what: string): ReceivedSpan => {
        expect(list, what).toHaveLength(1);
        return list[0] as ReceivedSpan;
      };

      // api: a SERVER span continuing the caller's traceparent.
      const api = one(named(spans, 'POST /v1/health/upload'), 'api span');
      expect(api).toMatchObject({ kind: kind.server, parentSpanId: caller.spanId });
      // ingest: from the upload document the api wrote.
      const ingest = one(named(spans, 'onUploadCreated'), 'ingest span');
      expect(ingest).toMatchObject({ kind: kind.consumer, parentSpanId: api.spanId });
      // The upload's status changes carry the ingest span; the invocation that made the job is among them.
      const finished = named(spans, 'onUploadFinished');
      expect(finished.length).toBeGreaterThan(0);
      for (const f of finished) expect(f.parentSpanId).toBe(ingest.spanId);
      // analyze: from the job document.
      const analyze = one(named(spans, 'onJobCreated'), 'analyze span');
      expect(parentOf(analyze)?.name).toBe('onUploadFinished');
      // The infer task: a SERVER span continuing the task request's traceparent header.
      const infer = one(named(spans, 'inferTask'), 'infer task span');
      expect(infer).toMatchObject({ kind: kind.server, parentSpanId: analyze.spanId });
      // inference-run: its SERVER span is the child of the functions' CLIENT span.
      const call = one(named(spans, 'POST /v1/embed'), 'inference call');
      expect(call).toMatchObject({ kind: kind.client, parentSpanId: infer.spanId });
      const served = one(named(spans, 'POST /v1/embed', 'inference-run'), 'inference-run span');
      expect(served).toMatchObject({ kind: kind.server, parentSpanId: call.spanId });
      // insight: from the analysis the infer task made ready; the Gemini call inside it.
      const gemini = one(named(spans, 'gemini generateContent'), 'Gemini call');
      expect(gemini.kind).toBe(kind.client);
      const insight = parentOf(gemini) as ReceivedSpan;
      expect(insight).toMatchObject({ name: 'onAnalysisReady', parentSpanId: infer.spanId });
      // deliver: from the insight document; one span per channel; each webhook attempt a task continuing it.
      const deliver = one(named(spans, 'onInsightCreated'), 'deliver span');
      expect(deliver.parentSpanId).toBe(insight.spanId);
      const listener = one(named(spans, 'deliver listener'), 'listener channel');
      const webhook = one(named(spans, 'deliver webhook'), 'webhook channel');
      expect([listener.parentSpanId, webhook.parentSpanId]).toEqual([deliver.spanId, deliver.spanId]);
      const { attempts, posts } = deliveredBy(spans);
      expect(attempts).toHaveLength(2);
      for (const a of attempts) expect(a.kind).toBe(kind.server);
      expect(posts).toHaveLength(2);
      for (const post of posts) {
        expect(post.kind).toBe(kind.client);
        expect(post.attributes['clarity.webhook.outcome']).toBe('delivered');
      }

      // No span attribute holds a sample value: only value-free keys, the status code the only number.
      const values = new Set(week.samples.map((x) => String((x as { value?: unknown }).value)));
      for (const s of spans)
        for (const [key, v] of Object.entries(s.attributes)) {
          expect(allowedAttributes.has(key), `${s.name}: attribute ${key}`).toBe(true);
          if (typeof v === 'number')
            expect(key, `${s.name}: number in ${key}`).toBe('http.response.status_code');
          else expect(values.has(String(v)), `${s.name}: ${key} is a sample value`).toBe(false);
        }
    } finally {
      await receiver.close();
    }
  });

  it('valid JSON from Gemini: the insight carries the model id and template version; the embedding is merged', async () => {
    const { u, marker } = await scenarioUser('gemini');
    standin.scriptFor(marker, {
      kind: 'json',
      value: answer('Activity'),
      promptTokens: 1500,
      outputTokens: 200,
    });
    const watch = watchJob(u);
    const uploadId = await upload(u, { samples: week.samples, timezone: week.timezone });
    const { jobId, job, seen } = await watch.done;

    expect(job.status).toBe('complete');
    expect(job.uploadId).toBe(uploadId);
    expect(job.stages).toMatchObject({
      analyze: { status: 'done', attempts: 1 },
      infer: { status: 'done', attempts: 1 },
      insight: { status: 'done', attempts: 1 },
      deliver: { status: 'done', attempts: 1 },
    });
    expect(job.stages.infer.note).toMatch(/^pat-s@.+ \(untrained stand-in\)$/);
    expect(job.degraded).toEqual([]);
    // The listener saw the infer stage run before the insight (the task queue between them).
    expect(seen.some((s) => / a:done i:(pending|running) n:pending/.test(s))).toBe(true);
    expect(seen.at(-1)).toBe('complete a:done i:done n:done d:done');

    const { analysis, insight } = await docs(u.uid, jobId);
    expect(analysis.status).toBe('ready');
    expect(analysis.inference).toMatchObject({ status: 'done', model: { name: 'pat-s', trained: false } });
    expect(analysis.inference.embedding).toHaveLength(96);
    expect(analysis.inference.embedding?.every((v) => Number.isFinite(v))).toBe(true);
    expect(analysis.inference.notice).toMatch(/stand-in/i);
    expect(insight).toMatchObject({
      generator: geminiModel,
      templateVersion: 'insight-v1',
      fallback: null,
      degraded: [],
      usage: { promptTokens: 1500, outputTokens: 200, cached: false },
      narrative: 'Your week in numbers (Activity).',
      correlationId: job.correlationId,
    });
    expect(insight.figures).toEqual({ 'activity.meanDailySteps': analysis.metrics.activity?.meanDailySteps });

    // What the functions sent to "Vertex": the model's REST path in the configured project, one call.
    const calls = requestsWith(marker);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.path).toBe(
      `/v1beta1/projects/${liveParams.VERTEX_PROJECT}/locations/${liveParams.VERTEX_LOCATION}/publishers/google/models/${geminiModel}:generateContent`,
    );
    // The embedding reached the prompt only as a flag (never its numbers), set after the infer stage.
    expect(promptOf(calls[0]?.body)).toContain('"embeddingComputed":true');
    expect(promptOf(calls[0]?.body)).not.toContain(String(analysis.inference.embedding?.[0]));
  });

  it('each stage event delivered three times leaves one job, one analysis, one insight, unchanged', async () => {
    const { u, marker } = await scenarioUser('redeliver');
    standin.scriptFor(marker, { kind: 'json', value: answer('Redelivered') });
    const watch = watchJob(u);
    const uploadId = await upload(u, { samples: week.samples, timezone: week.timezone });
    const { jobId } = await watch.done;
    const before = await docs(u.uid, jobId);
    expect(before.job.status).toBe('complete');

    const base = `users/${u.uid}`;
    const uploadNow = await restDocument(`${base}/uploads/${uploadId}`);
    const uploadBefore: typeof uploadNow = {
      ...uploadNow,
      fields: { ...uploadNow.fields, status: { stringValue: 'parsing' } },
    };
    const jobDoc = await restDocument(`${base}/jobs/${jobId}`);
    const analysisNow = await restDocument(`${base}/analyses/${jobId}`);
    const analysisBefore: typeof analysisNow = {
      ...analysisNow,
      fields: { ...analysisNow.fields, status: { stringValue: 'analyzed' } },
    };
    const insightDoc = await restDocument(`${base}/insights/${jobId}`);
    // A redelivery repeats the event: its id, and its time (the upload's debounce window is taken from it).
    const id = (stage: string) => `redeliver-${stage}-${runId}`;
    for (let i = 0; i < 3; i++) {
      await deliverFirestoreEvent({
        fn: 'onUploadFinished',
        kind: 'updated',
        document: `${base}/uploads/${uploadId}`,
        value: uploadNow,
        oldValue: uploadBefore,
        id: id('upload'),
        time: uploadNow.updateTime,
      });
      await deliverFirestoreEvent({
        fn: 'onJobCreated',
        kind: 'created',
        document: `${base}/jobs/${jobId}`,
        value: jobDoc,
        id: id('job'),
        time: jobDoc.createTime,
      });
      expect(await dispatchInferTask(u.uid, jobId, i)).toBe(204);
      await deliverFirestoreEvent({
        fn: 'onAnalysisReady',
        kind: 'written',
        document: `${base}/analyses/${jobId}`,
        value: analysisNow,
        oldValue: analysisBefore,
        id: id('analysis'),
        time: analysisNow.updateTime,
      });
      await deliverFirestoreEvent({
        fn: 'onInsightCreated',
        kind: 'created',
        document: `${base}/insights/${jobId}`,
        value: insightDoc,
        id: id('insight'),
        time: insightDoc.createTime,
      });
    }

    expect(await count(db, `${base}/jobs`)).toBe(1);
    expect(await count(db, `${base}/analyses`)).toBe(1);
    expect(await count(db, `${base}/insights`)).toBe(1);
    const after = await docs(u.uid, jobId);
    // Not even rewritten: every redelivery was recognised before it wrote anything.
    expect(after.times).toEqual(before.times);
    expect(after.analysis.inference.embedding).toEqual(before.analysis.inference.embedding);
    expect(after.insight.narrative).toBe('Your week in numbers (Redelivered).');
    expect(Object.values(after.job.stages).map((s) => s.attempts)).toEqual([1, 1, 1, 1]);
    expect(requestsWith(marker)).toHaveLength(1); // Gemini was asked once
    const dead = await db.collection('deadLetters').where('uid', '==', u.uid).get();
    expect(dead.size).toBe(0);
  });

  it('scheduledAnalysis (invoked as Cloud Scheduler does) makes one job per user with data per day', async () => {
    const { u, marker } = await scenarioUser('schedule');
    standin.scriptFor(marker, { kind: 'json', value: answer('Scheduled') });
    const first = watchJob(u);
    await upload(u, { samples: week.samples, timezone: week.timezone });
    await first.done;
    // A user with a profile but no data gets no job (it would only fail and dead-letter every day).
    const empty = await scenarioUser('schedule-empty');

    const scheduleTime = `${new Date().toISOString().slice(0, 10)}T04:00:00.000Z`;
    const day = scheduleTime.slice(0, 10);
    const jobId = jobIdFor(u.uid, 'schedule', day);
    const scheduled = db.doc(`users/${u.uid}/jobs/${jobId}`);
    for (let i = 0; i < 3; i++) await fireSchedule('scheduledAnalysis', scheduleTime); // redelivered too
    // The schedule fans out one task per user (scheduleUserTask); the job appears when the user's task has run.
    await eventually(async () => ((await scheduled.get()).exists ? true : undefined), 180_000, 500);

    const jobs = await db.collectionGroup('jobs').where('reason', '==', 'schedule').get();
    // One per user with data (the earlier scenarios' users included), each under the deterministic id.
    expect(jobs.docs.map((d) => d.id).sort()).toEqual(
      jobs.docs.map((d) => jobIdFor(d.ref.parent.parent?.id ?? '', 'schedule', day)).sort(),
    );
    expect(jobs.docs.map((d) => d.ref.parent.parent?.id)).toContain(u.uid);
    expect(jobs.docs.map((d) => d.ref.parent.parent?.id)).not.toContain(empty.u.uid);
    expect(await count(db, `users/${empty.u.uid}/jobs`)).toBe(0);
    expect(await count(db, `users/${u.uid}/jobs`)).toBe(2);
    expect((await scheduled.get()).data()).toMatchObject({
      reason: 'schedule',
      requestedBy: 'schedule',
      correlationId: `schedule-${day}`,
    });

    // Every scheduled job runs the whole pipeline (wait for all: later scenarios kill the model server).
    const deadline = Date.now() + 90_000;
    for (;;) {
      const snap = await db.collectionGroup('jobs').where('reason', '==', 'schedule').get();
      const open = snap.docs.filter((d) => !['complete', 'failed'].includes(d.get('status') as string));
      if (open.length === 0) {
        expect(snap.docs.map((d) => d.get('status') as string)).toEqual(snap.docs.map(() => 'complete'));
        break;
      }
      if (Date.now() > deadline) throw new Error(`${open.length} scheduled jobs still running after 90 s`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const mine = jobDocSchema.parse((await scheduled.get()).data());
    expect(mine.stages).toMatchObject({
      analyze: { status: 'done' },
      infer: { status: 'done' },
      insight: { status: 'done' },
      deliver: { status: 'done' },
    });
    expect((await db.doc(`users/${u.uid}/insights/${jobId}`).get()).get('generator')).toBe(geminiModel);
  });

  it('malformed JSON then 503 from the LLM: a rules insight with the cause on the job and the insight', async () => {
    const { u, marker } = await scenarioUser('llm-down');
    standin.scriptFor(marker, { kind: 'malformed' }, { kind: 'status', status: 503 });
    const watch = watchJob(u);
    await upload(u, { samples: week.samples, timezone: week.timezone });
    const { jobId, job } = await watch.done;

    const cause = 'unavailable: LLM unavailable (503)';
    expect(job.status).toBe('complete');
    expect(job.stages.insight.status).toBe('degraded');
    expect(job.stages.insight.note).toBe(`rules rules-2 (fallback: ${cause})`);
    expect(job.degraded).toEqual([`insight by rules: ${cause}`]);
    const { analysis, insight } = await docs(u.uid, jobId);
    expect(analysis.inference.status).toBe('done'); // the model server is back up
    expect(insight).toMatchObject({
      generator: 'rules',
      templateVersion: 'rules-2',
      fallback: { cause },
      degraded: [`insight by rules: ${cause}`],
      usage: null,
      locale: 'en',
    });
    expect(insight.figures['activity.meanDailySteps']).toBe(analysis.metrics.activity?.meanDailySteps);
    expect(insight.disclaimer).toMatch(/not medical advice/);
    // Three attempts: malformed JSON (retried), then 503 twice; the malformed answer's tokens were counted.
    expect(requestsWith(marker)).toHaveLength(3);
    const usage = await db.doc(`users/${u.uid}/usage/llm_${new Date().toISOString().slice(0, 10)}`).get();
    expect(usage.get('tokens')).toBe(1240);
  });
  it('inference-run killed: an analytics-only insight that says so and a dead letter; after a restart `npm run replay` completes it, nothing lost', async () => {
    const { u, marker } = await scenarioUser('killed');
    standin.scriptFor(marker, { kind: 'json', value: answer('Without the model') });
    // The model server hangs, then dies while the infer stage's call to it is in flight.
    inference.freeze();
    const watch = watchJob(u, 140_000, (line) => / i:running /.test(line));
    await upload(u, { samples: week.samples, timezone: week.timezone });
    await watch.reached;
    await inference.kill();
    const { jobId, job, seen } = await watch.done;

    // Three task attempts (the queue's retry policy), then degraded rather than failed.
    expect(job.status).toBe('complete');
    expect(job.stages.infer.status).toBe('degraded');
    expect(job.stages.infer.attempts).toBe(3);
    const dlId = `infer_${u.uid}_${jobId}`;
    expect(job.stages.infer.note).toContain(`dead letter ${dlId}`);
    expect(job.degraded).toContain('inference unavailable: analytics-only');
    // n:degraded when the LLM breaker is still open from the previous scenario (rules, cause recorded).
    expect(seen.at(-1)).toMatch(/^complete a:done i:degraded n:(done|degraded) d:done$/);
    // The first attempt failed mid-request (reset by the kill), the later ones found nothing listening.
    expect(seen.some((l) => l.startsWith('running a:done i:running n:pending'))).toBe(true);
    const degraded = await docs(u.uid, jobId);
    expect(degraded.analysis.status).toBe('ready');
    expect(degraded.analysis.inference.status).toBe('failed');
    expect(degraded.analysis.inference.embedding).toBeUndefined();
    expect(degraded.analysis.degraded).toContain('inference unavailable: analytics-only');
    // The insight was written from the analytics alone, and says so.
    expect(degraded.insight.degraded).toContain('inference unavailable: analytics-only');
    expect(degraded.insight.figures['activity.meanDailySteps']).toBe(
      degraded.analysis.metrics.activity?.meanDailySteps,
    );
    const dl = deadLetterDocSchema.parse((await db.doc(`deadLetters/${dlId}`).get()).data());
    expect(dl).toMatchObject({
      stage: 'infer',
      status: 'open',
      attempts: 3,
      correlationId: job.correlationId,
      replay: `npm run replay -- ${dlId}`,
      cause: { code: 'unavailable' },
    });

    // Replayed while the model server is still down: reported as failed, the dead letter open again, the
    // job still complete (never left running). A replay is a new start with the stage's full attempt budget
    // (pipeline/replay.ts resets the count), so its one failed attempt is attempt 1.
    const early = await replay(dlId);
    expect(early.stdout).toContain(`replay ${dlId}: failed`);
    expect(early.code).toBe(1);
    expect((await db.doc(`deadLetters/${dlId}`).get()).data()).toMatchObject({ status: 'open', attempts: 1 });
    expect((await docs(u.uid, jobId)).job).toMatchObject({
      status: 'complete',
      stages: { infer: { status: 'degraded', attempts: 1 } },
    });

    await inference.start();
    const out = await replay(dlId);
    expect(out.stdout).toContain(`replay ${dlId}: done`);
    expect(out.code).toBe(0);

    const replayed = await docs(u.uid, jobId);
    expect(replayed.analysis.inference).toMatchObject({ status: 'done', model: { name: 'pat-s' } });
    expect(replayed.analysis.inference.embedding).toHaveLength(96);
    expect(replayed.analysis.degraded).not.toContain('inference unavailable: analytics-only');
    expect(replayed.job.status).toBe('complete');
    expect(replayed.job.stages.infer).toMatchObject({ status: 'done', attempts: 1 });
    expect(replayed.job.degraded).not.toContain('inference unavailable: analytics-only');
    expect((await db.doc(`deadLetters/${dlId}`).get()).get('status')).toBe('replayed');
    // Nothing lost, nothing doubled: the metrics and the insight are the ones written before.
    expect(replayed.analysis.metrics).toEqual(degraded.analysis.metrics);
    expect(replayed.insight).toEqual(degraded.insight);
    expect(await count(db, `users/${u.uid}/jobs`)).toBe(1);
    expect(await count(db, `users/${u.uid}/analyses`)).toBe(1);
    expect(await count(db, `users/${u.uid}/insights`)).toBe(1);
  });
});
