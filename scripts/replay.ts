/**
 * `npm run replay -- DEAD_LETTER_ID [--project ID]`: replays one deadLetters/{id} entry by running its stage
 * handler again (the same code the triggers run); the normal triggers then carry the job on.
 *
 * Targets the local emulators by default (project demo-clarity, Firestore at FIRESTORE_EMULATOR_HOST or
 * firebase.json's 127.0.0.1:8080; start them with `npm run emulators`), and refuses in one line when none
 * answers. A real project only when named: `--project ID` with an id not starting with `demo-` uses that
 * project's Firestore with Application Default Credentials. Stage dependencies are the triggers' own
 * (functions/src/pipeline/deps.ts), from the same names as the functions' params and with their defaults:
 * INFERENCE_URL, INFERENCE_MODEL, INFERENCE_TIMEOUT_MS, INFERENCE_HEADS, VERTEX_PROJECT, VERTEX_LOCATION, GEMINI_MODEL,
 * VERTEX_BASE_URL, LLM_TIMEOUT_MS, LLM_DAILY_TOKENS_PER_USER (unset = no model / the rule-based generator).
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface ReplayModule {
  runReplay: (
    id: string,
    o: { projectId: string },
  ) => Promise<{ kind: 'done'; status: string } | { kind: 'skipped'; reason: string }>;
}

const args = process.argv.slice(2);
const projectFlag = args.indexOf('--project');
const id = args.find((a, i) => !a.startsWith('--') && !(projectFlag >= 0 && i === projectFlag + 1));
if (!id) {
  console.error('usage: npm run replay -- DEAD_LETTER_ID [--project PROJECT_ID]');
  process.exit(2);
}
const env = (name: string, fallback = ''): string => process.env[name] || fallback;
const projectId =
  (projectFlag >= 0 ? args[projectFlag + 1] : undefined) ?? env('GCLOUD_PROJECT', 'demo-clarity');
if (projectId.startsWith('demo-')) {
  // demo-* ids never reach Google; without an emulator host the Admin SDK would look for real credentials.
  const host = env('FIRESTORE_EMULATOR_HOST', '127.0.0.1:8080');
  process.env.FIRESTORE_EMULATOR_HOST = host;
  try {
    await fetch(`http://${host}/`, { signal: AbortSignal.timeout(3000) });
  } catch {
    console.error(
      `replay: no Firestore emulator answers at ${host}: start the emulators (npm run emulators) first, ` +
        'or name a real project with --project ID',
    );
    process.exit(2);
  }
}
// Loaded by URL: the functions codebase is its own TypeScript project.
const moduleUrl = pathToFileURL(
  path.join(
    path.dirname(fileURLToPath(import.meta.url)),
    '..',
    'functions',
    'src',
    'pipeline',
    'replay-cli.ts',
  ),
).href;
const { runReplay } = (await import(moduleUrl)) as ReplayModule;
try {
  // The stage settings (INFERENCE_URL, ...) are read by the functions' own config, defaults included.
  const outcome = await runReplay(id, { projectId });
  console.log(`replay ${id}: ${outcome.kind === 'done' ? outcome.status : `skipped (${outcome.reason})`}`);
  process.exit(outcome.kind === 'done' && outcome.status !== 'failed' ? 0 : 1);
} catch (e) {
  console.error(`replay ${id}: ${e instanceof Error ? e.message : 'failed'}`);
  process.exit(1);
}
