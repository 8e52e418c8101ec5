/** The dead letter written when an attempt bound ends work (stage claims, upload claims), in a transaction. */
import { FieldValue, type Firestore, type Transaction, type WriteBatch } from 'firebase-admin/firestore';
import { paths } from './paths.ts';

export function setExhaustedDeadLetter(
  db: Firestore,
  tx: Transaction,
  id: string,
  fields: {
    stage: string;
    uid: string;
    jobId: string;
    uploadId?: string;
    correlationId: string;
    attempts: number;
    message: string;
  },
): void {
  const { message, ...rest } = fields;
  tx.set(
    db.doc(paths.deadLetter(id)),
    {
      ...rest,
      cause: { code: 'attempts_exhausted', message },
      replay: `npm run replay -- ${id}`,
      status: 'open',
      createdAt: FieldValue.serverTimestamp(),
      updatedAt: FieldValue.serverTimestamp(),
    },
    { merge: true },
  );
}

/** The dead letter of a webhook message that exhausted its schedule to one endpoint. */
export function webhookDeadLetterId(uid: string, endpointId: string, messageId: string): string {
  return `webhook_${uid}_${endpointId}_${messageId}`.slice(0, 1400);
}

/**
 * Opens (or re-opens, after a replay that failed again) the dead letter of a webhook message, in the batch
 * that records its last attempt. `npm run replay -- ID` re-sends it with the same webhook-id.
 */
export function setWebhookDeadLetter(
  db: Firestore,
  batch: WriteBatch,
  fields: {
    uid: string;
    endpointId: string;
    messageId: string;
    jobId: string | null;
    attempts: number;
    lastError: string | null;
    lastStatusCode: number | null;
  },
): string {
  const id = webhookDeadLetterId(fields.uid, fields.endpointId, fields.messageId);
  const why =
    fields.lastError ?? (fields.lastStatusCode === null ? 'no answer' : `HTTP ${fields.lastStatusCode}`);
  batch.set(
    db.doc(paths.deadLetter(id)),
    {
      stage: 'webhook',
      uid: fields.uid,
      jobId: fields.jobId ?? fields.messageId,
      endpointId: fields.endpointId,
      messageId: fields.messageId,
      // A webhook message is its own trail: its id is the webhook-id the endpoint saw on every attempt.
      correlationId: fields.messageId,
      cause: { code: 'attempts_exhausted', message: `delivery schedule exhausted: ${why}`.slice(0, 300) },
      attempts: fields.attempts,
      replay: `npm run replay -- ${id}`,
      status: 'open',
      createdAt: FieldValue.serverTimestamp(),
      updatedAt: FieldValue.serverTimestamp(),
    },
    { merge: true },
  );
  return id;
}
