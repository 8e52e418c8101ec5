import { FieldValue, type Firestore } from 'firebase-admin/firestore';
import type { UploadDoc } from '@clarity/core';
import type { BlobStore } from '../../src/store/blob-store.ts';

/** The document of a `received` JSON-batch upload as the API leaves it (fields the caller knows override). */
export function receivedUploadDoc(
  uid: string,
  uploadId: string,
  known: Partial<Pick<UploadDoc, 'byteSize' | 'sampleCount' | 'timezone'>> = {},
): UploadDoc {
  return {
    status: 'received',
    source: 'healthkit',
    format: 'json',
    byteSize: 1,
    sha256: '0'.repeat(64),
    sampleCount: null,
    rawPath: `raw/${uid}/${uploadId}/batch.json`,
    correlationId: `corr-${uploadId}`,
    timezone: null,
    counts: null,
    byType: null,
    rejections: [],
    error: null,
    attempts: 0,
    createdAt: FieldValue.serverTimestamp(),
    updatedAt: FieldValue.serverTimestamp(),
    statusTimes: {},
    ...known,
  };
}

/** A `received` JSON-batch upload as the API leaves it: the raw body in the blob store plus its document. */
export async function seedReceivedUpload(
  db: Firestore,
  blobs: BlobStore,
  uid: string,
  uploadId: string,
  body: unknown,
): Promise<void> {
  const doc = receivedUploadDoc(uid, uploadId);
  await blobs.put(doc.rawPath, Buffer.from(JSON.stringify(body)), 'application/json');
  await db.doc(`users/${uid}/uploads/${uploadId}`).set(doc);
}
