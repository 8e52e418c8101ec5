/**
 * Finding 6, the heavy-user memory test: `users` users, each with `days` daily heart-rate series documents
 * (`samplesPerDay` stored samples a day and the 1 440-minute view the series writer keeps), written straight
 * into the Firestore emulator with the admin SDK; then all of them at once ask the API for their GDPR export
 * (signed, streamed) and for a year of daily and weekly trends. The API is the app exactly as the `api`
 * function builds it, in its own process (api-process.ts, as the flood test runs it), which samples its own
 * memory; the test passes when every answer is complete and correct and the process's peak resident set
 * (the kernel's VmHWM) stayed under the function's memory limit (512 MiB, triggers/api.ts).
 *
 * `npm run test:heavy` (scripts/heavy.ts) runs the full size (20 users x 365 days) inside
 * `firebase emulators:exec` and prints the figures as its last line; heavy.int.test.ts runs a small size in
 * `npm test`. Everything asserted is a count or a memory figure of this run, never a speed.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Firestore } from 'firebase-admin/firestore';
import { addDays, type CanonicalSample, type SeriesDoc } from '@clarity/core';
import { signRequest } from '../../src/api/signing.ts';
import { minuteSeriesOf } from '../../src/store/minute-series-writer.ts';
import { paths } from '../../src/store/paths.ts';
import { signIn } from './gateway.ts';
import { adminAuth, adminDb, signUp } from './emulators.ts';
import { seriesDocsOf } from './series.ts';
import { startApiProcess, stopApiProcess } from './api-process.ts';

/** The `api` function's memory (triggers/api.ts: memory '512MiB'). */
export const functionMemoryMiB = Number(
  /memory:\s*'(\d+)MiB'/.exec(
    readFileSync(
      path.join(path.dirname(fileURLToPath(import.meta.url)), '../../src/triggers/api.ts'),
      'utf8',
    ),
  )?.[1],
);

/**
 * V8's old-space cap for the API process: three quarters of the function's memory. An instance of 512 MiB
 * has to collect its garbage before the container's limit; without a cap V8 sizes its heap from this
 * machine's 24 GB and lets garbage pile up far past 512 MiB (the uncapped figures are in
 * functions/README-security.md), which says nothing about what the instance needs. A process whose live
 * data does not fit dies with "heap out of memory", and the test fails.
 */
export const heapCapMiB = (): number => Math.floor((functionMemoryMiB * 3) / 4);

export interface HeavyOptions {
  users: number;
  days: number;
  samplesPerDay: number;
  /** A params file for the server (KEY=value lines): functions/.env.demo-clarity. */
  paramsFile: string;
  log?: (line: string) => void;
}

export interface HeavyFigures {
  users: number;
  days: number;
  samplesPerDay: number;
  exports: number;
  exportDocumentsPerUser: number[];
  exportMiB: number;
  trendsRequests: number;
  failures: string[];
  peakRssMiB: number;
  peakHeapUsedMiB: number;
  limitMiB: number;
  heapCapMiB: number;
  seconds: number;
}

const mib = (b: number): number => Math.round((b / 2 ** 20) * 10) / 10;
const firstDay = '2025-01-01';

/** One user's year: `days` series documents of heart rate, samples every 1440/samplesPerDay minutes. */
export function heavySeries(days: number, samplesPerDay: number): SeriesDoc[] {
  const step = Math.floor((24 * 60) / samplesPerDay) * 60_000;
  const samples: CanonicalSample[] = [];
  const t0 = Date.parse(`${firstDay}T00:00:00Z`);
  for (let d = 0; d < days; d++) {
    for (let k = 0; k < samplesPerDay; k++) {
      const t = t0 + d * 86_400_000 + k * step;
      samples.push({
        type: 'HKQuantityTypeIdentifierHeartRate',
        metric: 'heart_rate',
        startMs: t,
        endMs: t,
        offsetMinutes: 0,
        value: 55 + ((d * 7 + k * 13) % 60),
        unit: 'count/min',
        stage: null,
        source: 'Apple Watch',
        device: 'Watch7,1',
      });
    }
  }
  return seriesDocsOf(samples).map((doc) => {
    const minutes = minuteSeriesOf([doc], doc.metric, doc.date, 'UTC');
    return { ...doc, ...(minutes ? { minuteSeries: minutes } : {}) };
  });
}

