/**
 * File ingest: an object finalized at uploads/{uid}/{uploadId}/{filename} (the app uploads it with the
 * Firebase Storage SDK) is kept under raw/{uid}/{uploadId}/{filename} and dispatched by its first bytes and
 * name (the core's classifyUpload, the same dispatch as `clarity import`):
 *  - Apple Health export.xml / export.zip: streamed through the Apple Health importer (any size, never read
 *    whole); samples go to the per-day series documents, workouts to users/{uid}/workouts/{id}, daily ring
 *    summaries to users/{uid}/activitySummaries/{date};
 *  - actigraphy (.AWD, ActiGraph .agd / ActiLife .csv) and Fitbit minuteStepsWide CSV: read by the device
 *    readers and stored as one-minute samples (ingest-device-file.ts).
 * The upload document shows live progress and ends with per-type counts.
 *
 * Safe under redelivery: the upload document is created or claimed in a transaction (a finished upload is
 * left alone; a claim older than the lease is taken over) and the series writer counts a retried attempt's
 * own samples as accepted, so a retry never double-writes or double-counts.
 */
import { FieldValue } from 'firebase-admin/firestore';
import {
  ClarityError,
  classifyHeadBytes,
  classifyUpload,
  importAppleHealthXml,
  importAppleHealthZip,
  isValidTimeZone,
  maxStoredRejections,
  type Counts,
  type ImportBatch,
  type ImportSummary,
} from '@clarity/core';
import { isSafeId, paths, uploadObjectPattern } from '../store/paths.ts';
import { dayZone, refreshMinuteSeries, type DayKey } from '../store/minute-series-writer.ts';
import { addCounts, writeSamples, zeroCounts } from '../store/series-writer.ts';
import { writeActivitySummaries, writeWorkouts } from '../store/activity-docs-writer.ts';
import { ingestDeviceFile } from './ingest-device-file.ts';
import {
  createOrClaim,
  hashing,
  readHead,
  type FileIngestDeps,
  type FileIngestOutcome,
  type StorageObject,
} from './ingest-file-common.ts';

export type { FileIngestDeps, FileIngestOutcome, StorageObject } from './ingest-file-common.ts';

export function parseUploadPath(
  name: string,
): { uid: string; uploadId: string; filename: string } | undefined {
  const m = uploadObjectPattern.exec(name);
  if (!m) return undefined;
  const [, uid, uploadId, filename] = m as unknown as [string, string, string, string];
  if (!isSafeId(uid) || !isSafeId(uploadId) || filename === '.' || filename === '..') return undefined;
  return { uid, uploadId, filename };
}

