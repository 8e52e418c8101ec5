/**
 * The "live" emulator session (project demo-clarity-live, params in functions/.env.demo-clarity-live): the
 * emulated functions call inference-run and Vertex AI on fixed loopback ports, where these helpers start a
 * real inference-run process (PAT-S stand-in model) and the Vertex stand-in. The app side is the real
 * Firebase client SDK (auth + Firestore listeners) and the HTTPS API; the test side reads with the Admin SDK.
 * Redeliveries go through the Functions emulator's own trigger routes (the ones the Firestore, Pub/Sub and
 * Cloud Tasks emulators post to), so the emulated function receives exactly what a redelivery would carry.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deleteApp, type FirebaseApp } from 'firebase/app';
import type { User } from 'firebase/auth';
import { collection, onSnapshot, type Firestore as ClientFirestore } from 'firebase/firestore';
import type { Firestore } from 'firebase-admin/firestore';
import type { JobDoc } from '@clarity/core';
import { adminDb, emulatorOrigin, repoRoot, signedUpClient } from './emulators.ts';
import { startInferenceRun } from './inference-run.ts';

export const liveProject = 'demo-clarity-live';
export const region = 'us-central1';

/** The session's params, read from the same file the Functions emulator loads. */
export const liveParams: Record<string, string> = Object.fromEntries(
  readFileSync(path.join(repoRoot, 'functions', `.env.${liveProject}`), 'utf8')
    .split('\n')
    .filter((l) => /^[A-Z_]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
);
const portOf = (name: string): number => {
  const url = liveParams[name];
  if (!url) throw new Error(`${name} is not set in functions/.env.${liveProject}`);
  return Number(new URL(url).port);
};
export const inferencePort = portOf('INFERENCE_URL');
export const vertexPort = portOf('VERTEX_BASE_URL');

/** Fails loudly when run in another emulator session (its params would not configure a model). */
export function liveDb(): Firestore {
  if (process.env.GCLOUD_PROJECT !== liveProject) {
    throw new Error(
      `the live tests need the ${liveProject} emulator session (GCLOUD_PROJECT is ${process.env.GCLOUD_PROJECT ?? 'unset'}): ` +
        `node scripts/emulators.ts exec --project ${liveProject} -- node node_modules/vitest/vitest.mjs run --project live`,
    );
  }
  return adminDb(liveProject);
}

export const run = (args: string[], what: string): Promise<void> =>
  new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { stdio: 'ignore' });
    p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${what} exited ${code}`))));
  });

/** A real inference-run process (no ID-token auth: the emulated functions send none to loopback URLs). */
export class InferenceServer {
  readonly url = `http://127.0.0.1:${inferencePort}`;
  modelsDir = '';
  private proc: ChildProcess | undefined;
  private readonly serverArgs: string[];

  /** `serverArgs`: extra inference-run flags (e.g. --allow-unvalidated-heads). */
  constructor(serverArgs: string[] = []) {
    this.serverArgs = serverArgs;
  }

  /** The PAT-S stand-in in `modelsDir`/pat-s (`standinArgs`: e.g. --with-head). */
  async prepare(standinArgs: string[] = []): Promise<void> {
    this.modelsDir = mkdtempSync(path.join(os.tmpdir(), 'clarity-live-models-'));
    await run(
      [
        path.join(repoRoot, 'inference-run/tools/standin.ts'),
        '--size',
        's',
        '--out',
        path.join(this.modelsDir, 'pat-s'),
        ...standinArgs,
      ],
      'model stand-in',
    );
  }

  async start(): Promise<void> {
    this.proc = await startInferenceRun({
      modelsDir: this.modelsDir,
      port: inferencePort,
      args: ['--ep', 'cpu', ...this.serverArgs],
      // Its spans go to the session's trace collector (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, from the harness).
      env: { ...process.env, TRACE_EXPORTER: 'otlp' },
    });
  }

  /**
   * SIGSTOP: the process hangs. The kernel still accepts connections, so a call to it stays in flight
   * (until the caller's timeout) — a deterministic "mid-request" for a kill that follows.
   */
  freeze(): void {
    this.proc?.kill('SIGSTOP');
  }

  /** SIGKILL: the process dies as a crashed container would, without draining. */
  async kill(): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((r) => {
      p.once('exit', () => r());
      p.kill('SIGKILL');
    });
  }

  async dispose(): Promise<void> {
    await this.kill();
    if (this.modelsDir) rmSync(this.modelsDir, { recursive: true, force: true });
  }
}

