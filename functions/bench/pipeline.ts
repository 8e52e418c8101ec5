/**
 * Pipeline latency benchmark on the local emulators: the time from the upload request to the insight
 * document reaching a client-SDK listener.
 *
 *   node scripts/emulators.ts exec -- node functions/bench/pipeline.ts [--runs 20] [--batch week|day]
 *   node scripts/emulators.ts exec --project demo-clarity-live -- node functions/bench/pipeline.ts [...]
 *   add --json for one JSON object on stdout (progress then goes to stderr); `npm run bench` uses it.
 *
 * In the default session (demo-clarity) there is no model and no Vertex project: infer is skipped and the
 * rule-based generator writes the insight. In the live session (demo-clarity-live) the bench starts a real
 * inference-run (PAT-S stand-in) and the Vertex stand-in (answering valid JSON at once) on the session's
 * fixed ports, so the time includes the task queue, the model call and a Gemini call through @google/genai
 * (each run's user has its own preferences, so the insight cache never answers).
 *
 * Each run signs up a fresh user (so every run is a first analysis), starts a listener on the user's
 * insights, POSTs the batch and stops the clock when the insight snapshot arrives. One warm-up run (cold
 * function starts) is not counted. Batch `week` = 7 days of real actigraphy + HealthKit (3 038 samples),
 * `day` = its last day only.
 */
import { parseArgs } from 'node:util';
import { deleteApp } from 'firebase/app';
import { collection, getDocs, onSnapshot, type Firestore } from 'firebase/firestore';
import {
  adminDb,
  emulatorOrigin,
  projectId as defaultProject,
  signedUpClient,
} from '../test/support/emulators.ts';
import { realWeek } from '../test/support/pipeline.ts';
import { InferenceServer, liveProject, vertexPort } from '../test/support/live.ts';
import { startVertexStandin, type VertexStandin } from '../test/support/vertex-standin.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    batch: { type: 'string', default: 'week' },
    json: { type: 'boolean', default: false },
  },
});
/** Progress lines: stdout normally, stderr under --json (stdout then holds only the result object). */
const say = (line: string): void => {
  if (values.json) process.stderr.write(line + '\n');
  else console.log(line);
};
const runs = Number(values.runs);
const week = await realWeek();
const samples =
  values.batch === 'day'
    ? week.samples.filter((s) => String(s.startDate).startsWith(week.window.end))
    : week.samples;
const live = process.env.GCLOUD_PROJECT === liveProject;
const projectId = live ? liveProject : defaultProject;
const apiUrl = `${emulatorOrigin('functions')}/${projectId}/us-central1/api`;
let inference: InferenceServer | undefined;
let standin: VertexStandin | undefined;
if (live) {
  inference = new InferenceServer();
  await inference.prepare();
  await inference.start();
  standin = await startVertexStandin({ port: vertexPort });
  standin.script({
    kind: 'json',
    value: {
      narrative: 'Your week in numbers.',
      keyInsights: [
        { title: 'Activity', detail: 'You walked every day.', metrics: ['activity.meanDailySteps'] },
      ],
      recommendations: ['Keep a regular bedtime.'],
      confidence: 'medium',
    },
  });
}

type Segments = Record<string, number>;

/** Millisecond value of a Firestore Timestamp field (client SDK), or NaN. */
const ms = (v: unknown): number => (v as { toMillis?: () => number } | undefined)?.toMillis?.() ?? Number.NaN;

/**
 * Where the time went, from the timestamps the pipeline writes itself (server clock): the upload's
 * statusTimes and the job's per-stage startedAt/finishedAt. Gaps between stages are trigger delivery.
 */
