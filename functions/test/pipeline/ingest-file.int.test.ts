/**
 * File uploads through Storage: the ingest handler on real Apple Health exports read through the blob
 * interface (a local folder: no Storage emulator runs here), on the Firestore emulator. Handlers are called
 * directly under their own project id so redelivery and failures can be forced.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { everyTypeExport, storedZip } from '@clarity/core';
import { createLogger } from '../../src/platform/logger.ts';
import { ingestStorageObject, parseUploadPath, type FileIngestDeps } from '../../src/pipeline/ingest-file.ts';
import { FsBlobStore } from '../../src/store/blob-store.ts';
import { adminDb } from '../support/emulators.ts';
import { sharedData } from '@clarity/core/testing';

const project = 'demo-clarity-files';
const db = () => adminDb(project);
let deps: FileIngestDeps;
let blobs: FsBlobStore;
let uid: string;

function recordsIn(xml: string): number {
  return xml.split('<Record ').length - 1;
}

async function put(name: string, data: Buffer): Promise<{ name: string; size: number }> {
  await blobs.put(name, data, 'application/octet-stream');
  return { name, size: data.length };
}

async function uploadDoc(uploadId: string): Promise<Record<string, unknown>> {
  return (await db().doc(`users/${uid}/uploads/${uploadId}`).get()).data() ?? {};
}

beforeEach(() => {
  uid = `file-${randomUUID().slice(0, 8)}`;
  blobs = new FsBlobStore(mkdtempSync(path.join(tmpdir(), 'clarity-files-')));
  deps = { db: db(), blobs, log: createLogger({ test: 'ingest-file' }), now: Date.now, progressEveryMs: 0 };
});

describe('parseUploadPath', () => {
  it('accepts uploads/{uid}/{uploadId}/{file} only', () => {
    expect(parseUploadPath('uploads/u1/up-1/export.zip')).toEqual({
      uid: 'u1',
      uploadId: 'up-1',
      filename: 'export.zip',
    });
    expect(parseUploadPath('raw/u1/up-1/export.zip')).toBeUndefined();
    expect(parseUploadPath('uploads/u1/export.zip')).toBeUndefined();
    expect(parseUploadPath('uploads/u1/a/b/export.zip')).toBeUndefined();
    expect(parseUploadPath('uploads/u$1/up/export.zip')).toBeUndefined();
  });
});

describe('ingestStorageObject', () => {
  it('imports a real export.xml with per-type counts equal to the records in the file, and keeps the raw object', async () => {
    const xml = readFileSync(sharedData('apple_health', 'tdda_export6s3sample.xml'));
    const object = await put(`uploads/${uid}/up1/export.xml`, xml);
    const out = await ingestStorageObject(object, deps);
    const records = recordsIn(xml.toString('utf8'));
    expect(records).toBe(15);
    expect(out).toEqual({
      kind: 'done',
      status: 'ingested',
      counts: { accepted: records, duplicate: 0, rejected: 0 },
    });
    const doc = await uploadDoc('up1');
    expect(doc).toMatchObject({
      status: 'ingested',
      source: 'apple_health_export',
      format: 'xml',
      byteSize: xml.length,
      sampleCount: records,
      byType: {
        HKQuantityTypeIdentifierStepCount: { accepted: 10, duplicate: 0, rejected: 0 },
        HKQuantityTypeIdentifierDistanceWalkingRunning: { accepted: 5, duplicate: 0, rejected: 0 },
      },
      progress: { bytes: xml.length, records },
    });
    expect(doc.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await blobs.get(`raw/${uid}/up1/export.xml`)).equals(xml)).toBe(true);
    // Audited like every ingest (issue 15): identifiers and counts only.
    const audit = await db().collection('audit').where('targetUid', '==', uid).get();
    expect(audit.docs.map((d) => d.data())).toEqual([
      expect.objectContaining({
        actorUid: 'system:ingest',
        action: 'health.ingest',
        resource: `users/${uid}/uploads/up1`,
        requestId: 'upload-up1',
        details: {
          uploadId: 'up1',
          status: 'ingested',
          via: 'apple-export',
          accepted: records,
          duplicate: 0,
          rejected: 0,
        },
      }),
    ]);
  });

  it('a generated export with one record of every documented HealthKit identifier round-trips with its unit', async () => {
    const { xml, expected } = everyTypeExport();
    const out = await ingestStorageObject(await put(`uploads/${uid}/all/export.xml`, Buffer.from(xml)), deps);
    // The blood-pressure correlation's two Records repeat top-level ones: duplicates within the file.
    expect(out).toEqual({
      kind: 'done',
      status: 'ingested',
      counts: { accepted: expected.length, duplicate: 2, rejected: 0 },
    });
    const doc = await uploadDoc('all');
    expect(doc.unknownTypes ?? {}).toEqual({});
    const series = await db().collection(`users/${uid}/series`).get();
    const stored = series.docs.flatMap((d) =>
      Object.values(d.get('samples') as Record<string, Record<string, unknown>>).map((s) => ({
        metric: d.get('metric') as string,
        type: d.get('type') as string | undefined,
        unit: (s.u as string | undefined) ?? (d.get('unit') as string | null),
        value: s.v as number | null,
        stage: s.st as string | null,
        category: s.c as string | undefined,
        startMs: s.s as number,
      })),
    );
    expect(stored).toHaveLength(expected.length);
    for (const e of expected) {
      const got = stored.find((s) => s.metric === e.metric);
      expect(got, e.type).toBeDefined();
      expect([got!.type, got!.unit, got!.startMs], e.type).toEqual([e.type, e.unit, e.startMs]);
      if (e.metric === 'sleep') expect(got!.stage).toBe(e.category);
      else expect(got!.value, e.type).toBeCloseTo(e.value, 9);
      if (e.category !== undefined && e.metric !== 'sleep') expect(got!.category, e.type).toBe(e.category);
    }
  });

  it('reads export.xml inside an export.zip, and a re-import of the same export adds only duplicates', async () => {
    const xml = readFileSync(sharedData('apple_health', 'tdda_export6s3sample.xml'));
    const zip = storedZip([
      { name: 'apple_health_export/export_cda.xml', data: Buffer.from('<x/>') },
      { name: 'apple_health_export/export.xml', data: xml },
    ]);
    const first = await ingestStorageObject(await put(`uploads/${uid}/z1/export.zip`, zip), deps);
    expect(first).toMatchObject({ status: 'ingested', counts: { accepted: 15, duplicate: 0, rejected: 0 } });
    expect(await uploadDoc('z1')).toMatchObject({ format: 'zip' });
    const again = await ingestStorageObject(await put(`uploads/${uid}/z2/export.zip`, zip), deps);
    expect(again).toMatchObject({ status: 'ingested', counts: { accepted: 0, duplicate: 15, rejected: 0 } });
  });

  it('is idempotent: the same finalize event three times changes nothing after the first', async () => {
    const xml = readFileSync(sharedData('apple_health', 'dogsheep_tests_export.xml'));
    const object = await put(`uploads/${uid}/d1/export.xml`, xml);
    const first = await ingestStorageObject(object, deps);
    expect(first.kind).toBe('done');
    expect(await ingestStorageObject(object, deps)).toEqual({
      kind: 'skipped',
      reason: 'upload already ingested',
    });
    expect(await ingestStorageObject(object, deps)).toEqual({
      kind: 'skipped',
      reason: 'upload already ingested',
    });
    expect(await uploadDoc('d1')).toMatchObject({ attempts: 1 });
  });

  it('a retry after a crash mid-file never double-writes or double-counts', async () => {
    const xml = readFileSync(sharedData('apple_health', 'tdda_export6s3sample.xml'));
    const object = await put(`uploads/${uid}/r1/export.xml`, xml);
    await ingestStorageObject(object, deps);
    // The attempt "died" after writing the series: its claim expired.
    await db()
      .doc(`users/${uid}/uploads/r1`)
      .update({ status: 'parsing', updatedAt: new Date(Date.now() - 10 * 60_000) });
    const retry = await ingestStorageObject(object, deps);
    expect(retry).toEqual({
      kind: 'done',
      status: 'ingested',
      counts: { accepted: 15, duplicate: 0, rejected: 0 },
    });
    const series = await db().collection(`users/${uid}/series`).get();
    expect(series.docs.reduce((n, d) => n + Object.keys(d.get('samples') as object).length, 0)).toBe(15);
  });

  it('a truncated export ends partial with what was read, the reason, and the raw object kept', async () => {
    const xml = readFileSync(sharedData('apple_health', 'tdda_export6s3sample.xml')).toString('utf8');
    const cut = xml.slice(0, xml.indexOf('<Record ', xml.indexOf('<Record ') + 1) + 40);
    const object = await put(`uploads/${uid}/t1/export.xml`, Buffer.from(cut));
    const out = await ingestStorageObject(object, deps);
    expect(out.kind === 'done' && ['partial', 'rejected'].includes(out.status)).toBe(true);
    const doc = await uploadDoc('t1');
    expect(doc.error).toMatchObject({
      code: expect.any(String) as string,
      message: expect.any(String) as string,
    });
    expect(await blobs.exists(`raw/${uid}/t1/export.xml`)).toBe(true);
  });

  it('an empty file and a zip without export.xml are rejected with a clear reason', async () => {
    await ingestStorageObject(await put(`uploads/${uid}/e1/export.xml`, Buffer.alloc(0)), deps);
    expect(await uploadDoc('e1')).toMatchObject({
      status: 'rejected',
      error: { message: expect.stringMatching(/empty/i) as string },
    });
    const zip = storedZip([{ name: 'apple_health_export/notes.txt', data: Buffer.from('hi') }]);
    await ingestStorageObject(await put(`uploads/${uid}/e2/export.zip`, zip), deps);
    expect(await uploadDoc('e2')).toMatchObject({
      status: 'rejected',
      error: { message: expect.stringMatching(/export\.xml/) as string },
    });
    expect(await blobs.exists(`raw/${uid}/e2/export.zip`)).toBe(true);
  });
});
