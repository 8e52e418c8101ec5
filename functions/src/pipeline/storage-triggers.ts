/** Cloud Storage triggers: thin wrappers that parse the event and call the stage handlers. */
import { onObjectFinalized } from 'firebase-functions/v2/storage';
import { region } from '../platform/config.ts';
import { logger } from '../platform/logger.ts';
import { sentrySecrets, withSentry } from '../platform/sentry.ts';
import { blobStore, firestore } from '../platform/services.ts';
import { ingestStorageObject } from './ingest-file.ts';

export const onUploadObjectFinalized = onObjectFinalized(
  { region, retry: true, memory: '1GiB', timeoutSeconds: 540, cpu: 1, secrets: sentrySecrets },
  withSentry('onUploadObjectFinalized', async (event) => {
    await ingestStorageObject(
      {
        name: event.data.name,
        size: Number(event.data.size),
        contentType: event.data.contentType,
        metadata: event.data.metadata,
      },
      {
        db: firestore(),
        blobs: blobStore(),
        log: logger.child({ fn: 'onUploadObjectFinalized', eventId: event.id }),
        now: Date.now,
      },
    );
  }),
);