/** One app user: a client SDK app signed up on the Auth emulator, Firestore on the emulator. */
export interface AppUser {
  app: FirebaseApp;
  db: ClientFirestore;
  user: User;
  uid: string;
}

export const apiUrl = `${emulatorOrigin('functions')}/${liveProject}/${region}/api`;

export async function signUpApp(name: string): Promise<AppUser> {
  const stamp = Date.now();
  const { app, db, user } = await signedUpClient(
    `live-${name}-${stamp}`,
    `${name}-${stamp}@example.com`,
    liveProject,
  );
  // LLM insights need a verified email (functions/README-security.md, finding 8): verified as an admin
  // would, through the Auth emulator's admin endpoint.
  const verified = await fetch(
    `${emulatorOrigin('auth')}/identitytoolkit.googleapis.com/v1/projects/${liveProject}/accounts:update`,
    {
      method: 'POST',
      headers: { authorization: 'Bearer owner', 'content-type': 'application/json' },
      body: JSON.stringify({ localId: user.uid, emailVerified: true }),
    },
  );
  if (!verified.ok) throw new Error(`email verification failed: HTTP ${verified.status}`);
  return { app, db, user, uid: user.uid };
}

export const closeApp = (u: AppUser | undefined): Promise<void> => (u ? deleteApp(u.app) : Promise.resolve());