async function segments(db: Firestore, uid: string): Promise<Segments> {
  const [uploads, jobs] = await Promise.all([
    getDocs(collection(db, 'users', uid, 'uploads')),
    getDocs(collection(db, 'users', uid, 'jobs')),
  ]);
  const up = uploads.docs[0]?.data() as { statusTimes?: Record<string, unknown> } | undefined;
  const job = jobs.docs[0]?.data() as
    | { createdAt?: unknown; stages?: Record<string, { startedAt?: unknown; finishedAt?: unknown }> }
    | undefined;
  const t = up?.statusTimes ?? {};
  const st = job?.stages ?? {};
  const at = (stage: string, k: 'startedAt' | 'finishedAt'): number => ms(st[stage]?.[k]);
  return {
    'received→parsing (trigger)': ms(t.parsing) - ms(t.received),
    ingest: ms(t.ingested) - ms(t.parsing),
    'ingested→job created': ms(job?.createdAt) - ms(t.ingested),
    'job→analyze start (trigger)': at('analyze', 'startedAt') - ms(job?.createdAt),
    analyze: at('analyze', 'finishedAt') - at('analyze', 'startedAt'),
    ...(live
      ? {
          'analyze→infer start (queue)': at('infer', 'startedAt') - at('analyze', 'finishedAt'),
          infer: at('infer', 'finishedAt') - at('infer', 'startedAt'),
          'infer→insight start': at('insight', 'startedAt') - at('infer', 'finishedAt'),
        }
      : { 'analyze→insight start': at('insight', 'startedAt') - at('analyze', 'finishedAt') }),
    insight: at('insight', 'finishedAt') - at('insight', 'startedAt'),
  };
}

const segmentRuns: Segments[] = [];

async function once(i: number): Promise<{ total: number; accepted: number }> {
  const { app, db, user } = await signedUpClient(
    `bench-${i}`,
    `bench-${Date.now()}-${i}@example.com`,
    projectId,
  );
  // Live: a different context per user, so every run asks Gemini instead of the insight cache.
  if (live)
    await adminDb(projectId)
      .doc(`users/${user.uid}`)
      .set({ preferences: { goals: `bench-${i}` } }, { merge: true });
  const token = await user.getIdToken();
  let t0 = 0;
  const seen = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no insight within 120 s')), 120_000);
    const unsub = onSnapshot(
      collection(db, 'users', user.uid, 'insights'),
      (snap) => {
        if (snap.size > 0 && t0 > 0) {
          clearTimeout(timer);
          unsub();
          resolve(performance.now() - t0);
        }
      },
      reject,
    );
  });
  t0 = performance.now();
  const res = await fetch(`${apiUrl}/v1/health/upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ samples, timezone: 'UTC' }),
  });
  if (res.status !== 202) throw new Error(`upload answered ${res.status}`);
  const total = await seen;
  segmentRuns.push(await segments(db, user.uid));
  await deleteApp(app);
  return { total, accepted: samples.length };
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number;
};

const warm = await once(-1);
say(`warm-up (cold starts): ${(warm.total / 1000).toFixed(2)} s`);
const times: number[] = [];
for (let i = 0; i < runs; i++) {
  const r = await once(i);
  times.push(r.total);
  say(`run ${String(i + 1).padStart(2)}: ${(r.total / 1000).toFixed(2)} s`);
}
say(
  `${live ? 'live (inference-run PAT-S + Vertex stand-in)' : 'no model, rules'}: ` +
    `upload -> insight visible to the listener, batch ${values.batch} (${samples.length} samples), ${runs} runs: ` +
    `p50 ${(pct(times, 50) / 1000).toFixed(2)} s, p95 ${(pct(times, 95) / 1000).toFixed(2)} s, ` +
    `min ${(Math.min(...times) / 1000).toFixed(2)} s, max ${(Math.max(...times) / 1000).toFixed(2)} s`,
);
const counted = segmentRuns.slice(1); // without the warm-up
const segmentP50Ms: Record<string, number> = {};
for (const name of Object.keys(counted[0] ?? {})) {
  const xs = counted.map((r) => r[name] ?? Number.NaN).filter((x) => Number.isFinite(x));
  if (xs.length === 0) continue;
  segmentP50Ms[name] = pct(xs, 50);
  say(`  ${name.padEnd(30)} p50 ${(pct(xs, 50) / 1000).toFixed(2)} s`);
}
if (values.json) {
  const result = {
    live,
    batch: values.batch,
    samples: samples.length,
    runs,
    p50Ms: pct(times, 50),
    p95Ms: pct(times, 95),
    segmentP50Ms,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}
await inference?.dispose();
await standin?.close();
process.exit(0);
