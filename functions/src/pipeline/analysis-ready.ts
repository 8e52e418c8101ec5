/** An analysis document became `ready` -> its insight (a rewrite of a ready analysis starts nothing). */
import type { DocumentSnapshot } from 'firebase-admin/firestore';
import type { StageOutcome } from './analyze.ts';
import { insightForAnalysis, type InsightDeps } from './insight.ts';

export interface AnalysisChange {
  uid: string;
  analysisId: string;
  before: DocumentSnapshot | undefined;
  after: DocumentSnapshot | undefined;
}

export function becameReady(
  before: DocumentSnapshot | undefined,
  after: DocumentSnapshot | undefined,
): boolean {
  return after?.get('status') === 'ready' && before?.get('status') !== 'ready';
}

export async function insightWhenReady(
  input: AnalysisChange,
  deps: InsightDeps,
): Promise<StageOutcome | undefined> {
  if (!becameReady(input.before, input.after)) return undefined;
  return insightForAnalysis({ uid: input.uid, analysisId: input.analysisId }, deps);
}
