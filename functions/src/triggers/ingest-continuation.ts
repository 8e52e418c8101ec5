/** A long Apple export import continues where its checkpoint left it (pipeline/ingest-apple-export.ts). */
import { continueIngest, type IngestContinuation } from '../pipeline/ingest-file.ts';
import { ingestContinuationRetry } from '../pipeline/ingest-continuation.ts';
import { taskDispatched } from './factory.ts';

export const ingestContinuation = taskDispatched<IngestContinuation>(
  'ingestContinuation',
  { retryConfig: ingestContinuationRetry, timeoutSeconds: 540, memory: '1GiB', cpu: 1 },
  (req, deps) => continueIngest(req.data, deps.fileIngest()),
);
