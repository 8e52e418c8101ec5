/**
 * Process-wide clients, created lazily on first use (cold start cost only where needed) from config.
 */
import path from 'node:path';
import { getApps, initializeApp } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import { getFirestore, type Firestore } from 'firebase-admin/firestore';
import { FsBlobStore, GcsBlobStore, type BlobStore } from '../store/blob-store.ts';
import { blobDir, blobStoreKind } from './config.ts';

function app() {
  return getApps()[0] ?? initializeApp();
}

let db: Firestore | undefined;
export function firestore(): Firestore {
  if (!db) {
    db = getFirestore(app());
    db.settings({ ignoreUndefinedProperties: true });
  }
  return db;
}

export function auth() {
  return getAuth(app());
}

let blobs: BlobStore | undefined;
export function blobStore(): BlobStore {
  if (!blobs) {
    app();
    // The emulator runs functions with the functions folder as working directory; BLOB_DIR is relative to
    // the repository root so every process (API, triggers, tests) agrees on it.
    blobs =
      blobStoreKind.value() === 'fs'
        ? new FsBlobStore(path.resolve(process.cwd(), '..', blobDir.value()))
        : new GcsBlobStore();
  }
  return blobs;
}
