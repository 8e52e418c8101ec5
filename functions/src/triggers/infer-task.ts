/** The infer stage, dispatched by Cloud Tasks once per job (pipeline/infer.ts, pipeline/infer-queue.ts). */
import { inferJob } from '../pipeline/infer.ts';
import { inferInput, inferMaxAttempts, type InferTask } from '../pipeline/infer-queue.ts';
import { taskDispatched } from './factory.ts';

export const inferTask = taskDispatched<InferTask>(
  'inferTask',
  {
    retryConfig: {
      maxAttempts: inferMaxAttempts,
      minBackoffSeconds: 2,
      maxBackoffSeconds: 60,
      maxDoublings: 4,
    },
    rateLimits: { maxConcurrentDispatches: 8, maxDispatchesPerSecond: 20 },
    timeoutSeconds: 120,
    memory: '1GiB',
  },
  (req, deps) => inferJob(inferInput(req.data, req.retryCount), deps.infer()),
);
