/** What the Apple and device file ingests share: dependencies, the upload claim, hashing and head reads. */
import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import type { Firestore } from 'firebase-admin/firestore';
import type { Counts, ImportLimits, UploadDoc } from '@clarity/core';
import type { Logger } from '../platform/logger.ts';
import type { BlobStore } from '../store/blob-store.ts';
import { createOrClaimUpload } from '../store/uploads.ts';

export interface FileIngestDeps {
  db: Firestore;
  blobs: BlobStore;
  log: Logger;
  now: () => number;
  /** Least time between two progress writes to the upload document. */
  progressEveryMs?: number;
  /** Largest device file (AWD, AGD, CSV) staged to local disk for its reader (default 256 MiB). */
  maxDeviceFileBytes?: number;
  /** Where device files are staged (default os.tmpdir()); each upload gets its own folder, removed after. */
  tmpDir?: string;
  /**
   * Time an Apple export import may take in one invocation before it checkpoints and hands off to a
   * continuation (INGEST_TIME_BUDGET_SECONDS); only used with `continueIngest`.
   */
  timeBudgetMs?: number;
  /** The importers' resource limits (IMPORT_LIMITS overrides of the defaults); absent: the defaults. */
  limits?: ImportLimits;
  /** Enqueues the continuation of a handed-off import (Cloud Tasks in the runtime). */
  continueIngest?: (task: IngestContinuation) => Promise<void>;
}

/** The continuation task of a handed-off import: the object again, and where the import stopped. */
export interface IngestContinuation {
  uid: string;
  uploadId: string;
  name: string;
  size: number;
  metadata?: Record<string, string>;
  /** Batches stored when it handed off (part of the task id: one task per hand-off). */
  batches: number;
}

export interface StorageObject {
  name: string;
  size: number;
  contentType?: string | undefined;
  /**
   * The object's custom metadata (Firebase Storage SDK `customMetadata`). Read: `timezone` (IANA zone the
   * device's local times are in, when the profile has none) and `subject` (the Fitbit participant Id to
   * import from a multi-participant Fitabase file).
   */
  metadata?: Record<string, string> | undefined;
}

export type FileIngestOutcome =
  | { kind: 'skipped'; reason: string }
  | { kind: 'continued'; batches: number; counts: Counts }
  | { kind: 'done'; status: 'ingested' | 'partial' | 'rejected'; counts: Counts };

/**
 * The start every file ingest shares: creates the upload document or claims an unfinished one (a skip is
 * logged and returned as the outcome), names the upload in a child logger, logs the start, and keeps the raw
 * object under rawPath whatever parsing makes of it.
 */
export async function claimFileUpload(
  deps: FileIngestDeps,
  input: { uid: string; uploadId: string; rawPath: string; object: StorageObject },
  fields: Parameters<typeof createOrClaimUpload>[4],
  format: string,
  resume = false,
): Promise<{ kind: 'claimed'; upload: UploadDoc; log: Logger } | FileIngestOutcome> {
  const { uid, uploadId, rawPath, object } = input;
  const claimed = await createOrClaimUpload(deps.db, uid, uploadId, deps.now, fields, resume);
  if (typeof claimed === 'string') {
    deps.log.info('ingest_file.skipped', { uploadId, reason: claimed });
    return { kind: 'skipped', reason: claimed };
  }
  const log = deps.log.child({ uploadId, correlationId: claimed.correlationId });
  log.info('ingest_file.started', { format, byteSize: object.size });
  if (!(await deps.blobs.exists(rawPath))) await deps.blobs.copy(object.name, rawPath);
  return { kind: 'claimed', upload: claimed, log };
}

/** Passes bytes through while hashing and counting them (the raw object's sha256 without a second read). */
export function hashing(): { stream: Transform; digest: () => string; bytes: () => number } {
  const hash = createHash('sha256');
  let n = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      n += chunk.length;
      cb(null, chunk);
    },
  });
  return { stream, digest: () => hash.digest('hex'), bytes: () => n };
}

export async function readHead(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}
