/**
 * Apple Health export.xml / export.zip through the Storage path: streamed through the core's Apple Health
 * importer (any size, never read whole); samples go to the per-day series documents, workouts to
 * users/{uid}/workouts/{id}, daily ring summaries to users/{uid}/activitySummaries/{date}. The upload
 * document shows live progress and ends with per-type counts.
 *
 * Resumable (docs/architecture.md, "Pipeline guarantees"): an import that reaches its time budget
 * (`timeBudgetMs`, the INGEST_TIME_BUDGET_SECONDS param) after storing a batch records a checkpoint on the
 * upload document (the batches stored and the writer's running totals, store/uploads.ts `checkpointUpload`)
 * and enqueues its continuation (`continueIngest`, a Cloud Tasks task). The continuation reads the file again
 * from the start (the parse is deterministic and far cheaper than the writes, and the importer's own state,
 * such as its in-file duplicate set, is rebuilt exactly), skips storing the batches before the checkpoint and
 * goes on from there; sample ids are deterministic, so nothing is stored twice and the counts are those of a
 * single run.
 */
import {
  ClarityError,
  importAppleHealthXml,
  importAppleHealthZip,
  maxStoredRejections,
  type ImportOptions,
  type Counts,
  type ImportBatch,
  type ImportCheckpoint,
  type ImportSummary,
} from '@clarity/core';
import type { BlobStore } from '../store/blob-store.ts';
import { dayZone, refreshMinuteSeries, type DayKey } from '../store/minute-series-writer.ts';
import { addCounts, writeSamples, zeroCounts } from '../store/series-writer.ts';
import { writeActivitySummaries, writeWorkouts } from '../store/activity-docs-writer.ts';
import { backgroundProgress, checkpointUpload, finishUpload, rejectUpload } from '../store/uploads.ts';
import { isAccountDeleted } from '../store/tombstones.ts';
import { errorText, failureCause, isTransient } from '../platform/errors.ts';
import type { Logger } from '../platform/logger.ts';
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
  /** A continuation of an import that handed off at a checkpoint. */
  resume?: boolean;
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

const totalsFrom = (c: ImportCheckpoint['totals']): StoredTotals => ({
  samples: c.samples,
  byType: { ...c.byType },
  workouts: c.workouts,
  summaries: c.summaries,
  spillDays: [],
  zone: c.zone ?? undefined,
});

/** Thrown from the batch sink when the invocation's time is up: unwinds the importer to the hand-off. */
class HandOff extends Error {
  readonly batches: number;
  readonly records: number;
  readonly bytes: number;
  constructor(batches: number, records: number, bytes: number) {
    super('time budget reached: continuing in a new invocation');
    this.batches = batches;
    this.records = records;
    this.bytes = bytes;
  }
}

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

/** Records the checkpoint, then enqueues the continuation (a failed enqueue is retried by redelivery). */
async function handOff(
  deps: FileIngestDeps,
  input: AppleExportInput,
  totals: StoredTotals,
  at: HandOff,
  previous: ImportCheckpoint | undefined,
  nowMs: number,
  log: Logger,
): Promise<FileIngestOutcome> {
  const { uid, uploadId } = input;
  // Spill-over days are settled now rather than carried in the checkpoint (refreshing is idempotent).
  if (totals.zone) await refreshMinuteSeries(deps.db, uid, totals.spillDays, totals.zone);
  const checkpoint: ImportCheckpoint = {
    batches: at.batches,
    records: at.records,
    bytes: at.bytes,
    invocations: (previous?.invocations ?? 1) + 1,
    handedOff: true,
    nowMs,
    totals: {
      samples: totals.samples,
      byType: totals.byType,
      workouts: totals.workouts,
      summaries: totals.summaries,
      zone: totals.zone ?? null,
    },
  };
  await checkpointUpload(deps.db, uid, uploadId, checkpoint, {
    bytes: at.bytes,
    totalBytes: input.object.size,
    records: at.records,
  });
  if (!deps.continueIngest) throw new ClarityError('internal', 'no continuation queue for a hand-off');
  await deps.continueIngest({
    uid,
    uploadId,
    name: input.object.name,
    size: input.object.size,
    ...(input.object.metadata ? { metadata: input.object.metadata } : {}),
    batches: at.batches,
  });
  log.info('ingest_file.handed_off', { batches: at.batches, invocation: checkpoint.invocations - 1 });
  return { kind: 'continued', batches: at.batches, counts: totals.samples };
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
    input.resume === true,
  );
  if (start.kind !== 'claimed') return start;
  const { log } = start;

  const checkpoint = start.upload.checkpoint ?? undefined;
  const totals = checkpoint ? totalsFrom(checkpoint.totals) : noTotals();
  const skip = checkpoint?.batches ?? 0;
  const deadline = deps.continueIngest && deps.timeBudgetMs ? deps.now() + deps.timeBudgetMs : Infinity;
  let batches = 0;
  let last = { bytes: 0, records: 0 };
  // Progress is advisory: written in the background, one at a time, never awaited by the parser.
  const progress = backgroundProgress(deps.db, uid, uploadId, deps.now, deps.progressEveryMs ?? 1000);
  const options: ImportOptions = {
    uid,
    ...(input.timezone ? { timezone: input.timezone } : {}),
    // The future-date check must judge every invocation's records alike: the first invocation's "now".
    nowMs: checkpoint?.nowMs ?? deps.now(),
    ...(deps.limits ? { limits: deps.limits } : {}),
    onBatch: async (batch) => {
      // Stored by an earlier invocation (the checkpoint counts them): read again, not written again.
      if (++batches <= skip) return;
      await storeBatch(deps, input, totals, batch);
      if (deps.now() >= deadline) throw new HandOff(batches, last.records, last.bytes);
    },
    onProgress: (p) => {
      last = { bytes: p.bytes, records: p.records };
      progress.report({ bytes: p.bytes, totalBytes: p.totalBytes ?? null, records: p.records });
    },
  };
  let imported: { summary: ImportSummary; sha256: string | null };
  try {
    imported = await runImporter(input, deps.blobs, options);
  } catch (e) {
    if (isAccountDeleted(e)) throw e; // the trigger factory ends it (store/tombstones.ts)
    await progress.flush();
    if (e instanceof HandOff) return handOff(deps, input, totals, e, checkpoint, options.nowMs ?? 0, log);
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
  const fields = { ...finishedFields(summary, totals, sha256), invocations: checkpoint?.invocations ?? 1 };
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
