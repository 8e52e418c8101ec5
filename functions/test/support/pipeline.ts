/** Shared pieces of the pipeline integration tests: real data, direct ingest, stage dependencies. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Firestore } from 'firebase-admin/firestore';
import { ingestUpload } from '../../src/pipeline/ingest.ts';
import type { BlobStore } from '../../src/store/blob-store.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { repoRoot } from './emulators.ts';
import { awdWeekFileFrom, weekBatchFromFile, yesterday, type WeekBatch } from './week-batch.ts';
import { receivedUploadDoc } from './uploads.ts';

export const awdPath = path.join(
  repoRoot,
  '..',
  'shared',
  'data',
  'actigraphy',
  'actiwatch_awd',
  'example_01.AWD',
);

export async function realWeek(endDate = yesterday()): Promise<WeekBatch> {
  if (!existsSync(awdPath))
    throw new Error(`reference data missing: ${awdPath} (see ../shared/data/MANIFEST.md)`);
  return weekBatchFromFile(awdPath, endDate);
}

/**
 * The same week split the way an app with an actigraph would send it: the real .AWD file (moved to the
 * week) for the Storage path, where its counts become activity_counts, and the HealthKit batch of heart
 * rate and HRV (no counts-as-steps) for the API.
 */
export async function realWeekWithDeviceFile(
  endDate = yesterday(),
): Promise<{ awd: Buffer; healthKit: WeekBatch }> {
  if (!existsSync(awdPath))
    throw new Error(`reference data missing: ${awdPath} (see ../shared/data/MANIFEST.md)`);
  return {
    awd: await awdWeekFileFrom(awdPath, endDate),
    healthKit: await weekBatchFromFile(awdPath, endDate, { steps: false }),
  };
}

export const testLog = createLogger({ test: 'pipeline' });

/** Stores a batch through the real ingest handler (raw body held in memory instead of the blob store). */
export async function ingestBatch(
  db: Firestore,
  uid: string,
  uploadId: string,
  body: { samples: unknown[]; timezone?: string },
): Promise<void> {
  const raw = Buffer.from(JSON.stringify(body));
  const blobs = { get: () => Promise.resolve(raw) } as unknown as BlobStore;
  await db.doc(`users/${uid}/uploads/${uploadId}`).set(
    receivedUploadDoc(uid, uploadId, {
      byteSize: raw.length,
      sampleCount: body.samples.length,
      timezone: body.timezone ?? null,
    }),
  );
  const out = await ingestUpload({ uid, uploadId }, { db, blobs, log: testLog, now: Date.now });
  if (out.kind !== 'done' || out.status !== 'ingested')
    throw new Error(`ingest ended ${JSON.stringify(out)}`);
}
