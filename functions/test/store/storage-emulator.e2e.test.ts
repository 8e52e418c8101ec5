/**
 * BLOB_STORE=gcs against the Storage emulator, and the client's Storage SDK path: a signed-in client uploads
 * with `uploadBytesResumable` to uploads/{uid}/{uploadId}/{file} (storage.rules apply), and the functions'
 * GcsBlobStore, on the bucket named by the project config (FIREBASE_CONFIG's storageBucket, else
 * <project>.appspot.com, as adminApp() now resolves it), reads it whole and by ranges, copies it to raw/,
 * and deletes by prefix.
 *
 * These run wherever the Storage emulator exists (`storage` in the emulators' --only, which sets
 * FIREBASE_STORAGE_EMULATOR_HOST). On machines without it (this one: its rules runtime is a separate
 * download) every case is reported as SKIPPED with the reason printed: a skip is not a pass. The same path
 * through the emulator-only file route is covered by storage-trigger.e2e.test.ts and the client's tests.
 */
import { getApps, initializeApp as initAdmin } from 'firebase-admin/app';
import { getStorage as adminStorage } from 'firebase-admin/storage';
import { deleteApp, initializeApp } from 'firebase/app';
import { connectAuthEmulator, createUserWithEmailAndPassword, getAuth } from 'firebase/auth';
import { connectStorageEmulator, getStorage, ref, uploadBytesResumable } from 'firebase/storage';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultBucketOf } from '../../src/platform/config.ts';
import { GcsBlobStore } from '../../src/store/blob-store.ts';
import { emulatorOrigin, projectId } from '../support/emulators.ts';

const storageHost = process.env.FIREBASE_STORAGE_EMULATOR_HOST;
const skipReason =
  'Storage emulator tests skipped: no Storage emulator (FIREBASE_STORAGE_EMULATOR_HOST is not set; its rules ' +
  'runtime cannot be had on this machine). Run them where `firebase emulators:exec --only storage,...` works.';
if (!storageHost) console.warn(skipReason);

const bucket = defaultBucketOf(process.env.FIREBASE_CONFIG, projectId);
const app = initializeApp(
  { projectId, apiKey: 'demo-key', storageBucket: bucket },
  `storage-emulator-${Date.now()}`,
);
afterAll(() => deleteApp(app));

describe('BLOB_STORE=gcs on the Storage emulator', () => {
  it.skipIf(!storageHost)(
    'a client Storage SDK upload is readable, rangeable, copyable and deletable through GcsBlobStore',
    async () => {
      const [host, port] = (storageHost ?? '').replace(/^https?:\/\//, '').split(':');
      const auth = getAuth(app);
      connectAuthEmulator(auth, emulatorOrigin('auth'), { disableWarnings: true });
      const { user } = await createUserWithEmailAndPassword(
        auth,
        `gcs-${Date.now()}@example.com`,
        'correct-horse-battery',
      );
      const storage = getStorage(app);
      connectStorageEmulator(storage, host ?? '127.0.0.1', Number(port));
      const data = new TextEncoder().encode('Id,ActivityMinute,Steps\n1,4/12/2016 12:00:00 AM,0\n');
      const name = `uploads/${user.uid}/gcs1/steps.csv`;
      await new Promise<void>((resolve, reject) => {
        uploadBytesResumable(ref(storage, name), data, { contentType: 'text/csv' }).on(
          'state_changed',
          undefined,
          reject,
          () => resolve(),
        );
      });

      if (!getApps().some((a) => a.name === '[DEFAULT]')) initAdmin({ projectId, storageBucket: bucket });
      expect(adminStorage().bucket().name).toBe(bucket);
      const blobs = new GcsBlobStore(bucket);
      expect(await blobs.exists(name)).toBe(true);
      expect(await blobs.size(name)).toBe(data.length);
      expect(new Uint8Array(await blobs.get(name))).toEqual(data);
      const chunks: Buffer[] = [];
      for await (const c of blobs.openRange(name, 3, 10)) chunks.push(c as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe('ActivityMinute'.slice(0, 7));
      await blobs.copy(name, `raw/${user.uid}/gcs1/steps.csv`);
      expect(await blobs.exists(`raw/${user.uid}/gcs1/steps.csv`)).toBe(true);
      await blobs.deletePrefix(`raw/${user.uid}/`);
      expect(await blobs.exists(`raw/${user.uid}/gcs1/steps.csv`)).toBe(false);
    },
  );
});
