/**
 * The demo's client side, run inside `firebase emulators:exec` by scripts/demo.ts. It behaves as an app:
 * Firebase client SDK for sign-in, and the typed client library (@clarity/client) for both uploads and for
 * every read: its live watchers of the uploads, jobs, analysis and insights, as the web app uses them.
 *
 * Data: the first 7 complete days of a real Actiwatch recording (../shared/data/actigraphy/actiwatch_awd/
 * example_01.AWD), moved to the week ending yesterday, uploaded as the .AWD file itself through the
 * client's file path (no Storage emulator runs here, so that is the emulator-only PUT /v1/health/files,
 * which stores it where the Storage SDK would and delivers the same finalize event to the storage trigger):
 * its counts are stored as activity_counts. Then a
 * HealthKit batch of heart rate and HRV generated from the same activity goes through the API
 * (functions/test/support/week-batch.ts explains how), and the demo follows the job of that upload.
 * Without ../shared/data, a generated week is uploaded through the API instead.
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { addDays } from '@clarity/core';
import { stageNames, type Analysis, type Insight, type Job } from '@clarity/client';
import { paths } from '../functions/src/store/paths.ts';
import {
  apiBaseUrl as api,
  origin,
  projectId,
  signedInClient,
} from '../packages/client/test/support/emulators.ts';
import { registerDemoChannels, reportDelivery, startDemoDelivery } from './demo-delivery.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const awd = path.resolve(repoRoot, '..', 'shared', 'data', 'actigraphy', 'actiwatch_awd', 'example_01.AWD');
const argv = process.argv.slice(2);
/** scripts/demo.ts shows the terminal only the lines that start with its mark; the rest goes to its log. */
const mark = process.env.CLARITY_DEMO_MARK ?? '';
function say(text: string): void {
  for (const line of text.split('\n')) process.stdout.write(`${mark}${line}\n`);
}

/**
 * Waits until the API answers: the Functions emulator loads the bundle after the emulators report ready, and
 * on a busy machine that takes a while. Fails with one line when it never does.
 */