/** Reads a response body a chunk at a time (nothing kept) and counts the occurrences of `needle`. */
async function drain(res: Response, needle: string): Promise<{ bytes: number; count: number; tail: string }> {
  const decoder = new TextDecoder();
  let bytes = 0;
  let count = 0;
  let carry = '';
  if (!res.body) return { bytes, count, tail: carry };
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    const text = carry + decoder.decode(chunk, { stream: true });
    for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) count++;
    carry = text.slice(Math.max(0, text.length - needle.length + 1));
  }
  return { bytes, count, tail: carry };
}

/**
 * Removes the accounts of heavy runs (Auth users `heavy-…@example.com` and their trees): an earlier run's
 * before seeding (the emulator keeps everything in memory), this run's after.
 */
async function removeHeavyUsers(db: Firestore): Promise<number> {
  const uids: string[] = [];
  let pageToken: string | undefined;
  do {
    const page = await adminAuth().listUsers(1000, pageToken);
    for (const u of page.users) if (u.email?.startsWith('heavy-')) uids.push(u.uid);
    pageToken = page.pageToken;
  } while (pageToken);
  for (const uid of uids) await db.recursiveDelete(db.doc(paths.user(uid)));
  if (uids.length > 0) await adminAuth().deleteUsers(uids);
  return uids.length;
}

