/** A job failed -> the job.failed webhook event (delivery/events.ts). */
import { emitChangeEvent, jobFailedEvent } from '../delivery/events.ts';
import { triggerDocuments } from '../store/paths.ts';
import { documentUpdated } from './factory.ts';

export const onJobEvent = documentUpdated('onJobEvent', triggerDocuments.job, {}, (event, deps) =>
  emitChangeEvent(
    deps.deliver().webhooks,
    { uid: event.params.uid, id: event.params.jobId, before: event.data?.before, after: event.data?.after },
    jobFailedEvent,
  ),
);
