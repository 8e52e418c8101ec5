/**
 * Resumable import (issue 15): a generated Apple export through the Storage trigger's handler on the
 * Firestore emulator, once in a single run and once with a time budget so small that the import checkpoints
 * and hands off several times. The continuation queue is the one function that the ingestContinuation task
 * calls (`continueIngest`); the test dispatches its tasks in order, as Cloud Tasks would (no Cloud Tasks
 * stand-in runs the handlers of a directly-called pipeline). Both runs must end with the same upload counts,
 * per-type counts, import summary and stored series. Size: RESUME_EXPORT_MB (default 4 in `npm test`; 100 in
 * `npm run test:resume`).
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAppleExport } from '@clarity/core/testing/apple-export';
import { createLogger } from '../../src/platform/logger.ts';
import {
  continueIngest,
  ingestStorageObject,
  type FileIngestDeps,
  type IngestContinuation,
} from '../../src/pipeline/ingest-file.ts';
import { continuationTaskId } from '../../src/pipeline/ingest-continuation.ts';
import { FsBlobStore } from '../../src/store/blob-store.ts';
import { adminDb } from '../support/emulators.ts';

const megabytes = Number(process.env.RESUME_EXPORT_MB ?? 4);
const project = 'demo-clarity-resume';
const db = () => adminDb(project);
let dir: string;
let blobs: FsBlobStore;
let file: string;
let size: number;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'clarity-resume-'));
  blobs = new FsBlobStore(path.join(dir, 'blobs'));
  file = path.join(dir, 'export.xml');
  size = writeAppleExport(file, { targetBytes: megabytes * 1e6, seed: 15 });
  await mkdir(blobs.root, { recursive: true });
}, 600_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function place(uid: string): Promise<{ name: string; size: number }> {
  const name = `uploads/${uid}/up1/export.xml`;
  // Placed as the Storage SDK would finalize it (copied, never read into memory here).
  await mkdir(path.dirname(path.join(blobs.root, name)), { recursive: true });
  await copyFile(file, path.join(blobs.root, name));
  expect(statSync(path.join(blobs.root, name)).size).toBe(size);
  return { name, size };
}

/**
 * JSON with every object's keys sorted: Firestore gives no order to a map's keys (the same minute view read
 * back after a create and after an update lists its fields in different orders), so the digests compare
 * content, not the order a document was written in.
 */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Every series document of a user: count, sources, minute view and a digest of its samples' values. */
async function seriesOf(uid: string): Promise<Map<string, string>> {
  const snap = await db().collection(`users/${uid}/series`).get();
  const out = new Map<string, string>();
  for (const d of snap.docs) {
    const data = d.data();
    const samples = Object.values((data.samples ?? {}) as Record<string, unknown>)
      .map(canonicalJson)
      .sort();
    const h = createHash('sha256')
      .update(canonicalJson([data.sampleCount, data.sources, data.minuteSeries ?? null, samples]))
      .digest('hex');
    out.set(d.id, h);
  }
  return out;
}

const comparable = (doc: Record<string, unknown>) => ({
  status: doc.status,
  counts: doc.counts,
  byType: doc.byType,
  sha256: doc.sha256,
  sampleCount: doc.sampleCount,
  rejections: doc.rejections,
  importSummary: doc.importSummary,
});

describe(`resumable Apple export import (${megabytes} MB)`, () => {
  it('completes across several invocations with exactly the counts and documents of a single run', async () => {
    const log = createLogger({ test: 'resumable' });
    const base = (): FileIngestDeps => ({ db: db(), blobs, log, now: Date.now, progressEveryMs: 1000 });

    const single = `resume-a-${randomUUID().slice(0, 8)}`;
    const t0 = performance.now();
    const one = await ingestStorageObject(await place(single), base());
    const singleMs = performance.now() - t0;
    expect(one.kind).toBe('done');

    const resumed = `resume-b-${randomUUID().slice(0, 8)}`;
    const queue: IngestContinuation[] = [];
    const taskIds = new Set<string>();
    // A tenth of the single run: whatever the machine's speed, the import must hand off several times (at a
    // fifth, a run at load 12 handed off only twice: the load moved between the two imports).
    const deps: FileIngestDeps = {
      ...base(),
      timeBudgetMs: Math.max(1, Math.floor(singleMs / 10)),
      continueIngest: (task) => {
        taskIds.add(continuationTaskId(task));
        queue.push(task);
        return Promise.resolve();
      },
    };
    let out = await ingestStorageObject(await place(resumed), deps);
    let invocations = 1;
    const checkpoints: number[] = [];
    while (out.kind === 'continued') {
      checkpoints.push(out.batches);
      const doc = (await db().doc(`users/${resumed}/uploads/up1`).get()).data() ?? {};
      expect(doc.status).toBe('parsing');
      expect(doc.checkpoint).toMatchObject({ batches: out.batches, handedOff: true });
      const task = queue.shift();
      expect(task).toBeDefined();
      out = await continueIngest(task as IngestContinuation, deps);
      invocations++;
    }
    console.log(
      `resumable ${megabytes} MB (${size} bytes): single run ${(singleMs / 1000).toFixed(1)} s; ` +
        `${invocations} invocations, checkpoints at batches ${checkpoints.join(', ')}`,
    );
    expect(queue).toHaveLength(0);
    expect(invocations).toBeGreaterThanOrEqual(3);
    expect(taskIds.size).toBe(invocations - 1);
    expect(checkpoints).toEqual([...checkpoints].sort((a, b) => a - b));
    expect(out).toEqual(one);

    const a = (await db().doc(`users/${single}/uploads/up1`).get()).data() ?? {};
    const b = (await db().doc(`users/${resumed}/uploads/up1`).get()).data() ?? {};
    expect(comparable(b)).toEqual(comparable(a));
    expect(b.invocations).toBe(invocations);
    expect(b.checkpoint).toBeNull();
    expect((a.counts as { accepted: number }).accepted).toBeGreaterThan(1000);

    const [sa, sb] = [await seriesOf(single), await seriesOf(resumed)];
    expect(sb.size).toBe(sa.size);
    expect([...sb.entries()].sort()).toEqual([...sa.entries()].sort());
    for (const c of ['workouts', 'activitySummaries']) {
      const [ca, cb] = await Promise.all(
        [single, resumed].map(
          async (u) => (await db().collection(`users/${u}/${c}`).count().get()).data().count,
        ),
      );
      expect(cb, c).toBe(ca);
    }
  }, 1_800_000);
});
