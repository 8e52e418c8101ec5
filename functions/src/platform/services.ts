/**
 * Process-wide clients, created lazily on first use (cold start cost only where needed) from config.
 */
import path from 'node:path';
import { getApps, initializeApp, type App } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import { getFirestore, type Firestore } from 'firebase-admin/firestore';
import { FsBlobStore, GcsBlobStore, type BlobStore } from '../store/blob-store.ts';
import { blobDir, blobStoreKind, runtime } from './config.ts';

// On the emulators there is no metadata server to ask for the runtime's service account (which the task
// queue client needs for its OIDC token): name the emulators' placeholder account so nothing reaches for
// 169.254.169.254. Deployed, the account comes from the runtime's credentials.
const emulatedServiceAccount = 'emulated-service-acct@email.com';

/** The default Admin app (firebase-functions may create its own, named, app: never pick that one up). */
export function adminApp(): App {
  return (
    getApps().find((a) => a.name === '[DEFAULT]') ??
    // With options, firebase-admin no longer reads FIREBASE_CONFIG: name the bucket too, or BLOB_STORE=gcs on the
    // emulators (a Storage emulator) would have no default bucket.
    initializeApp(
      runtime.isEmulator
        ? { serviceAccountId: emulatedServiceAccount, storageBucket: runtime.storageBucket }
        : undefined,
    )
  );
}

let db: Firestore | undefined;
export function firestore(): Firestore {
  if (!db) {
    db = getFirestore(adminApp());
    db.settings({ ignoreUndefinedProperties: true });
  }
  return db;
}

export function auth() {
  return getAuth(adminApp());
}

let blobs: BlobStore | undefined;
export function blobStore(): BlobStore {
  if (!blobs) {
    adminApp();
    // The emulator runs functions with the functions folder as working directory; BLOB_DIR is relative to
    // the repository root so every process (API, triggers, tests) agrees on it.
    blobs =
      blobStoreKind.value() === 'fs'
        ? new FsBlobStore(path.resolve(process.cwd(), '..', blobDir.value()))
        : new GcsBlobStore(runtime.storageBucket);
  }
  return blobs;
}
