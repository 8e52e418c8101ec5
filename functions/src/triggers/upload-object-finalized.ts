/** A file the app uploaded to Storage (uploads/{uid}/{uploadId}/{filename}) -> ingest it (pipeline/ingest-file.ts). */
import { ingestStorageObject } from '../pipeline/ingest-file.ts';
import { objectFinalized } from './factory.ts';

export const onUploadObjectFinalized = objectFinalized(
  'onUploadObjectFinalized',
  { memory: '1GiB', timeoutSeconds: 540, cpu: 1 },
  (event, deps) =>
    ingestStorageObject(
      {
        name: event.data.name,
        size: Number(event.data.size),
        contentType: event.data.contentType,
        metadata: event.data.metadata,
      },
      deps.fileIngest(),
    ),
);