/** POST /v1/health/upload as the user (with extra headers, e.g. a traceparent); returns the upload id. */
export async function upload(
  u: AppUser,
  body: { samples: unknown[]; timezone: string },
  headers: Record<string, string> = {},
): Promise<string> {
  const res = await fetch(`${apiUrl}/v1/health/upload`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${await u.user.getIdToken()}`,
      'content-type': 'application/json',
      ...headers,
    },
    body: JSON.stringify(body),
  });
  if (res.status !== 202) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { data: { uploadId: string } }).data.uploadId;
}

export const stageLine = (j: JobDoc): string =>
  `${j.status} a:${j.stages.analyze.status} i:${j.stages.infer.status} n:${j.stages.insight.status} d:${j.stages.deliver.status}`;

/**
 * Listens to users/{uid}/jobs with the client SDK (as the app does) and resolves `done` when a job ends
 * (complete or failed), with every distinct stage line the listener saw on the way; `reached` resolves
 * when a line matches `until` (e.g. a stage running), for a test that acts at that moment.
 */
export function watchJob(
  u: AppUser,
  timeoutMs = 140_000,
  until: (line: string) => boolean = () => false,
): {
  done: Promise<{ jobId: string; job: JobDoc; seen: string[] }>;
  reached: Promise<void>;
  seen: string[];
} {
  const seen: string[] = [];
  let reach: () => void = () => undefined;
  const reached = new Promise<void>((r) => (reach = r));
  const done = new Promise<{ jobId: string; job: JobDoc; seen: string[] }>((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`job not finished in ${timeoutMs} ms; saw ${seen.join(' | ')}`));
    }, timeoutMs);
    const unsubscribe = onSnapshot(
      collection(u.db, 'users', u.uid, 'jobs'),
      (snap) => {
        for (const change of snap.docChanges()) {
          const j = change.doc.data() as JobDoc;
          const line = stageLine(j);
          if (seen.at(-1) !== line) seen.push(line);
          if (until(line)) reach();
          if (j.status === 'complete' || j.status === 'failed') {
            clearTimeout(timer);
            unsubscribe();
            resolve({ jobId: change.doc.id, job: j, seen });
          }
        }
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
  // A job that ends without reaching the line fails the wait instead of hanging it.
  void done.then(
    () => reach(),
    () => reach(),
  );
  return { done, reached, seen };
}

export async function count(db: Firestore, collectionPath: string): Promise<number> {
  return (await db.collection(collectionPath).count().get()).data().count;
}

// --- Redelivery through the Functions emulator ---------------------------------------------------------

/**
 * The emulator's key of an event-triggered function (`us-central1-onJobCreated-0`: the suffix is the
 * emulator's reload generation, so it is looked up each time). The emulator lists the keys when asked for
 * an unknown function.
 */
export async function triggerKey(name: string): Promise<string> {
  const res = await fetch(`${emulatorOrigin('functions')}/${liveProject}/${region}/__list_functions__`);
  const m = /valid functions are: (.*)$/.exec(await res.text());
  if (!m?.[1]) throw new Error('the Functions emulator did not list its functions');
  const keys = m[1].split(', ').map((s) => s.trim());
  const re = new RegExp(`^${region}-${name}-\\d+$`);
  const key = keys.find((k) => re.test(k));
  if (!key) throw new Error(`no emulated trigger ${name} (have ${keys.join(', ')})`);
  return key;
}

/** A document as Firestore's REST API (and so the CloudEvent JSON encoding) writes it. */
export interface RestDocument {
  name: string;
  fields: Record<string, unknown>;
  createTime: string;
  updateTime: string;
}

export async function restDocument(docPath: string): Promise<RestDocument> {
  const res = await fetch(
    `${emulatorOrigin('firestore')}/v1/projects/${liveProject}/databases/(default)/documents/${docPath}`,
    { headers: { authorization: 'Bearer owner' } },
  );
  if (!res.ok) throw new Error(`reading ${docPath} over REST: ${res.status}`);
  return (await res.json()) as RestDocument;
}

const eventTypes = {
  created: 'google.cloud.firestore.document.v1.created',
  updated: 'google.cloud.firestore.document.v1.updated',
  written: 'google.cloud.firestore.document.v1.written',
} as const;

/**
 * Delivers a Firestore CloudEvent (structured mode, JSON data: the encoding firebase-functions accepts
 * besides protobuf) to an emulated trigger, with the event id of the delivery being repeated.
 */
export async function deliverFirestoreEvent(input: {
  fn: string;
  kind: keyof typeof eventTypes;
  document: string;
  value: RestDocument;
  oldValue?: RestDocument;
  id: string;
  time: string;
}): Promise<void> {
  const key = await triggerKey(input.fn);
  const res = await fetch(
    `${emulatorOrigin('functions')}/functions/projects/${liveProject}/triggers/${key}`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json; charset=UTF-8' },
      body: JSON.stringify({
        specversion: '1.0',
        id: input.id,
        type: eventTypes[input.kind],
        source: `//firestore.googleapis.com/projects/${liveProject}/databases/(default)`,
        subject: `documents/${input.document}`,
        time: input.time,
        datacontenttype: 'application/json',
        project: liveProject,
        location: region,
        database: '(default)',
        namespace: '(default)',
        document: input.document,
        data: { value: input.value, ...(input.oldValue ? { oldValue: input.oldValue } : {}) },
      }),
    },
  );
  if (!res.ok) throw new Error(`delivering ${input.fn} answered ${res.status}: ${await res.text()}`);
}

/** Dispatches an infer task to the emulated queue function as Cloud Tasks does (same task name). */
export async function dispatchInferTask(uid: string, jobId: string, retryCount = 0): Promise<number> {
  const res = await fetch(`${emulatorOrigin('functions')}/${liveProject}/${region}/inferTask`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'X-CloudTasks-QueueName': `projects/${liveProject}/locations/${region}/queues/inferTask`,
      'X-CloudTasks-TaskName': `infer-${uid}-${jobId}`.replace(/[^A-Za-z0-9_-]/g, '_'),
      'X-CloudTasks-TaskRetryCount': String(retryCount),
      'X-CloudTasks-TaskExecutionCount': String(retryCount),
    },
    body: JSON.stringify({ data: { uid, jobId } }),
  });
  return res.status;
}

/** Invokes the scheduled function as Cloud Scheduler does (HTTP POST with the schedule headers). */
export async function fireSchedule(fn: string, scheduleTime: string): Promise<void> {
  const key = await triggerKey(fn);
  const res = await fetch(
    `${emulatorOrigin('functions')}/functions/projects/${liveProject}/triggers/${key}`,
    {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'X-CloudScheduler-JobName': `firebase-schedule-${fn}-${region}`,
        'X-CloudScheduler-ScheduleTime': scheduleTime,
      },
      body: '{}',
    },
  );
  if (!res.ok) throw new Error(`scheduled ${fn} answered ${res.status}: ${await res.text()}`);
}
