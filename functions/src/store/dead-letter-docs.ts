/** The dead letter written when an attempt bound ends work (stage claims, upload claims), in a transaction. */
import { FieldValue, type Firestore, type Transaction } from 'firebase-admin/firestore';
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
