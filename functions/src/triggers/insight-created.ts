/** An insight created -> the deliver stage completes the job (pipeline/deliver.ts). */
import { deliverInsight } from '../pipeline/deliver.ts';
import { triggerDocuments } from '../store/paths.ts';
import { documentCreated } from './factory.ts';

export const onInsightCreated = documentCreated(
  'onInsightCreated',
  triggerDocuments.insight,
  {},
  (event, deps) => deliverInsight(event.params, deps.deliver()),
);