export async function ingestStorageObject(
  object: StorageObject,
  deps: FileIngestDeps,
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
  if (!apple) {
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
  const isZip = head.length >= 4 && head.readUInt32LE(0) === 0x04034b50;
  const claimed = await createOrClaim(deps, uid, uploadId, {
    format: isZip ? 'zip' : 'xml',
    byteSize: object.size,
    rawPath,
    timezone,
  });
  if (typeof claimed === 'string') {
    deps.log.info('ingest_file.skipped', { uploadId, reason: claimed });
    return { kind: 'skipped', reason: claimed };
  }
  const log = deps.log.child({ uploadId, correlationId: claimed.correlationId });
  const ref = deps.db.doc(paths.upload(uid, uploadId));
  log.info('ingest_file.started', { format: isZip ? 'zip' : 'xml', byteSize: object.size });

  // Keep what the user sent, whatever parsing makes of it.
  if (!(await deps.blobs.exists(rawPath))) await deps.blobs.copy(object.name, rawPath);

  let written = zeroCounts();
  let workoutsStored = zeroCounts();
  let summariesStored = zeroCounts();
  const byTypeWritten: Record<string, Counts> = {};
  const spillDays: DayKey[] = [];
  let zone: string | undefined;
  const every = deps.progressEveryMs ?? 1000;
  let lastProgress = 0;
  let pending: Promise<unknown> = Promise.resolve();
  const options = {
    uid,
    ...(timezone ? { timezone } : {}),
    nowMs: deps.now(),
    onBatch: async (batch: ImportBatch) => {
      if (batch.workouts.length > 0)
        workoutsStored = addCounts(
          workoutsStored,
          await writeWorkouts(deps.db, uid, uploadId, batch.workouts),
        );
      if (batch.activitySummaries.length > 0)
        summariesStored = addCounts(
          summariesStored,
          await writeActivitySummaries(deps.db, uid, uploadId, batch.activitySummaries),
        );
      if (batch.samples.length === 0) return;
      zone ??= dayZone(timezone, null, batch.samples[0]?.offsetMinutes);
      const r = await writeSamples(deps.db, uid, uploadId, batch.samples, zone);
      spillDays.push(...r.spillDays);
      written = addCounts(written, r.counts);
      for (const [t, c] of Object.entries(r.byType))
        byTypeWritten[t] = addCounts(byTypeWritten[t] ?? zeroCounts(), c);
    },
    onProgress: (p: { bytes: number; totalBytes?: number; records: number }) => {
      const t = deps.now();
      if (t - lastProgress < every) return;
      lastProgress = t;
      // Progress is advisory: written in the background, one at a time, never awaited by the parser.
      pending = pending.then(() =>
        ref
          .update({
            progress: { bytes: p.bytes, totalBytes: p.totalBytes ?? null, records: p.records },
            updatedAt: FieldValue.serverTimestamp(),
          })
          .catch(() => undefined),
      );
    },
  };

  let summary: ImportSummary;
  let sha256: string | null = null;
  try {
    if (isZip) {
      summary = await importAppleHealthZip(
        { size: object.size, read: (start, end) => deps.blobs.openRange(rawPath, start, end) },
        options,
      );
    } else {
      const h = hashing();
      summary = await importAppleHealthXml(deps.blobs.openRead(rawPath).pipe(h.stream), options);
      sha256 = h.digest();
    }
  } catch (e) {
    await pending;
    if (e instanceof ClarityError && !e.retryable) {
      await ref.update({
        status: 'rejected',
        error: { code: e.code, message: e.message },
        counts: written,
        updatedAt: FieldValue.serverTimestamp(),
        'statusTimes.rejected': FieldValue.serverTimestamp(),
      });
      log.warn('ingest_file.rejected', { code: e.code });
      return { kind: 'done', status: 'rejected', counts: written };
    }
    throw e;
  }
  await pending;
  if (zone) await refreshMinuteSeries(deps.db, uid, spillDays, zone);

  // Per type: stored vs already stored (series writer) + duplicates inside the file and rejections (importer).
  const byType: Record<string, Counts> = {};
  for (const [type, c] of Object.entries(summary.byType)) {
    const w = byTypeWritten[type] ?? zeroCounts();
    byType[type] = { accepted: w.accepted, duplicate: w.duplicate + c.duplicate, rejected: c.rejected };
  }
  const counts: Counts = {
    accepted: written.accepted,
    duplicate: written.duplicate + summary.duplicate,
    rejected: summary.rejected,
  };
  const status = summary.status;
  await ref.update({
    status,
    counts,
    byType,
    sha256,
    sampleCount: summary.records,
    rejections: summary.rejections
      .slice(0, maxStoredRejections)
      .map((r) => ({ path: r.path, message: r.message })),
    error: summary.error ?? null,
    importSummary: {
      records: summary.records,
      unknownTypes: summary.unknownTypes,
      workouts: summary.workouts,
      activitySummaries: summary.activitySummaries,
      // users/{uid}/workouts and activitySummaries: stored now vs already stored (+ repeats in the file).
      workoutsStored: {
        ...workoutsStored,
        duplicate: workoutsStored.duplicate + summary.workoutsDuplicate,
        rejected: summary.workouts - summary.workoutsAccepted - summary.workoutsDuplicate,
      },
      activitySummariesStored: {
        ...summariesStored,
        rejected: summary.activitySummaries - summary.activitySummariesAccepted,
      },
      bytesRead: summary.bytesRead,
      parser: summary.parser.mode,
      locale: summary.locale,
    },
    progress: { bytes: summary.bytesRead, totalBytes: summary.bytesRead, records: summary.records },
    updatedAt: FieldValue.serverTimestamp(),
    [`statusTimes.${status}`]: FieldValue.serverTimestamp(),
  });
  log.info('ingest_file.finished', {
    status,
    records: summary.records,
    accepted: counts.accepted,
    duplicate: counts.duplicate,
    rejected: counts.rejected,
  });
  return { kind: 'done', status, counts };
}
