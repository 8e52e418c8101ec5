/**
 * Apple Health export.xml / export.zip through the Storage path: streamed through the core's Apple Health
 * importer (any size, never read whole); samples go to the per-day series documents, workouts to
 * users/{uid}/workouts/{id}, daily ring summaries to users/{uid}/activitySummaries/{date}. The upload
 * document shows live progress and ends with per-type counts.
 */
import {
  importAppleHealthXml,
  importAppleHealthZip,
  maxStoredRejections,
  type ImportOptions,
  type Counts,
  type ImportBatch,
  type ImportSummary,
} from '@clarity/core';
import type { BlobStore } from '../store/blob-store.ts';
import { dayZone, refreshMinuteSeries, type DayKey } from '../store/minute-series-writer.ts';
import { addCounts, writeSamples, zeroCounts } from '../store/series-writer.ts';
import { writeActivitySummaries, writeWorkouts } from '../store/activity-docs-writer.ts';
import { backgroundProgress, finishUpload, rejectUpload } from '../store/uploads.ts';
import { isAccountDeleted } from '../store/tombstones.ts';
import { errorText, failureCause, isTransient } from '../platform/errors.ts';
import {
  claimFileUpload,
  hashing,
  type FileIngestDeps,
  type FileIngestOutcome,
  type StorageObject,
} from './ingest-file-common.ts';

export interface AppleExportInput {
  uid: string;
  uploadId: string;
  rawPath: string;
  object: StorageObject;
  /** The profile's zone, when it has one. */
  timezone: string | null;
  isZip: boolean;
}

/** What one import has stored so far, batch by batch. */
interface StoredTotals {
  samples: Counts;
  byType: Record<string, Counts>;
  workouts: Counts;
  summaries: Counts;
  spillDays: DayKey[];
  /** Fixed by the first batch with samples. */
  zone: string | undefined;
}

const noTotals = (): StoredTotals => ({
  samples: zeroCounts(),
  byType: {},
  workouts: zeroCounts(),
  summaries: zeroCounts(),
  spillDays: [],
  zone: undefined,
});

async function storeBatch(
  deps: FileIngestDeps,
  input: AppleExportInput,
  totals: StoredTotals,
  batch: ImportBatch,
): Promise<void> {
  const { uid, uploadId } = input;
  if (batch.workouts.length > 0)
    totals.workouts = addCounts(totals.workouts, await writeWorkouts(deps.db, uid, uploadId, batch.workouts));
  if (batch.activitySummaries.length > 0)
    totals.summaries = addCounts(
      totals.summaries,
      await writeActivitySummaries(deps.db, uid, uploadId, batch.activitySummaries),
    );
  if (batch.samples.length === 0) return;
  totals.zone ??= dayZone(input.timezone, null, batch.samples[0]?.offsetMinutes);
  const r = await writeSamples(deps.db, uid, uploadId, batch.samples, totals.zone);
  totals.spillDays.push(...r.spillDays);
  totals.samples = addCounts(totals.samples, r.counts);
  for (const [t, c] of Object.entries(r.byType))
    totals.byType[t] = addCounts(totals.byType[t] ?? zeroCounts(), c);
}

/** Runs the zip or the XML importer over the raw object; the XML's sha256 is taken on the way. */
async function runImporter(
  input: AppleExportInput,
  blobs: BlobStore,
  options: ImportOptions,
): Promise<{ summary: ImportSummary; sha256: string | null }> {
  if (input.isZip) {
    const read = (start: number, end: number) => blobs.openRange(input.rawPath, start, end);
    return { summary: await importAppleHealthZip({ size: input.object.size, read }, options), sha256: null };
  }
  const h = hashing();
  const summary = await importAppleHealthXml(blobs.openRead(input.rawPath).pipe(h.stream), options);
  return { summary, sha256: h.digest() };
}

/** The finished upload's fields: per type, stored vs already stored (series writer) + the importer's own. */
function finishedFields(summary: ImportSummary, totals: StoredTotals, sha256: string | null) {
  const byType: Record<string, Counts> = {};
  for (const [type, c] of Object.entries(summary.byType)) {
    const w = totals.byType[type] ?? zeroCounts();
    byType[type] = { accepted: w.accepted, duplicate: w.duplicate + c.duplicate, rejected: c.rejected };
  }
  const counts: Counts = {
    accepted: totals.samples.accepted,
    duplicate: totals.samples.duplicate + summary.duplicate,
    rejected: summary.rejected,
  };
  const fields = {
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
        ...totals.workouts,
        duplicate: totals.workouts.duplicate + summary.workoutsDuplicate,
        rejected: summary.workouts - summary.workoutsAccepted - summary.workoutsDuplicate,
      },
      activitySummariesStored: {
        ...totals.summaries,
        rejected: summary.activitySummaries - summary.activitySummariesAccepted,
      },
      bytesRead: summary.bytesRead,
      parser: summary.parser.mode,
      locale: summary.locale,
    },
    progress: { bytes: summary.bytesRead, totalBytes: summary.bytesRead, records: summary.records },
  };
  return fields;
}

export async function ingestAppleExport(
  input: AppleExportInput,
  deps: FileIngestDeps,
): Promise<FileIngestOutcome> {
  const { uid, uploadId, rawPath, object } = input;
  const format = input.isZip ? 'zip' : 'xml';
  const start = await claimFileUpload(
    deps,
    input,
    { format, byteSize: object.size, rawPath, timezone: input.timezone },
    format,
  );
  if (start.kind !== 'claimed') return start;
  const { log } = start;

  const totals = noTotals();
  // Progress is advisory: written in the background, one at a time, never awaited by the parser.
  const progress = backgroundProgress(deps.db, uid, uploadId, deps.now, deps.progressEveryMs ?? 1000);
  const options: ImportOptions = {
    uid,
    ...(input.timezone ? { timezone: input.timezone } : {}),
    nowMs: deps.now(),
    onBatch: (batch) => storeBatch(deps, input, totals, batch),
    onProgress: (p) =>
      progress.report({ bytes: p.bytes, totalBytes: p.totalBytes ?? null, records: p.records }),
  };
  let imported: { summary: ImportSummary; sha256: string | null };
  try {
    imported = await runImporter(input, deps.blobs, options);
  } catch (e) {
    if (isAccountDeleted(e)) throw e; // the trigger factory ends it (store/tombstones.ts)
    await progress.flush();
    // One classification (isTransient): a permanent failure (a bad file, a limit, a document Firestore
    // refuses, bad data meeting code) ends the upload rejected with its cause; a transient one is
    // redelivered, and maxIngestAttempts (store/uploads.ts) ends that too.
    if (!isTransient(e)) {
      const cause = failureCause(e);
      await rejectUpload(deps.db, uid, uploadId, cause, { counts: totals.samples });
      log.warn('ingest_file.rejected', { code: cause.code, error: errorText(e) });
      return { kind: 'done', status: 'rejected', counts: totals.samples };
    }
    throw e;
  }
  await progress.flush();
  if (totals.zone) await refreshMinuteSeries(deps.db, uid, totals.spillDays, totals.zone);

  const { summary, sha256 } = imported;
  const fields = finishedFields(summary, totals, sha256);
  await finishUpload(deps.db, uid, uploadId, summary.status, fields);
  log.info('ingest_file.finished', {
    status: summary.status,
    records: summary.records,
    accepted: fields.counts.accepted,
    duplicate: fields.counts.duplicate,
    rejected: fields.counts.rejected,
  });
  return { kind: 'done', status: summary.status, counts: fields.counts };
}
