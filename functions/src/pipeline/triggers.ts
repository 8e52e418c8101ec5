/** Firestore triggers: thin wrappers that parse the event and call the stage handlers. */
import { onDocumentCreated } from 'firebase-functions/v2/firestore';
import { region } from '../platform/config.ts';
import { logger } from '../platform/logger.ts';
import { sentrySecrets, withSentry } from '../platform/sentry.ts';
import { blobStore, firestore } from '../platform/services.ts';
import { triggerDocuments } from '../store/paths.ts';
import { ingestUpload } from './ingest.ts';

export const onUploadCreated = onDocumentCreated(
  {
    document: triggerDocuments.upload,
    region,
    retry: true,
    memory: '1GiB',
    timeoutSeconds: 540,
    secrets: sentrySecrets,
  },
  withSentry('onUploadCreated', async (event) => {
    await ingestUpload(
      { uid: event.params.uid, uploadId: event.params.uploadId },
      {
        db: firestore(),
        blobs: blobStore(),
        log: logger.child({ fn: 'onUploadCreated', eventId: event.id }),
        now: Date.now,
      },
    );
  }),
);
