/**
 * The body of `npm run replay` (scripts/replay.ts reads the command line and calls this): the stage
 * dependencies are the triggers' own (pipeline/deps.ts), from the same settings, with the options given
 * here as overrides, and replays one dead letter.
 */
import { getApps, initializeApp } from 'firebase-admin/app';
import { getFirestore } from 'firebase-admin/firestore';
import { flagSource } from '../platform/flags.ts';
import { createLogger } from '../platform/logger.ts';
import type { StageOutcome } from './analyze.ts';
import { settingsFromConfig, stageDeps, type StageSettings } from './deps.ts';
import { replayDeadLetter } from './replay.ts';
import { webhookDeps } from '../delivery/webhook-deps.ts';

/** The project, and settings that override the environment's (tests, or a one-off replay). */
export interface ReplayOptions extends Partial<StageSettings> {
  projectId: string;
}

export async function runReplay(id: string, o: ReplayOptions): Promise<StageOutcome> {
  const app = getApps()[0] ?? initializeApp({ projectId: o.projectId });
  const db = getFirestore(app);
  db.settings({ ignoreUndefinedProperties: true });
  const log = createLogger({ service: 'clarity-replay' });
  const { projectId: _projectId, ...overrides } = o;
  const settings: StageSettings = { ...settingsFromConfig(), ...overrides };
  const deps = stageDeps(
    {
      db,
      blobs: () => {
        throw new Error('replayed stages (analyze, infer, insight) use Firestore only');
      },
      log,
      now: Date.now,
      flags: flagSource(log, app),
    },
    settings,
  );
  return replayDeadLetter(id, {
    db,
    log,
    analyze: deps.analyze,
    infer: () => {
      if (!settings.inferenceUrl)
        throw new Error('INFERENCE_URL is not set: no model to replay the infer stage against');
      return deps.infer();
    },
    insight: deps.insight,
    webhooks: () => webhookDeps(db, log),
  });
}
