/** Kept for callers written before pipeline/deps.ts, which builds every handler's dependencies. */
import type { Firestore } from 'firebase-admin/firestore';
import type { Logger } from '../platform/logger.ts';
import { settingsFromConfig, triggerDeps } from './deps.ts';
import type { InferDeps } from './infer.ts';
import type { InsightDeps } from './insight.ts';

export const insightDeps = (_db: Firestore, log: Logger): InsightDeps => triggerDeps(log).insight();
export const inferDeps = (_db: Firestore, log: Logger): InferDeps => triggerDeps(log).infer();
export const inferenceConfigured = (): boolean => settingsFromConfig().inferenceUrl !== '';
