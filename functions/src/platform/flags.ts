/**
 * Feature flags for risky paths, through Firebase Remote Config's server-side template (firebase-admin).
 * The typed defaults below are what runs when no template is loaded: in the emulators and tests (no network)
 * and in production until the first load succeeds or when a parameter is missing from the template. Values
 * are evaluated per user (`randomizationId` = uid), so a percent condition in the template rolls a path out
 * to a stable share of users. The template that production should hold is
 * deploy/remote-config/server-template.json; `npm run flags -- check --project P` compares it with the
 * project's published one.
 */
import type { App } from 'firebase-admin/app';
import { getRemoteConfig, type ServerTemplate, type ServerTemplateData } from 'firebase-admin/remote-config';
import { flagsSource, runtime } from './config.ts';
import type { Logger } from './logger.ts';

export const flagDefaults = {
  /** Gemini writes the insight; off: the rule-based generator (labelled as such). */
  llm_generator_enabled: true,
  /** The prompt-template experiment (llm/experiments.ts) picks this user's template or the rules. */
  insight_experiments_enabled: false,
  /** Delivery channels beyond the app's own listener (which is always on). */
  delivery_push_enabled: true,
  delivery_webhook_enabled: true,
  delivery_email_enabled: true,
} as const satisfies Record<string, boolean>;

export type FlagName = keyof typeof flagDefaults;
export type Flags = Record<FlagName, boolean>;
/** Flags for one user. */
export type FlagSource = (uid: string) => Promise<Flags>;

export const flagNames = Object.keys(flagDefaults) as FlagName[];

const defaultConfig = Object.fromEntries(flagNames.map((k) => [k, flagDefaults[k]]));

export function evaluateFlags(template: ServerTemplate, uid: string): Flags {
  const config = template.evaluate({ randomizationId: uid });
  return Object.fromEntries(flagNames.map((k) => [k, config.getBoolean(k)])) as Flags;
}

/** Flags from a template already in hand (tests, and what `remoteFlags` evaluates after a load). */
export function templateFlags(template: ServerTemplateData | string, app?: App): FlagSource {
  const t = getRemoteConfig(app).initServerTemplate({ defaultConfig, template });
  return (uid) => Promise.resolve(evaluateFlags(t, uid));
}

/** The in-code defaults only: the emulators and tests. */
export const defaultFlags: FlagSource = () => Promise.resolve({ ...flagDefaults });

/**
 * Production: loads the project's server template, then reloads it at most every `refreshMs`. A failed load
 * keeps the last template (or the defaults) and is logged; it never fails the caller.
 */
export function remoteFlags(opts: {
  log: Logger;
  now?: () => number;
  refreshMs?: number;
  app?: App;
}): FlagSource {
  const now = opts.now ?? Date.now;
  const refreshMs = opts.refreshMs ?? 5 * 60_000;
  const template = getRemoteConfig(opts.app).initServerTemplate({ defaultConfig });
  let loadedAt = -Infinity;
  let loading: Promise<void> | null = null;
  const refresh = async (): Promise<void> => {
    try {
      await template.load();
    } catch (e) {
      opts.log.warn('flags.load_failed', { error: (e as Error).message.slice(0, 200) });
    } finally {
      loadedAt = now();
      loading = null;
    }
  };
  return async (uid) => {
    if (now() - loadedAt >= refreshMs) {
      loading ??= refresh();
      await loading;
    }
    try {
      return evaluateFlags(template, uid);
    } catch {
      return { ...flagDefaults };
    }
  };
}

let shared: FlagSource | undefined;
/**
 * The process's flag source: the defaults against the emulators (FUNCTIONS_EMULATOR, or a Firestore emulator
 * host for the replay CLI: no Remote Config emulator exists) or with FLAGS_SOURCE=defaults; else remote.
 */
export function flagSource(log: Logger, app?: App): FlagSource {
  shared ??=
    runtime.isEmulator || runtime.usesFirestoreEmulator || flagsSource.value() === 'defaults'
      ? defaultFlags
      : remoteFlags({ log, ...(app ? { app } : {}) });
  return shared;
}
