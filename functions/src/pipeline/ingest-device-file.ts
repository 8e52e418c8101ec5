/**
 * Device files through the Storage path: actigraphy (.AWD, ActiGraph .agd / ActiLife .csv) and Fitbit
 * minuteStepsWide CSV. The object is staged to a local temporary file (the readers take a path; .agd is an
 * SQLite database, which node:sqlite opens by path), read by the core's device readers (the same reader and
 * dispatch as `clarity import`), converted to one-minute samples in the user's zone (epochsToMinutes:
 * shorter epochs summed, longer ones spread, missing epochs left missing) and written through the series
 * writer, so re-import is duplicates and a retried attempt never double-writes.
 *
 * Counts are per epoch, under the stream's key (e.g. byType['awd.activity_counts']): an epoch is accepted
 * when its minute was stored by this upload, duplicate when another upload had stored it, rejected when it
 * fell in a minute that was only partly recorded. A reader error (bad header or line) rejects the upload
 * with the reader's message and the line in `rejections`; nothing is stored then, the raw object is kept.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  ClarityError,
  epochsToMinutes,
  isStorableDeviceKind,
  maxStoredRejections,
  minuteSamples,
  readDeviceUpload,
  type Counts,
  type DeviceUpload,
  type FieldIssue,
  type UploadDoc,
  type UploadKind,
} from '@clarity/core';
import { finishUpload, recordUploadProgress, rejectUpload } from '../store/uploads.ts';
import { refreshMinuteSeries, type DayKey } from '../store/minute-series-writer.ts';
import { addCounts, sampleStatus, writeSamples, zeroCounts } from '../store/series-writer.ts';
import { isAccountDeleted } from '../store/tombstones.ts';
import {
  claimFileUpload,
  hashing,
  type FileIngestDeps,
  type FileIngestOutcome,
  type StorageObject,
} from './ingest-file-common.ts';

export const defaultMaxDeviceFileBytes = 256 * 1024 * 1024;

/** One week of minutes per write round: bounds memory and gives the upload document progress steps. */
const minutesPerRound = 7 * 1440;

export interface DeviceFileInput {
  uid: string;
  uploadId: string;
  filename: string;
  rawPath: string;
  object: StorageObject;
  kind: UploadKind | undefined;
  profileZone: string | null;
  metadataZone: string | null;
  subject?: string | undefined;
}

function uploadFormat(kind: UploadKind | undefined, filename: string): UploadDoc['format'] {
  if (kind === 'awd') return 'awd';
  if (kind === 'agd') return 'agd';
  if (kind === 'actilife-csv' || kind?.startsWith('fitbit')) return 'csv';
  const ext = path.extname(filename).toLowerCase().slice(1);
  return ext === 'awd' || ext === 'agd' || ext === 'csv' ? ext : 'other';
}

/** Why a recognised file that is not stored is refused. */
function notStored(kind: UploadKind | undefined): string {
  if (kind === 'fitbit-hourly' || kind === 'fitbit-daily')
    return 'Fitbit hourly/daily step totals are not stored (they would count the minute steps twice): upload minuteStepsWide_merged.csv';
  if (kind === 'nn-intervals') return 'NN-interval files are analysed with `clarity hrv`, not stored';
  return 'unsupported format: expected Apple Health export.xml/export.zip, Actiwatch .AWD, ActiGraph .agd or ActiLife .csv, or Fitbit minuteStepsWide .csv';
}

