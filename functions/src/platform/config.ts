/**
 * The one config module: every tunable is a Firebase param (set per project in functions/.env.<project>,
 * or prompted at deploy), read here and nowhere else. Nothing outside this file reads process.env.
 */
import { defineInt, defineString } from 'firebase-functions/params';

export const region = defineString('REGION', {
  default: 'us-central1',
  description: 'Region of all functions',
});
export const maxUploadBytes = defineInt('MAX_UPLOAD_BYTES', {
  default: 5 * 1024 * 1024,
  description: 'Largest JSON upload body in bytes; larger data goes through a Storage file upload',
});
export const blobStoreKind = defineString('BLOB_STORE', {
  default: 'gcs',
  description:
    '"gcs" (Cloud Storage, the default bucket) or "fs" (a local folder, for the emulators where no Storage emulator runs)',
});
export const blobDir = defineString('BLOB_DIR', {
  default: '.cache/blobs',
  description: 'Folder of the "fs" blob store, relative to the repository root',
});
export const logLevel = defineString('LOG_LEVEL', {
  default: 'info',
  description: 'debug | info | warn | error',
});

/** Facts about the running process, not settings. */
export const runtime = {
  get isEmulator(): boolean {
    return process.env.FUNCTIONS_EMULATOR === 'true';
  },
  get projectId(): string {
    return process.env.GCLOUD_PROJECT ?? process.env.GCP_PROJECT ?? 'demo-clarity';
  },
  startedAt: Date.now(),
  version: '0.1.0',
};