export async function runHeavy(opts: HeavyOptions): Promise<HeavyFigures> {
  const log = opts.log ?? ((line: string) => console.error(line));
  const db = adminDb();
  const removed = await removeHeavyUsers(db);
  if (removed > 0) log(`heavy: removed ${removed} accounts an earlier run left`);
  const stamp = Date.now();
  const accounts = await Promise.all(
    Array.from({ length: opts.users }, async (_, i) => {
      const email = `heavy-${i}-${stamp}@example.com`;
      return { email, uid: (await signUp(email)).uid };
    }),
  );
  const docs = heavySeries(opts.days, opts.samplesPerDay);
  const t0 = Date.now();
  const writer = db.bulkWriter();
  for (const a of accounts) {
    void writer.set(db.doc(paths.user(a.uid)), { timezone: 'UTC', careTeam: [] });
    for (const d of docs) void writer.set(db.doc(paths.seriesDoc(a.uid, d.metric, d.date)), d);
  }
  await writer.close();
  log(
    `heavy: wrote ${accounts.length} x ${docs.length} series documents in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );

  const server = await startApiProcess(
    opts.paramsFile,
    ['--memory'],
    [`--max-old-space-size=${heapCapMiB()}`],
  );
  const failures: string[] = [];
  const documents: number[] = [];
  let exportBytes = 0;
  let trendsRequests = 0;
  const last = addDays(firstDay, opts.days - 1);
  const timing = { seconds: 0 };
  /** Runs one request; a network error (the process died) is a failure, not an exception. */
  const guarded = async (what: string, run: () => Promise<void>): Promise<void> => {
    try {
      await run();
    } catch (e) {
      failures.push(`${what}: ${(e as Error).message}`);
    }
  };
  try {
    // A fresh sign-in per user (the signing key needs one within 5 minutes), and the key.
    const sessions = await Promise.all(
      accounts.map(async (a) => {
        const token = await signIn(a.email);
        const res = await fetch(`${server.origin}/v1/security/signing-key`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}` },
        });
        if (res.status !== 201) throw new Error(`signing key for ${a.uid}: HTTP ${res.status}`);
        const key = ((await res.json()) as { data: { key: string } }).data.key;
        return { ...a, token, key };
      }),
    );
    const started = Date.now();
    await Promise.all(
      sessions.flatMap((s) => {
        const exportPath = '/v1/account/export';
        const exported = guarded(`export of ${s.uid}`, async () => {
          const res = await fetch(`${server.origin}${exportPath}`, {
            headers: {
              authorization: `Bearer ${s.token}`,
              ...signRequest({ key: s.key, method: 'GET', path: exportPath }),
            },
          });
          if (res.status !== 200) {
            failures.push(`export of ${s.uid}: HTTP ${res.status}`);
            return;
          }
          const got = await drain(res, `"path":"users/${s.uid}/series/heart_rate_`);
          exportBytes += got.bytes;
          documents.push(got.count);
          if (got.count !== opts.days)
            failures.push(`export of ${s.uid} held ${got.count} series days, not ${opts.days}`);
          if (!/\}\}\s*$/.test(got.tail)) failures.push(`export of ${s.uid} is not a complete JSON object`);
        });
        const trends = (['day', 'week'] as const).map((granularity) =>
          guarded(`trends (${granularity}) of ${s.uid}`, async () => {
            const q = `metric=heart_rate&start=${firstDay}&end=${last}&granularity=${granularity}`;
            const res = await fetch(`${server.origin}/v1/health/trends?${q}`, {
              headers: { authorization: `Bearer ${s.token}` },
            });
            trendsRequests++;
            const body = (await res.json()) as { data?: { points?: { samples: number }[] } };
            const points = body.data?.points ?? [];
            const stored = points.reduce((n, p) => n + p.samples, 0);
            if (res.status !== 200) failures.push(`trends (${granularity}) of ${s.uid}: HTTP ${res.status}`);
            else if (stored !== opts.days * opts.samplesPerDay)
              failures.push(`trends (${granularity}) of ${s.uid} counted ${stored} samples`);
          }),
        );
        return [exported, ...trends];
      }),
    );
    timing.seconds = (Date.now() - started) / 1000;
  } finally {
    await stopApiProcess(server);
    await removeHeavyUsers(db);
  }
  const line = server.lines.find((l) => l.startsWith('{"memory":'));
  const memory = line ? (JSON.parse(line) as { memory: Record<string, number | null> }).memory : undefined;
  const ended = server.exit();
  if (ended !== 'code 0')
    failures.push(`the API process ended with ${ended ?? 'nothing'} (heap cap ${heapCapMiB()} MiB)`);
  if (!memory) failures.push('the API process reported no memory figures');
  const peakRss = Math.max(memory?.vmHwm ?? 0, memory?.peakRss ?? 0);
  const limitMiB = functionMemoryMiB;
  if (mib(peakRss) >= limitMiB)
    failures.push(`peak RSS ${mib(peakRss)} MiB is not under the limit of ${limitMiB} MiB`);
  return {
    users: opts.users,
    days: opts.days,
    samplesPerDay: opts.samplesPerDay,
    exports: documents.length,
    exportDocumentsPerUser: [...new Set(documents)],
    exportMiB: mib(exportBytes),
    trendsRequests,
    failures,
    peakRssMiB: mib(peakRss),
    peakHeapUsedMiB: mib(memory?.peakHeapUsed ?? 0),
    limitMiB,
    heapCapMiB: heapCapMiB(),
    seconds: Math.round(timing.seconds * 10) / 10,
  };
}

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = arg('--out');
  const paramsFile = arg('--params');
  if (!out || !paramsFile) {
    console.error('usage: node functions/test/support/heavy.ts --params <params.env> --out <figures.json>');
    process.exitCode = 2;
  } else {
    const { writeFileSync } = await import('node:fs');
    const figures = await runHeavy({
      users: Number(process.env.HEAVY_USERS ?? 20),
      days: Number(process.env.HEAVY_DAYS ?? 365),
      samplesPerDay: Number(process.env.HEAVY_SAMPLES_PER_DAY ?? 96),
      paramsFile: path.resolve(paramsFile),
    });
    for (const f of figures.failures) console.error(`heavy: FAILED: ${f}`);
    const { failures: _f, ...shown } = figures;
    writeFileSync(path.resolve(out), JSON.stringify({ ...shown, passed: figures.failures.length === 0 }));
    process.exitCode = figures.failures.length === 0 ? 0 : 1;
  }
}
