/** A JSON upload stored by the API (`received`) -> ingest it (pipeline/ingest.ts). */
import { ingestUpload } from '../pipeline/ingest.ts';
import { triggerDocuments } from '../store/paths.ts';
import { documentCreated } from './factory.ts';

export const onUploadCreated = documentCreated(
  'onUploadCreated',
  triggerDocuments.upload,
  { memory: '1GiB', timeoutSeconds: 540 },
  (event, deps) => ingestUpload(event.params, deps.ingest()),
);
