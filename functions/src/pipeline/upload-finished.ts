/**
 * An upload finished (ingested or partial, with samples stored) -> an analysis job. Uploads finishing within
 * one debounce window share a job, unless its analysis has already started; a redelivered event finds its
 * upload already covered by that job (or by its own job) and adds none.
 */
import type { DocumentSnapshot, Firestore } from 'firebase-admin/firestore';
import type { Logger } from '../platform/logger.ts';
import { readSnapshot, uploadConverter } from '../store/converters.ts';
import { attachUpload, createAnalysisJob, jobIdFor, uploadJobId, type CreateJobInput } from './jobs.ts';

/** The job operations the upload and schedule handlers need (Firestore in the runtime, fakes in tests). */
export interface JobStore {
  create(input: CreateJobInput): Promise<{ jobId: string; created: boolean }>;
  attach(uid: string, jobId: string, uploadId: string): Promise<'own' | 'joined' | 'started'>;
}

export function firestoreJobStore(db: Firestore): JobStore {
  return {
    create: (input) => createAnalysisJob(db, input),
    attach: (uid, jobId, uploadId) => attachUpload(db, uid, jobId, uploadId),
  };
}

export interface UploadFinishedDeps {
  jobs: JobStore;
  log: Logger;
  debounceMinutes: number;
}

export interface UploadChange {
  uid: string;
  uploadId: string;
  before: DocumentSnapshot | undefined;
  after: DocumentSnapshot | undefined;
  /** When the change happened (the event time): picks the debounce window. */
  atMs: number;
}

const finished = (s: string | undefined): boolean => s === 'ingested' || s === 'partial';

/** Returns the job the upload went to, or undefined when the change is not an upload finishing with data. */
export async function jobForFinishedUpload(
  input: UploadChange,
  deps: UploadFinishedDeps,
): Promise<{ jobId: string; created: boolean } | undefined> {
  const before = readSnapshot(uploadConverter, input.before);
  const after = readSnapshot(uploadConverter, input.after);
  if (!after || finished(before?.status) || !finished(after.status)) return undefined;
  if ((after.counts?.accepted ?? 0) === 0) return undefined;
  const { uid, uploadId } = input;
  const base = {
    uid,
    window: null,
    requestedBy: uid,
    correlationId: after.correlationId,
    reason: 'upload' as const,
    timezone: after.timezone ?? 'UTC',
    uploadId,
  };
  let { jobId, created } = await deps.jobs.create({
    ...base,
    jobId: uploadJobId(uid, input.atMs, deps.debounceMinutes),
  });
  if (!created && (await deps.jobs.attach(uid, jobId, uploadId)) === 'started') {
    ({ jobId, created } = await deps.jobs.create({ ...base, jobId: jobIdFor(uid, 'upload', uploadId) }));
  }
  deps.log.info('job.from_upload', { uploadId, jobId, created, correlationId: after.correlationId });
  return { jobId, created };
}
