import { open } from 'node:fs/promises';
import { ClarityError, isClarityError, type FieldIssue } from '../../errors.ts';
import { isValidTimeZone } from '../../contracts/time.ts';
import { isCategoryType, isQuantityType } from '../../contracts/health-types.ts';
import type { AttrMap } from './elements.ts';
import {
  isKnownRecordType,
  mapActivitySummary,
  mapRecord,
  mapWorkout,
  type ImportedActivitySummary,
  type ImportedSample,
  type ImportedWorkout,
  type MapContext,
} from './mapping.ts';
import { fileChunks } from './file-chunks.ts';
import { SeenIds } from './seen-ids.ts';
import { isLimitError, type ImportLimits } from '../limits.ts';
import { readExportElements, type ByteSource, type ParserChoice, type ParserInfo } from './xml-stream.ts';
import { looksLikeZip, openExportXmlInZip, type RandomAccessSource } from './zip.ts';

/** Per Record type: what became of its records. accepted + duplicate + rejected + unsupported = records of the type. */
export interface TypeCounts {
  accepted: number;
  duplicate: number;
  rejected: number;
  /** Records of a type that is not a HealthKit identifier at all (also listed in unknownTypes). */
  unsupported: number;
}

export interface ImportRejection {
  /** e.g. ['Record', 17, 'unit']: the 0-based index among Record (or Workout, ActivitySummary) elements. */
  path: (string | number)[];
  message: string;
  type?: string;
}

/** What an upload document records about one imported export. */
export interface ImportSummary {
  format: 'apple_health_xml' | 'apple_health_zip';
  /** ingested: read to the end; partial: an XML error stopped reading, what came before was kept; rejected: nothing usable. */
  status: 'ingested' | 'partial' | 'rejected';
  /** Every Record element read (including those nested in Correlations). */
  records: number;
  accepted: number;
  duplicate: number;
  rejected: number;
  byType: Record<string, TypeCounts>;
  /**
   * Record types outside the documented table (healthkit-catalog.ts), with their counts: identifiers of
   * HealthKit's form are still stored (generic samples, metric x_…), others are counted as unsupported.
   */
  unknownTypes: Record<string, number>;
  workouts: number;
  workoutsAccepted: number;
  /** Workouts repeated within the file (same workout id). */
  workoutsDuplicate: number;
  activitySummaries: number;
  activitySummariesAccepted: number;
  correlations: number;
  /** Other children of HealthData (ClinicalRecord, Audiogram, ...) by element name. */
  otherElements: Record<string, number>;
  /**
   * Samples accepted after the in-file duplicate set was full (see ImportOptions.dedupeCapacity): repeats
   * among them are left to the store's create-if-absent. 0 for exports below about 4 million records.
   */
  dedupeOverflow: number;
  /** HRV records whose beat times could not be read (kept without their beat list). */
  hrvBeatListsUnreadable: number;
  /** The first rejection reasons (capped at maxRejections). */
  rejections: ImportRejection[];
  /** Bytes of XML read (decompressed bytes for a zip). */
  bytesRead: number;
  /** Compressed size of the archive, for a zip. */
  archiveBytes?: number;
  locale: string | null;
  exportDate: string | null;
  parser: { mode: ParserInfo['mode']; fallbackReason?: string };
  /** Why reading stopped early (status partial or rejected). */
  error?: { code: string; message: string };
}

/** One batch for the sink: at most batchSize samples plus the workouts and summaries read meanwhile. */
export interface ImportBatch {
  samples: ImportedSample[];
  workouts: ImportedWorkout[];
  activitySummaries: ImportedActivitySummary[];
  /** The export's `Me` characteristics (date of birth, sex, blood type, skin type), in the batch where it appears. */
  me?: AttrMap;
}

export interface ImportProgress {
  bytes: number;
  /** Total XML bytes when known (a zip entry's size, a file's size). */
  totalBytes?: number;
  records: number;
}

export interface ImportOptions {
  /** Owner of the data; part of every sample id. */
  uid: string;
  /** IANA zone of the user: days are cut in it. Default: each sample's own UTC offset. */
  timezone?: string;
  /** "Now" for the future-date check (default Date.now()). */
  nowMs?: number;
  /** Samples per batch (default 500, a Firestore batch). */
  batchSize?: number;
  /** Receives each batch; awaited, so a slow sink slows reading (backpressure). */
  onBatch?: (batch: ImportBatch) => void | Promise<void>;
  /** Called about every MiB of input and at the end. */
  onProgress?: (progress: ImportProgress) => void;
  /** XML front end (default 'auto'). */
  parser?: ParserChoice;
  /** How many rejection reasons the summary keeps (default 20). */
  maxRejections?: number;
  /** Total XML bytes for progress, when the caller knows it. */
  totalBytes?: number;
  /** Most sample ids remembered for in-file duplicate detection (default 4 194 304, a 64 MiB table). */
  dedupeCapacity?: number;
  /** Resource limits (limits.ts); default defaultImportLimits. */
  limits?: ImportLimits;
}

