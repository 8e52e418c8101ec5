/** An analysis document written -> when it became ready, its insight (pipeline/analysis-ready.ts). */
import { insightWhenReady } from '../pipeline/analysis-ready.ts';
import { triggerDocuments } from '../store/paths.ts';
import { documentWritten } from './factory.ts';

export const onAnalysisReady = documentWritten(
  'onAnalysisReady',
  triggerDocuments.analysis,
  { timeoutSeconds: 120 },
  (event, deps) =>
    insightWhenReady(
      { ...event.params, before: event.data?.before, after: event.data?.after },
      deps.insight(),
    ),
);
