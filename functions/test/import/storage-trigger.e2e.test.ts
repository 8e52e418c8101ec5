/**
 * The storage path end to end on the Emulator Suite: a real export lands where the app's Storage upload
 * would put it, the `google.cloud.storage.object.v1.finalized` CloudEvent is delivered to the Functions
 * emulator (as the Storage emulator would deliver it), and the app's listener (real client SDK, real rules)
 * follows the upload document to `ingested`.
 *
 * No Storage emulator can run on this machine (its rules runtime is a separate download), so the object is
 * written through the same blob interface the functions use on the emulators (BLOB_DIR=.cache/blobs), and
 * the event is fired by hand. The real Storage emulator path (SDK upload + storage.rules) is covered where
 * that emulator exists: see storage-rules tests.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { deleteApp, initializeApp } from 'firebase/app';
import { connectAuthEmulator, createUserWithEmailAndPassword, getAuth } from 'firebase/auth';
import { connectFirestoreEmulator, doc, getFirestore, onSnapshot } from 'firebase/firestore';
import { afterAll, describe, expect, it } from 'vitest';
import { FsBlobStore } from '../../src/store/blob-store.ts';
import { emulatorOrigin, projectId, repoRoot } from '../support/emulators.ts';
import { sharedData } from '@clarity/core/testing';

const bucket = `${projectId}.appspot.com`;
const app = initializeApp({ projectId, apiKey: 'demo-key' }, `storage-e2e-${Date.now()}`);
afterAll(() => deleteApp(app));

async function fireFinalized(name: string, size: number): Promise<void> {
  const event = {
    specversion: '1.0',
    id: randomUUID(),
    source: `//storage.googleapis.com/projects/_/buckets/${bucket}`,
    type: 'google.cloud.storage.object.v1.finalized',
    subject: `objects/${name}`,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data: {
      bucket,
      name,
      size: String(size),
      contentType: 'application/xml',
      kind: 'storage#object',
      generation: '1',
    },
  };
  const res = await fetch(
    `${emulatorOrigin('functions')}/functions/projects/${projectId}/trigger_multicast`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify(event),
    },
  );
  expect(res.status).toBe(200);
}

describe('Storage upload -> onObjectFinalized -> upload document', () => {
  it('a real export is ingested with per-type counts equal to its records, followed live', async () => {
    const auth = getAuth(app);
    connectAuthEmulator(auth, emulatorOrigin('auth'), { disableWarnings: true });
    const db = getFirestore(app);
    const fs = new URL(emulatorOrigin('firestore'));
    connectFirestoreEmulator(db, fs.hostname, Number(fs.port));
    const { user } = await createUserWithEmailAndPassword(
      auth,
      `storage-${Date.now()}@example.com`,
      'correct-horse-battery',
    );

    const xml = readFileSync(sharedData('apple_health', 'tdda_export6s3sample.xml'));
    const records = xml.toString('utf8').split('<Record ').length - 1;
    const uploadId = `u${Date.now().toString(36)}`;
    const name = `uploads/${user.uid}/${uploadId}/export.xml`;
    await new FsBlobStore(path.join(repoRoot, '.cache', 'blobs')).put(name, xml, 'application/xml');

    const seen: string[] = [];
    const final = new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`not ingested in 30 s; saw ${seen.join(',')}`)),
        30_000,
      );
      const stop = onSnapshot(
        doc(db, 'users', user.uid, 'uploads', uploadId),
        (snap) => {
          const d = snap.data();
          if (!d) return;
          if (seen.at(-1) !== d.status) seen.push(d.status as string);
          if (['ingested', 'partial', 'rejected'].includes(d.status as string)) {
            clearTimeout(timer);
            stop();
            resolve(d);
          }
        },
        reject,
      );
    });
    await fireFinalized(name, xml.length);
    const d = await final;
    expect(seen.at(-1)).toBe('ingested');
    expect(d).toMatchObject({
      source: 'apple_health_export',
      counts: { accepted: records, duplicate: 0, rejected: 0 },
      byType: {
        HKQuantityTypeIdentifierStepCount: { accepted: 10, duplicate: 0, rejected: 0 },
        HKQuantityTypeIdentifierDistanceWalkingRunning: { accepted: 5, duplicate: 0, rejected: 0 },
      },
      progress: { records },
    });
  });
});
