/**
 * File ingest: an object finalized at uploads/{uid}/{uploadId}/{filename} (the app uploads it with the
 * Firebase Storage SDK) is kept under raw/{uid}/{uploadId}/{filename} and dispatched by its first bytes and
 * name (the core's classifyUpload, the same dispatch as `clarity import`):
 *  - Apple Health export.xml / export.zip: streamed through the Apple Health importer (any size, never read
 *    whole); samples go to the per-day series documents, workouts to users/{uid}/workouts/{id}, daily ring
 *    summaries to users/{uid}/activitySummaries/{date} (ingest-apple-export.ts);
 *  - actigraphy (.AWD, ActiGraph .agd / ActiLife .csv) and Fitbit minuteStepsWide CSV: read by the device
 *    readers and stored as one-minute samples (ingest-device-file.ts).
 * The upload document shows live progress and ends with per-type counts.
 *
 * Safe under redelivery: the upload document is created or claimed in a transaction (a finished upload is
 * left alone; a claim older than the lease is taken over) and the series writer counts a retried attempt's
 * own samples as accepted, so a retry never double-writes or double-counts.
 */
import { classifyHeadBytes, classifyUpload, isValidTimeZone } from '@clarity/core';
import { isSafeId, paths, uploadObjectPattern } from '../store/paths.ts';
import { ingestAppleExport } from './ingest-apple-export.ts';
import { ingestDeviceFile } from './ingest-device-file.ts';
import { auditIngest } from './ingest-audit.ts';
import {
  readHead,
  type IngestContinuation,
  type FileIngestDeps,
  type FileIngestOutcome,
  type StorageObject,
} from './ingest-file-common.ts';

export type {
  FileIngestDeps,
  FileIngestOutcome,
  IngestContinuation,
  StorageObject,
} from './ingest-file-common.ts';

/** The continuation of a handed-off Apple export import (the ingestContinuation task queue). */
export function continueIngest(task: IngestContinuation, deps: FileIngestDeps): Promise<FileIngestOutcome> {
  const object = { name: task.name, size: task.size, ...(task.metadata ? { metadata: task.metadata } : {}) };
  return ingestStorageObject(object, deps, true);
}

export function parseUploadPath(
  name: string,
): { uid: string; uploadId: string; filename: string } | undefined {
  const m = uploadObjectPattern.exec(name);
  if (!m) return undefined;
  const [, uid, uploadId, filename] = m as unknown as [string, string, string, string];
  if (!isSafeId(uid) || !isSafeId(uploadId) || filename === '.' || filename === '..') return undefined;
  return { uid, uploadId, filename };
}

/** Dispatches a finalized object to the ingest of its format (Apple Health export, or a device file). */
export async function ingestStorageObject(
  object: StorageObject,
  deps: FileIngestDeps,
  resume = false,
): Promise<FileIngestOutcome> {
  const parsed = parseUploadPath(object.name);
  if (!parsed) {
    deps.log.info('ingest_file.ignored', { reason: 'not an upload path' });
    return { kind: 'skipped', reason: 'not an upload path' };
  }
  const { uid, uploadId, filename } = parsed;
  const rawPath = paths.rawObject(uid, uploadId, filename);
  const profile = await deps.db.doc(paths.user(uid)).get();
  const timezone = typeof profile.get('timezone') === 'string' ? (profile.get('timezone') as string) : null;
  const head = await readHead(deps.blobs.openRange(object.name, 0, Math.min(object.size, classifyHeadBytes)));
  const kind = classifyUpload(filename, head);
  // An unrecognised .xml/.zip goes to the Apple importer, whose reasons (no export.xml, bad XML) are specific.
  const apple =
    kind === 'apple-zip' || kind === 'apple-xml' || (kind === undefined && /\.(xml|zip)$/i.test(filename));
  let out: FileIngestOutcome;
  if (apple) {
    const isZip = head.length >= 4 && head.readUInt32LE(0) === 0x04034b50;
    out = await ingestAppleExport({ uid, uploadId, rawPath, object, timezone, isZip, resume }, deps);
  } else out = await ingestDevice(object, parsed, rawPath, kind, timezone, deps);
  // Every ingest that ended (ingested, partial or rejected) is audited, as the JSON batch is.
  if (out.kind === 'done') {
    const via = apple ? 'apple-export' : `device-file:${kind ?? 'unknown'}`;
    await auditIngest(deps.db, {
      uid,
      uploadId,
      correlationId: `upload-${uploadId}`,
      status: out.status,
      counts: out.counts,
      via,
    });
  }
  return out;
}

function ingestDevice(
  object: StorageObject,
  { uid, uploadId, filename }: { uid: string; uploadId: string; filename: string },
  rawPath: string,
  kind: ReturnType<typeof classifyUpload>,
  timezone: string | null,
  deps: FileIngestDeps,
): Promise<FileIngestOutcome> {
  const metaZone = object.metadata?.timezone;
  return ingestDeviceFile(
    {
      uid,
      uploadId,
      filename,
      rawPath,
      object,
      kind,
      profileZone: timezone,
      metadataZone: metaZone && isValidTimeZone(metaZone) ? metaZone : null,
      subject: object.metadata?.subject,
    },
    deps,
  );
}
