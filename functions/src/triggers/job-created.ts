/** An analysis job created -> the analyze stage, which enqueues the infer task (pipeline/analyze.ts). */
import { analyzeJob } from '../pipeline/analyze.ts';
import { triggerDocuments } from '../store/paths.ts';
import { documentCreated } from './factory.ts';

export const onJobCreated = documentCreated(
  'onJobCreated',
  triggerDocuments.job,
  { memory: '1GiB', timeoutSeconds: 300 },
  (event, deps) => analyzeJob(event.params, deps.analyze()),
);