const progressStepBytes = 1 << 20;

/**
 * Imports an Apple Health export.xml from a byte stream (a Node Readable, e.g. a Cloud Storage object
 * stream, or any AsyncIterable of chunks). Records become canonical samples through the JSON-upload
 * validation; duplicates within the file (same sampleId) are counted and not passed on. Returns the
 * summary; XML errors end as status 'partial' or 'rejected' in it. Throws ClarityError for an empty file,
 * a non-Apple-Health root, a zip given as a stream, or an invalid option; other errors of the source
 * (network, disk) propagate unchanged so a caller can retry.
 */
export async function importAppleHealthXml(
  source: ByteSource,
  options: ImportOptions,
): Promise<ImportSummary> {
  return runImport(source, options, 'apple_health_xml');
}

/**
 * Imports the export.xml inside an Apple Health export.zip, read by ranges from a RandomAccessSource
 * (or a local path). Throws ClarityError('invalid_input') when the archive holds no export.xml.
 */
export async function importAppleHealthZip(
  zip: string | RandomAccessSource,
  options: ImportOptions,
): Promise<ImportSummary> {
  const entry = await openExportXmlInZip(zip, options.limits);
  const summary = await runImport(
    zipEntryChunks(entry.stream),
    { totalBytes: entry.uncompressedSize, ...options },
    'apple_health_zip',
  );
  if (typeof zip !== 'string') summary.archiveBytes = zip.size;
  return summary;
}

/** Imports a local export.xml or export.zip, telling them apart by their first bytes. */
export async function importAppleHealthFile(path: string, options: ImportOptions): Promise<ImportSummary> {
  const kind = await sniffFile(path);
  if (kind.zip) {
    const summary = await importAppleHealthZip(path, options);
    summary.archiveBytes = kind.size;
    return summary;
  }
  return runImport(fileChunks(path), { totalBytes: kind.size, ...options }, 'apple_health_xml');
}

