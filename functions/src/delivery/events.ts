/**
 * Webhook events from document changes: `upload.ingested` (ingested or partial) and `upload.rejected` when
 * an upload reaches that status, `job.failed` when a job does (insight.created and job.completed come from
 * the deliver stage). Each is emitted once per subject (the message id derives from it), with ids, counts
 * and error codes only: never samples, rejection texts (they can quote a value) or messages.
 */
import type { DocumentSnapshot } from 'firebase-admin/firestore';
import { readSnapshot, uploadConverter } from '../store/converters.ts';
import { emitEvent, type WebhookDeps, type WebhookEventType } from './webhooks.ts';

export interface DocChange {
  uid: string;
  id: string;
  before: DocumentSnapshot | undefined;
  after: DocumentSnapshot | undefined;
}

interface Event {
  type: WebhookEventType;
  data: Record<string, unknown>;
  jobId: string | null;
}

/** The upload event of a status change, or null. */
export function uploadEvent(change: DocChange): Event | null {
  const before = readSnapshot(uploadConverter, change.before);
  const after = readSnapshot(uploadConverter, change.after);
  if (!after || before?.status === after.status) return null;
  const ingested = after.status === 'ingested' || after.status === 'partial';
  const wasIngested = before?.status === 'ingested' || before?.status === 'partial';
  if (!(ingested && !wasIngested) && after.status !== 'rejected') return null;
  return {
    type: ingested ? 'upload.ingested' : 'upload.rejected',
    jobId: null,
    data: {
      uploadId: change.id,
      status: after.status,
      source: after.source,
      format: after.format,
      counts: after.counts,
      errorCode: after.error?.code ?? null,
    },
  };
}

/** The job.failed event of a job that just failed, or null. */
export function jobFailedEvent(change: DocChange): Event | null {
  const before = change.before?.data();
  const after = change.after?.data();
  if (!after || after.status !== 'failed' || before?.status === 'failed') return null;
  const error = (after.error ?? null) as { stage?: string; code?: string } | null;
  return {
    type: 'job.failed',
    jobId: change.id,
    data: {
      jobId: change.id,
      uploadId: (after.uploadId as string | null | undefined) ?? null,
      window: after.window ?? null,
      stage: error?.stage ?? null,
      errorCode: error?.code ?? null,
    },
  };
}

/** Emits the change's event to the user's endpoints (idempotent: once per subject and type). */
export async function emitChangeEvent(
  deps: WebhookDeps | undefined,
  change: DocChange,
  toEvent: (c: DocChange) => Event | null,
): Promise<string | null> {
  const event = toEvent(change);
  if (!event || !deps) return null;
  const { messageId } = await emitEvent(deps, {
    uid: change.uid,
    type: event.type,
    subjectId: change.id,
    data: event.data,
    jobId: event.jobId,
  });
  return messageId;
}
