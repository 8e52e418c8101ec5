/** The functions codebase: this file only wires triggers to handlers. */
export { api } from './api/function.ts';
export { onUploadCreated } from './pipeline/triggers.ts';
export { onUploadObjectFinalized } from './pipeline/storage-triggers.ts';
export {
  onUploadFinished,
  onJobCreated,
  inferTask,
  onAnalysisReady,
  onInsightCreated,
  scheduledAnalysis,
} from './pipeline/stage-triggers.ts';
export { onAuthUserDeleted } from './pipeline/account-trigger.ts';
export { webhookAttempt } from './delivery/triggers.ts';