async function waitForApi(timeoutMs: number): Promise<void> {
  const start = Date.now();
  let told = false;
  for (;;) {
    try {
      if ((await fetch(`${api}/v1/system/health`)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() - start > timeoutMs)
      throw new Error(
        `the API did not answer within ${timeoutMs / 1000} s: the Functions emulator did not load the functions`,
      );
    if (!told && Date.now() - start > 2000) {
      say('demo: waiting for the Functions emulator to load the functions ...');
      told = true;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
const demoPassword = 'demo-password-1';
/** The web app, as the Hosting emulator serves it (firebase.json emulators.hosting). */
const webUrl = `${origin('hosting')}/`;
const inferenceUrl = argv.includes('--inference-url') ? argv[argv.indexOf('--inference-url') + 1] : undefined;

interface WeekBatchModule {
  weekBatchFromFile: (
    file: string,
    endDate: string,
    options?: { steps?: boolean },
  ) => Promise<{ samples: Record<string, unknown>[]; counts: Record<string, number> }>;
  awdWeekFileFrom: (file: string, endDate: string) => Promise<Buffer>;
  yesterday: () => string;
}

/** A generated week of watch data, for machines without ../shared/data. */
function generatedSamples(endDate: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let d = 0; d < 7; d++) {
    const day = addDays(endDate, d - 6);
    for (let h = 0; h < 24; h++) {
      const t = `${day}T${String(h).padStart(2, '0')}:00:00+00:00`;
      const awake = h >= 7 && h < 23;
      out.push({
        type: 'HKQuantityTypeIdentifierHeartRate',
        value: awake ? 72 + ((h * 7 + d) % 15) : 55 + ((h + d) % 5),
        unit: 'count/min',
        startDate: t,
        endDate: t,
        sourceName: 'Generated Watch',
      });
      if (awake)
        out.push({
          type: 'HKQuantityTypeIdentifierStepCount',
          value: 200 + ((h * 37 + d * 11) % 600),
          unit: 'count',
          startDate: t,
          endDate: `${day}T${String(h).padStart(2, '0')}:59:00+00:00`,
          sourceName: 'Generated Watch',
        });
    }
  }
  return out;
}

/**
 * The current value of one of the client's watchers: its first snapshot, then the listener stops (the
 * watchers call back asynchronously, so `stop` is set by then).
 */
function current<T>(
  watch: (onChange: (v: T) => void, onError: (e: Error) => void) => () => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const stop = watch((v) => {
      stop();
      resolve(v);
    }, reject);
  });
}

/** `accepted 10080, duplicate 0, rejected 0` from an upload's counts. */
function describeCounts(counts: unknown): string {
  const c = (counts ?? {}) as Record<string, unknown>;
  return ['accepted', 'duplicate', 'rejected']
    .map((k) => `${k} ${typeof c[k] === 'number' ? c[k] : 0}`)
    .join(', ');
}

async function main(): Promise<void> {
  if (inferenceUrl) {
    // The emulator reads functions/.env.local over .env.demo-clarity for every function it starts;
    // scripts/demo.ts removes the file again when the demo ends.
    writeFileSync(
      path.join(repoRoot, 'functions', '.env.local'),
      `# written by npm run demo\nINFERENCE_URL=${inferenceUrl}\n`,
    );
  }
  await waitForApi(180_000);
  const { user, client } = await signedInClient('demo', 'api', demoPassword);
  say(`demo: signed in as ${user.email} (uid ${user.uid})`);

  const weekModule = (await import(
    pathToFileURL(path.join(repoRoot, 'functions', 'test', 'support', 'week-batch.ts')).href
  )) as WeekBatchModule;
  const endDate = weekModule.yesterday();
  let samples: Record<string, unknown>[];
  let awdFile: Buffer | undefined;
  if (existsSync(awd)) {
    const week = await weekModule.weekBatchFromFile(awd, endDate, { steps: false });
    awdFile = await weekModule.awdWeekFileFrom(awd, endDate);
    samples = week.samples;
    say(
      `demo: ${path.relative(repoRoot, awd)} (real Actiwatch recording): 7 days as the .AWD file through Storage (activity counts), + ${week.counts.heartRate} heart-rate and ${week.counts.hrv} HRV samples (generated HealthKit batch) through the API, week ending ${endDate}`,
    );
  } else {
    samples = generatedSamples(endDate);
    say(`demo: ../shared/data not found; uploading a generated week of ${samples.length} samples`);
  }

  const t0 = Date.now();
  const stamp = (): string => `+${String(Date.now() - t0).padStart(5)} ms`;
  // Follows every job of the user; resolves on the first finished one of the API upload (set once POSTed).
  const wanted: { uploadId?: string } = {};
  let jobId: string | undefined;
  const lastLine = new Map<string, string>();
  const finishedJobs = new Map<string, Job>();
  let settle: ((j: Job) => void) | undefined;
  // A stall, not a slow machine, is the failure: the clock restarts at every change of any job.
  const stallMs = 300_000;
  let stall: ReturnType<typeof setTimeout> | undefined;
  const finished = new Promise<Job>((resolve, reject) => {
    const arm = (): void => {
      clearTimeout(stall);
      stall = setTimeout(
        () => reject(new Error(`no pipeline progress for ${stallMs / 1000} s (see the emulator log)`)),
        stallMs,
      );
    };
    arm();
    settle = (j) => {
      clearTimeout(stall);
      resolve(j);
    };
    // The user's jobs, newest first (the web app's list): each snapshot is reported oldest first.
    client.watchJobs(
      (jobs) => {
        for (const j of [...jobs].reverse()) {
          const id = j.id;
          if (!lastLine.has(id))
            say(
              `demo: job ${id} created (upload ${j.uploadId ?? '-'}); following ${paths.job(user.uid, id)}`,
            );
          const line = stageNames.map((s) => `${s} ${j.stages[s].status}`).join(' | ');
          if (line !== lastLine.get(id)) {
            say(`  ${stamp()}  ${j.status.padEnd(8)} ${line}`);
            arm();
          }
          lastLine.set(id, line);
          if (j.status === 'complete' || j.status === 'failed') {
            finishedJobs.set(id, j);
            if (wanted.uploadId !== undefined && j.uploadId === wanted.uploadId) {
              jobId = id;
              settle?.(j);
            }
          }
        }
      },
      { onError: reject },
    );
  });
  // Awaited after the uploads; until then a rejection must not end the process as an unhandled one.
  finished.catch(() => undefined);
  const waitForUpload = async (uploadId: string): Promise<void> => {
    const u = await client.uploadFinished(uploadId, stallMs);
    say(
      `  ${stamp()}  upload ${uploadId}: ${u.status}; ${describeCounts(u.counts)} (${Object.keys(u.byType ?? {}).join(', ')})`,
    );
  };

  if (awdFile) {
    const { uploadId } = await client.uploadFile(new Uint8Array(awdFile), {
      filename: 'example_01.AWD',
      timezone: 'UTC',
    });
    say(
      `  ${stamp()}  file upload (PUT /v1/health/files) -> uploads/${user.uid}/${uploadId}/example_01.AWD (${awdFile.length} bytes)`,
    );
    await waitForUpload(uploadId);
    // Its own job runs first; the HealthKit upload then gets a job over both.
    // Its job's progress re-arms the stall timer; a stall rejects `finished`, which ends this wait.
    await Promise.race([
      finished.then(() => undefined),
      (async () => {
        while (![...finishedJobs.values()].some((j) => j.uploadId === uploadId))
          await new Promise((r) => setTimeout(r, 200));
      })(),
    ]);
  }

  // Delivery: a webhook receiver, an SMTP server and a push sink on loopback, registered for this user
  // now, so the HealthKit upload's job delivers to them (scripts/demo-delivery.ts).
  const delivery = await startDemoDelivery(projectId);
  const callApi = async (method: string, route: string, body?: unknown) => {
    const res = await fetch(`${api}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${await user.getIdToken()}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, data: ((await res.json()) as { data: Record<string, unknown> }).data };
  };
  await registerDemoChannels(callApi, delivery, say);

  const batch = await client.uploadHealthKit({ samples, timezone: 'UTC' });
  say(`  ${stamp()}  POST /v1/health/upload -> 202, upload ${batch.uploadId}`);
  wanted.uploadId = batch.uploadId;
  for (const [id, j] of finishedJobs)
    if (j.uploadId === wanted.uploadId) {
      jobId = id;
      settle?.(j);
    }

  const job = await finished;
  for (const s of stageNames) {
    const note = job.stages[s].note;
    if (note) say(`           ${s}: ${note}`);
  }
  if (job.degraded.length > 0) say(`           degraded: ${job.degraded.join('; ')}`);
  const analysis = await current<Analysis | undefined>((onChange, onError) =>
    client.watchAnalysis(jobId as string, onChange, { onError }),
  );
  if (analysis?.inference.status === 'done') {
    say(
      `demo: PAT embedding: ${analysis.inference.embedding?.length ?? 0} numbers from ${analysis.inference.model?.name}@${analysis.inference.model?.version} (a representation, not a prediction${analysis.inference.notice ? `; ${analysis.inference.notice}` : ''})`,
    );
  }
  const insights = await current<Insight[]>((onChange, onError) =>
    client.watchInsights(onChange, { onError }),
  );
  const insight = insights.find((i) => i.id === (job.insightId ?? jobId));
  if (insight) {
    say(`\ninsight (${insight.generator}, ${insight.templateVersion}, confidence ${insight.confidence}):`);
    say(`  ${insight.narrative}`);
    for (const k of insight.keyInsights) say(`  - ${k.title}: ${k.detail}`);
    for (const r of insight.recommendations) say(`  > ${r}`);
    say(`  (${insight.disclaimer})`);
  }
  const delivered = await reportDelivery(client, user.uid, jobId as string, delivery, say);
  await delivery.close();
  const shotAt = argv.indexOf('--screenshot');
  if (shotAt >= 0 && argv[shotAt + 1]) {
    const out = path.resolve(argv[shotAt + 1] as string);
    const { screenshotDashboard } = await import('./web-screenshot.ts');
    await screenshotDashboard({ url: webUrl, email: user.email ?? '', password: demoPassword, out });
    say(`demo: dashboard screenshot written to ${path.relative(repoRoot, out)}`);
  }
  say(
    `\ndemo: web app at ${webUrl} (served by the Hosting emulator): sign in as ${user.email} / ${demoPassword} to see this dashboard${argv.includes('--keep') ? '' : ' (run npm run demo -- --keep to keep it up)'}`,
  );
  if (argv.includes('--keep')) {
    say(`demo: emulators stay up (Ctrl-C to stop). API: ${api}`);
    await new Promise(() => undefined);
  }
  process.exit(job.status === 'complete' && delivered ? 0 : 1);
}

main().catch((e: unknown) => {
  say(`demo: failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
