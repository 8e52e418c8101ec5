/** The functions codebase: one file per function in triggers/, each naming its event and its handler. */
export { api } from './triggers/api.ts';
export { onUploadCreated } from './triggers/upload-created.ts';
export { onUploadObjectFinalized } from './triggers/upload-object-finalized.ts';
export { ingestContinuation } from './triggers/ingest-continuation.ts';
export { onUploadFinished } from './triggers/upload-finished.ts';
export { onJobCreated } from './triggers/job-created.ts';
export { inferTask } from './triggers/infer-task.ts';
export { onAnalysisReady } from './triggers/analysis-ready.ts';
export { onInsightCreated } from './triggers/insight-created.ts';
export { scheduledAnalysis } from './triggers/scheduled-analysis.ts';
export { scheduleUserTask } from './triggers/schedule-user.ts';
export { onAuthUserDeleted } from './triggers/auth-user-deleted.ts';
export { onUploadEvent } from './triggers/upload-events.ts';
export { onJobEvent } from './triggers/job-events.ts';
export { mailDelivery, pushDelivery, webhookAttempt } from './delivery/triggers.ts';