export async function sniffFile(path: string): Promise<{ zip: boolean; size: number; head: Buffer }> {
  const fh = await open(path, 'r').catch((e: unknown) => {
    throw new ClarityError(
      'not_found',
      `cannot open ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
      { cause: e },
    );
  });
  try {
    const { size } = await fh.stat();
    const head = Buffer.alloc(Math.min(size, 512));
    await fh.read(head, 0, head.length, 0);
    return { zip: looksLikeZip(head), size, head };
  } finally {
    await fh.close();
  }
}

async function* zipEntryChunks(stream: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of stream) yield chunk;
  } catch (e) {
    if (isClarityError(e)) throw e;
    throw new ClarityError('parse_error', `the zip entry is corrupt: ${(e as Error).message}`, { cause: e });
  }
}

async function* guardZip(source: ByteSource): AsyncGenerator<Uint8Array | string> {
  let first = true;
  for await (const chunk of source) {
    if (first) {
      first = false;
      const head = typeof chunk === 'string' ? Buffer.from(chunk.slice(0, 4)) : chunk;
      if (looksLikeZip(head)) {
        throw new ClarityError(
          'unsupported_media_type',
          'this is a zip archive: read it with importAppleHealthZip (a zip needs random access to its directory)',
        );
      }
    }
    yield chunk;
  }
}

/**
 * table[key], created by make when the table has no own property of that name. Keys come from the file
 * ("__proto__", "toString" are valid type and element names), so they are defined as own properties,
 * never looked up through or assigned to the prototype.
 */
function ownEntry<T>(table: Record<string, T>, key: string, make: () => T): T {
  if (Object.hasOwn(table, key)) return table[key] as T;
  const value = make();
  Object.defineProperty(table, key, { value, enumerable: true, writable: true, configurable: true });
  return value;
}

function bump(table: Record<string, number>, key: string): void {
  if (Object.hasOwn(table, key)) (table[key] as number)++;
  else ownEntry(table, key, () => 1);
}

function emptyCounts(): TypeCounts {
  return { accepted: 0, duplicate: 0, rejected: 0, unsupported: 0 };
}

async function runImport(
  source: ByteSource,
  options: ImportOptions,
  format: ImportSummary['format'],
): Promise<ImportSummary> {
  if (options.timezone !== undefined && !isValidTimeZone(options.timezone)) {
    throw new ClarityError(
      'invalid_argument',
      `timezone "${options.timezone.slice(0, 64)}" is not an IANA time zone name`,
    );
  }
  const batchSize = options.batchSize ?? 500;
  const maxRejections = options.maxRejections ?? 20;
  const ctx: MapContext = {
    uid: options.uid,
    nowMs: options.nowMs ?? Date.now(),
    ...(options.timezone ? { timezone: options.timezone } : {}),
  };
  const info: ParserInfo = { mode: 'fast', bytes: 0 };
  const summary: ImportSummary = {
    format,
    status: 'ingested',
    records: 0,
    accepted: 0,
    duplicate: 0,
    rejected: 0,
    byType: {},
    unknownTypes: {},
    workouts: 0,
    workoutsAccepted: 0,
    workoutsDuplicate: 0,
    activitySummaries: 0,
    activitySummariesAccepted: 0,
    correlations: 0,
    otherElements: {},
    dedupeOverflow: 0,
    hrvBeatListsUnreadable: 0,
    rejections: [],
    bytesRead: 0,
    locale: null,
    exportDate: null,
    parser: { mode: 'fast' },
  };
  const seen = new SeenIds(options.dedupeCapacity);
  let batch: ImportBatch = { samples: [], workouts: [], activitySummaries: [] };
  const flush = async (): Promise<void> => {
    if (
      batch.samples.length === 0 &&
      batch.workouts.length === 0 &&
      batch.activitySummaries.length === 0 &&
      !batch.me
    )
      return;
    const b = batch;
    batch = { samples: [], workouts: [], activitySummaries: [] };
    if (options.onBatch) await options.onBatch(b);
  };
  const reject = (issues: FieldIssue[], type?: string): void => {
    for (const i of issues) {
      if (summary.rejections.length >= maxRejections) break;
      summary.rejections.push({
        path: i.path,
        message: i.message,
        ...(type !== undefined ? { type: type.slice(0, 120) } : {}),
      });
    }
  };
  let lastProgress = 0;
  const progress = (): void => {
    if (!options.onProgress) return;
    lastProgress = info.bytes;
    options.onProgress({
      bytes: info.bytes,
      records: summary.records,
      ...(options.totalBytes !== undefined ? { totalBytes: options.totalBytes } : {}),
    });
  };
  let workoutIndex = 0;
  let summaryIndex = 0;
  let lastType: string | undefined;
  let lastCounts = emptyCounts();
  let lastKnown = false;
  let lastDocumented = false;
  try {
    for await (const elements of readExportElements(guardZip(source), {
      parser: options.parser ?? 'auto',
      info,
      ...(options.limits ? { limits: options.limits } : {}),
    })) {
      for (const el of elements) {
        switch (el.kind) {
          case 'Record': {
            const index = summary.records++;
            const type = el.attrs.type ?? '';
            // Exports come in runs of one type: the previous record's counts and verdict, when the type
            // is the same, save hashing the type name into two tables per record.
            if (type !== lastType) {
              lastType = type;
              lastCounts = ownEntry(summary.byType, type, emptyCounts);
              lastKnown = isKnownRecordType(type);
              lastDocumented = isQuantityType(type) || isCategoryType(type);
            }
            const counts = lastCounts;
            if (!lastDocumented) bump(summary.unknownTypes, type);
            if (!lastKnown) {
              counts.unsupported++;
              break;
            }
            const r = mapRecord(el, ['Record', index], ctx);
            if (Array.isArray(r)) {
              counts.rejected++;
              summary.rejected++;
              reject(r, type);
              break;
            }
            if (!seen.add(r.id)) {
              counts.duplicate++;
              summary.duplicate++;
              break;
            }
            counts.accepted++;
            summary.accepted++;
            if (el.beats.length > 0 && !r.beats) summary.hrvBeatListsUnreadable++;
            batch.samples.push(r);
            if (batch.samples.length >= batchSize) await flush();
            break;
          }
          case 'Workout': {
            summary.workouts++;
            const w = mapWorkout(el, ['Workout', workoutIndex++], ctx);
            if (Array.isArray(w)) reject(w, 'Workout');
            else if (seen.add(w.id)) {
              summary.workoutsAccepted++;
              batch.workouts.push(w);
            } else summary.workoutsDuplicate++;
            break;
          }
          case 'ActivitySummary': {
            summary.activitySummaries++;
            const s = mapActivitySummary(el.attrs, ['ActivitySummary', summaryIndex++]);
            if (Array.isArray(s)) reject(s, 'ActivitySummary');
            else {
              summary.activitySummariesAccepted++;
              batch.activitySummaries.push(s);
            }
            break;
          }
          case 'HealthData':
            summary.locale = el.attrs.locale ?? null;
            break;
          case 'ExportDate':
            summary.exportDate = el.attrs.value ?? null;
            break;
          case 'Me':
            batch.me = el.attrs;
            break;
          case 'Correlation':
            summary.correlations++;
            break;
          case 'Other':
            bump(summary.otherElements, el.name);
            break;
        }
      }
      if (info.bytes - lastProgress >= progressStepBytes) progress();
    }
  } catch (e) {
    // A parse error or a resource limit ends the import: partial when records were read before it.
    if (!isClarityError(e) || (e.code !== 'parse_error' && !isLimitError(e))) throw e;
    const kept = summary.records + summary.workouts + summary.activitySummaries > 0;
    summary.status = kept ? 'partial' : 'rejected';
    summary.error = { code: e.code, message: e.message };
  }
  await flush();
  summary.dedupeOverflow = seen.overflow;
  summary.bytesRead = info.bytes;
  summary.parser = {
    mode: info.mode,
    ...(info.fallbackReason !== undefined ? { fallbackReason: info.fallbackReason } : {}),
  };
  progress();
  return summary;
}
