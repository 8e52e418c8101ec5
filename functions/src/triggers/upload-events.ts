/** An upload reached ingested/partial or rejected -> its webhook event (delivery/events.ts). */
import { emitChangeEvent, uploadEvent } from '../delivery/events.ts';
import { triggerDocuments } from '../store/paths.ts';
import { documentUpdated } from './factory.ts';

export const onUploadEvent = documentUpdated('onUploadEvent', triggerDocuments.upload, {}, (event, deps) =>
  emitChangeEvent(
    deps.deliver().webhooks,
    {
      uid: event.params.uid,
      id: event.params.uploadId,
      before: event.data?.before,
      after: event.data?.after,
    },
    uploadEvent,
  ),
);
