/**
 * The ingest stage handler on the Firestore emulator, called directly so redelivery can be forced.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FieldValue } from 'firebase-admin/firestore';
import { seedReceivedUpload } from '../support/uploads.ts';
import { beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/platform/logger.ts';
import { ingestUpload, type IngestDeps } from '../../src/pipeline/ingest.ts';
import { FsBlobStore } from '../../src/store/blob-store.ts';
import { randomUUID } from 'node:crypto';
import { adminDb } from '../support/emulators.ts';
import { morningBatch } from '../support/samples.ts';

// A fresh user per test instead of clearing the emulator: clearing while listeners are open trips a
// Firestore emulator bug (firebase-tools#8654, RESOURCE_EXHAUSTED on the Listen stream).
let uid = '';
// Not demo-clarity: the emulated onUploadCreated trigger must not race the handler calls made here.
const project = 'demo-clarity-handlers';
const db = () => adminDb(project);
let deps: IngestDeps;

function receivedUpload(uploadId: string, body: unknown): Promise<void> {
  return seedReceivedUpload(db(), deps.blobs, uid, uploadId, body);
}

async function seriesSampleCount(): Promise<number> {
  const snap = await db().collection(`users/${uid}/series`).get();
  return snap.docs.reduce((n, d) => n + Object.keys((d.data() as { samples: object }).samples).length, 0);
}

beforeEach(() => {
  uid = `ingest-${randomUUID()}`;
  deps = {
    db: db(),
    blobs: new FsBlobStore(mkdtempSync(path.join(tmpdir(), 'clarity-ingest-'))),
    log: createLogger({ test: 'ingest' }),
    now: Date.now,
  };
});

describe('ingestUpload', () => {
  it('writes samples into per-metric per-day series documents and counts them', async () => {
    await receivedUpload('up1', morningBatch());
    const out = await ingestUpload({ uid, uploadId: 'up1' }, deps);
    expect(out).toEqual({
      kind: 'done',
      status: 'ingested',
      counts: { accepted: 14, duplicate: 0, rejected: 0 },
    });
    const ids = (await db().collection(`users/${uid}/series`).get()).docs.map((d) => d.id).sort();
    expect(ids).toEqual([
      'heart_rate_2026-11-20',
      'hrv_sdnn_2026-11-20',
      'sleep_2026-11-20',
      'steps_2026-11-20',
    ]);
    const hr = (await db().doc(`users/${uid}/series/heart_rate_2026-11-20`).get()).data();
    expect(hr).toMatchObject({
      metric: 'heart_rate',
      unit: 'count/min',
      sampleCount: 10,
      sources: ['Apple Watch'],
    });
    const doc = (await db().doc(`users/${uid}/uploads/up1`).get()).data();
    expect(doc).toMatchObject({
      status: 'ingested',
      attempts: 1,
      counts: { accepted: 14, duplicate: 0, rejected: 0 },
      byType: { HKQuantityTypeIdentifierHeartRate: { accepted: 10, duplicate: 0, rejected: 0 } },
    });
  });

  it('is idempotent: redelivering the event three times leaves one copy and the same counts', async () => {
    await receivedUpload('up1', morningBatch());
    await ingestUpload({ uid, uploadId: 'up1' }, deps);
    const again = await ingestUpload({ uid, uploadId: 'up1' }, deps);
    const third = await ingestUpload({ uid, uploadId: 'up1' }, deps);
    expect(again).toEqual({ kind: 'skipped', reason: 'upload already ingested' });
    expect(third.kind).toBe('skipped');
    expect(await seriesSampleCount()).toBe(14);
  });

  it('a retry after a crash mid-write counts its own samples as accepted, not duplicate', async () => {
    await receivedUpload('up1', morningBatch());
    await ingestUpload({ uid, uploadId: 'up1' }, deps);
    // Simulate an attempt that wrote the series but died before finishing: back to an expired claim.
    await db()
      .doc(`users/${uid}/uploads/up1`)
      .update({ status: 'parsing', updatedAt: new Date(Date.now() - 10 * 60_000) });
    const out = await ingestUpload({ uid, uploadId: 'up1' }, deps);
    expect(out).toEqual({
      kind: 'done',
      status: 'ingested',
      counts: { accepted: 14, duplicate: 0, rejected: 0 },
    });
    expect((await db().doc(`users/${uid}/uploads/up1`).get()).get('attempts')).toBe(2);
  });

  it('leaves a fresh claim of another attempt alone and asks for a retry', async () => {
    await receivedUpload('up1', morningBatch());
    await db()
      .doc(`users/${uid}/uploads/up1`)
      .update({ status: 'parsing', updatedAt: FieldValue.serverTimestamp() });
    await expect(ingestUpload({ uid, uploadId: 'up1' }, deps)).rejects.toMatchObject({
      code: 'unavailable',
      retryable: true,
    });
  });

  it('counts a re-upload of the same samples as duplicates and stores nothing twice', async () => {
    await receivedUpload('up1', morningBatch());
    await receivedUpload('up2', morningBatch());
    await ingestUpload({ uid, uploadId: 'up1' }, deps);
    const out = await ingestUpload({ uid, uploadId: 'up2' }, deps);
    expect(out).toEqual({
      kind: 'done',
      status: 'ingested',
      counts: { accepted: 0, duplicate: 14, rejected: 0 },
    });
    expect(await seriesSampleCount()).toBe(14);
  });

  it('counts a sample repeated within one upload once', async () => {
    const batch = morningBatch();
    batch.samples.push({ ...batch.samples[0] });
    await receivedUpload('up1', batch);
    const out = await ingestUpload({ uid, uploadId: 'up1' }, deps);
    expect(out).toMatchObject({ counts: { accepted: 14, duplicate: 1, rejected: 0 } });
  });

  it('rejects an upload whose raw object is not JSON, keeping the reason and the raw object', async () => {
    await receivedUpload('bad', {});
    const rawPath = `raw/${uid}/bad/batch.json`;
    await deps.blobs.put(rawPath, Buffer.from('{"samples": ['), 'application/json');
    const out = await ingestUpload({ uid, uploadId: 'bad' }, deps);
    expect(out).toMatchObject({ kind: 'done', status: 'rejected' });
    const doc = (await db().doc(`users/${uid}/uploads/bad`).get()).data();
    expect(doc).toMatchObject({
      status: 'rejected',
      error: { code: 'parse_error', message: 'raw upload is not valid JSON' },
    });
    expect(await deps.blobs.exists(rawPath)).toBe(true);
  });
});
