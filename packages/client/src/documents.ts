/**
 * The Firestore documents an app reads, typed from the core's zod contracts (types only: nothing of zod or
 * the core's parsers reaches an app bundle), and Firestore converters that turn every Timestamp into epoch
 * milliseconds, so views compare and format plain numbers.
 */
import type {
  AnalysisDoc,
  InsightDoc,
  JobDoc,
  StageName,
  StageStatus,
  UploadDoc,
  UploadStatus,
} from '@clarity/core';
import type {
  DocumentData,
  FirestoreDataConverter,
  QueryDocumentSnapshot,
  SnapshotOptions,
} from 'firebase/firestore';

/** A Timestamp field after conversion: epoch ms, or null while a server timestamp is pending. */
export type Millis = number | null;

type Converted<T, K extends keyof T> = Omit<T, K> & { [P in K]: Millis } & { id: string };

export type Upload = Converted<UploadDoc, 'createdAt' | 'updatedAt'> & {
  statusTimes: Partial<Record<UploadStatus, Millis>>;
  progress?: { records?: number; bytes?: number };
};
export type StageView = Omit<JobDoc['stages'][StageName], 'startedAt' | 'finishedAt'> & {
  startedAt?: Millis;
  finishedAt?: Millis;
};
export type Job = Converted<Omit<JobDoc, 'stages'>, 'createdAt' | 'updatedAt'> & {
  stages: Record<StageName, StageView>;
};
export type Analysis = Converted<AnalysisDoc, 'createdAt' | 'updatedAt'>;
export type Insight = Converted<InsightDoc, 'createdAt'>;

/** The pipeline's stages in order; ingest is the upload document's own status. */
export const stageNames = ['analyze', 'infer', 'insight', 'deliver'] as const satisfies readonly StageName[];
export const finishedUploadStatuses = [
  'ingested',
  'partial',
  'rejected',
] as const satisfies readonly UploadStatus[];
export const finishedStageStatuses = [
  'done',
  'skipped',
  'degraded',
  'failed',
] as const satisfies readonly StageStatus[];

function isTimestamp(v: unknown): v is { toMillis(): number } {
  return typeof v === 'object' && v !== null && typeof (v as { toMillis?: unknown }).toMillis === 'function';
}

/** Every Firestore Timestamp inside a value (at any depth) as epoch ms. */
export function withMillis(v: unknown): unknown {
  if (isTimestamp(v)) return v.toMillis();
  if (Array.isArray(v)) return v.map(withMillis);
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = withMillis(x);
    return out;
  }
  return v;
}

/** A read-only converter (clients never write these documents; the rules refuse it). */
export function readConverter<T extends { id: string }>(): FirestoreDataConverter<T, DocumentData> {
  return {
    toFirestore(): DocumentData {
      throw new Error('these documents are written by the backend only');
    },
    fromFirestore(snap: QueryDocumentSnapshot, options?: SnapshotOptions): T {
      // 'estimate': a pending server timestamp reads as the local estimate rather than null.
      const data = snap.data({ serverTimestamps: 'estimate', ...options });
      return { ...(withMillis(data) as object), id: snap.id } as T;
    },
  };
}

export const converters = {
  upload: readConverter<Upload>(),
  job: readConverter<Job>(),
  analysis: readConverter<Analysis>(),
  insight: readConverter<Insight>(),
};