export async function ingestDeviceFile(
  input: DeviceFileInput,
  deps: FileIngestDeps,
): Promise<FileIngestOutcome> {
  const { uid, uploadId, filename, rawPath, object, kind } = input;
  const zone = input.profileZone ?? input.metadataZone ?? 'UTC';
  // Said in the summary: a device file has no zone, so where its local times were placed matters.
  const zoneSource = input.profileZone ? 'profile' : input.metadataZone ? 'upload metadata' : 'default (UTC)';
  const start = await claimFileUpload(
    deps,
    input,
    {
      format: uploadFormat(kind, filename),
      source: kind?.startsWith('fitbit') ? 'fitbit' : 'actigraphy',
      byteSize: object.size,
      rawPath,
      timezone: zone,
    },
    kind ?? 'unknown',
  );
  if (start.kind !== 'claimed') return start;
  const { log } = start;

  const reject = async (e: ClarityError, sha256: string | null = null): Promise<FileIngestOutcome> => {
    const rejections: FieldIssue[] = (e.details ?? []).slice(0, maxStoredRejections);
    await rejectUpload(deps.db, uid, uploadId, e, {
      rejections: rejections.length > 0 ? rejections : [{ path: [], message: e.message }],
      counts: zeroCounts(),
      sha256,
    });
    log.warn('ingest_file.rejected', { code: e.code });
    return { kind: 'done', status: 'rejected', counts: zeroCounts() };
  };

  if (object.size === 0) return reject(new ClarityError('invalid_input', 'the file is empty'));
  if (!isStorableDeviceKind(kind)) return reject(new ClarityError('unsupported_media_type', notStored(kind)));
  const max = deps.maxDeviceFileBytes ?? defaultMaxDeviceFileBytes;
  if (object.size > max)
    return reject(
      new ClarityError(
        'payload_too_large',
        `device files are read up to ${Math.round(max / 1048576)} MiB; split the recording`,
      ),
    );

  // Stage to a private temporary folder; the extension is kept because the readers dispatch on it.
  const dir = await mkdtemp(path.join(deps.tmpDir ?? tmpdir(), 'clarity-ingest-'));
  const ext = /^\.[A-Za-z0-9]{1,8}$/.test(path.extname(filename)) ? path.extname(filename) : '';
  const file = path.join(dir, `upload${ext}`);
  let upload: DeviceUpload;
  let sha256: string;
  try {
    const h = hashing();
    await pipeline(deps.blobs.openRead(rawPath), h.stream, createWriteStream(file));
    sha256 = h.digest();
    try {
      upload = await readDeviceUpload(file, kind, {
        ...(input.subject ? { subject: input.subject } : {}),
        ...(deps.limits ? { limits: deps.limits } : {}),
      });
    } catch (e) {
      if (isAccountDeleted(e)) throw e; // the trigger factory ends it (store/tombstones.ts)
      if (e instanceof ClarityError && !e.retryable) return await reject(e, sha256);
      throw e;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  let counts = zeroCounts();
  const byType: Record<string, Counts> = {};
  const spillDays: DayKey[] = [];
  const streams: Record<string, unknown>[] = [];
  const rejections: FieldIssue[] = [];
  const totalEpochs = upload.streams.reduce((a, s) => a + s.series.values.length, 0);
  let epochsDone = 0;
  let epochsWithData = 0;
  for (const st of upload.streams) {
    const conv = epochsToMinutes(st.series, { timezone: zone, clock: st.clock });
    const samples = minuteSamples(conv, { type: st.type, source: st.source }, zone);
    const epochStatus = new Uint8Array(st.series.values.length);
    for (let k = 0; k < samples.length; k += minutesPerRound) {
      const part = samples.slice(k, k + minutesPerRound);
      const r = await writeSamples(deps.db, uid, uploadId, part, zone);
      spillDays.push(...r.spillDays);
      part.forEach((_, j) => {
        const status = r.status[j];
        for (let i = conv.firstEpoch[k + j] as number; i <= (conv.lastEpoch[k + j] as number); i++) {
          if (status === sampleStatus.accepted) epochStatus[i] = sampleStatus.accepted;
          else if (epochStatus[i] === 0) epochStatus[i] = sampleStatus.duplicate;
        }
      });
      const last = conv.lastEpoch[Math.min(samples.length, k + minutesPerRound) - 1] ?? 0;
      await recordUploadProgress(deps.db, uid, uploadId, {
        bytes: object.size,
        totalBytes: object.size,
        records: epochsDone + last + 1,
        totalRecords: totalEpochs,
      });
    }
    const c = zeroCounts();
    const { values, missing } = st.series;
    for (let i = 0; i < values.length; i++) {
      if (missing[i] === 1 || Number.isNaN(values[i])) continue;
      if (epochStatus[i] === sampleStatus.accepted) c.accepted++;
      else if (epochStatus[i] === sampleStatus.duplicate) c.duplicate++;
      else c.rejected++;
    }
    if (c.rejected > 0)
      rejections.push({
        path: [st.key, 'epochs'],
        message: `${c.rejected} epochs fall in minutes only partly recorded (the recording's first or last minute, or next to missing epochs) and are not stored`,
      });
    byType[st.key] = c;
    counts = addCounts(counts, c);
    epochsDone += values.length;
    epochsWithData += conv.epochsWithData;
    streams.push({
      key: st.key,
      metric: st.metric,
      source: st.source,
      start: st.series.start,
      epochSeconds: st.series.epochSeconds,
      epochs: values.length,
      missingEpochs: conv.missingEpochs,
      minutes: samples.length,
      clock: st.clock,
    });
  }
  await refreshMinuteSeries(deps.db, uid, spillDays, zone);

  await finishUpload(deps.db, uid, uploadId, 'ingested', {
    source: upload.source,
    format: upload.format,
    counts,
    byType,
    sha256,
    sampleCount: epochsWithData,
    rejections,
    error: null,
    importSummary: {
      reader: upload.reader,
      timezone: zone,
      timezoneSource: zoneSource,
      streams,
      ...(upload.subject ? { subject: upload.subject.id, subjectsInFile: upload.subject.of } : {}),
    },
    progress: {
      bytes: object.size,
      totalBytes: object.size,
      records: totalEpochs,
      totalRecords: totalEpochs,
    },
  });
  log.info('ingest_file.finished', {
    status: 'ingested',
    reader: upload.reader,
    accepted: counts.accepted,
    duplicate: counts.duplicate,
    rejected: counts.rejected,
  });
  return { kind: 'done', status: 'ingested', counts };
}
