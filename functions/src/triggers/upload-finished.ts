/** An upload document changed -> when it finished with data, an analysis job (pipeline/upload-finished.ts). */
import { jobForFinishedUpload } from '../pipeline/upload-finished.ts';
import { triggerDocuments } from '../store/paths.ts';
import { documentUpdated } from './factory.ts';

export const onUploadFinished = documentUpdated(
  'onUploadFinished',
  triggerDocuments.upload,
  {},
  (event, deps) =>
    jobForFinishedUpload(
      { ...event.params, before: event.data?.before, after: event.data?.after, atMs: Date.parse(event.time) },
      deps.uploadFinished(),
    ),
);
