/**
 * `npm run demo`: the whole loop on the embedded default, no cloud account.
 *
 * 1. builds the functions bundle and prepares the Emulator Suite (auth, functions, firestore, tasks, pubsub);
 * 2. starts inference-run on loopback with an untrained PAT-S stand-in model (made once into .cache/);
 * 3. runs scripts/demo-client.ts inside `firebase emulators:exec`: it points the functions at that model
 *    (functions/.env.local, the emulator's documented local override, removed again afterwards), signs in a
 *    demo user, uploads a week of real actigraphy as the .AWD file itself through the Storage path (stored as
 *    activity_counts) and a HealthKit batch of heart rate and HRV through the API, follows the jobs live
 *    with a Firestore listener and prints the insight (rule-based generator: no Vertex project);
 * 4. shows the delivery (scripts/demo-delivery.ts): before the HealthKit upload it starts a webhook receiver
 *    (verifying with `standardwebhooks`), an SMTP server and a push sink on loopback with ephemeral ports,
 *    registers them for the demo user (email on, two devices, one endpoint), and afterwards prints each
 *    channel's outcome from the job document and the verified webhook events.
 *
 * The web app (web/, built for the emulators) is served by the Hosting emulator; the demo prints its URL and
 * the demo user's sign-in, and `--screenshot docs/dashboard.png` saves the dashboard after the upload
 * (Chromium, as in the browser tests).
 *
 * The terminal shows the demo's own lines (stages, outcome, insight, the web app's URL); everything the
 * emulators and the functions log goes to .cache/demo/emulators.log, named at the end.
 *
 * `npm run demo -- --keep` leaves the emulators (and the web app) running afterwards (Ctrl-C to stop);
 * `npm run demo -- --no-model` skips inference-run (the infer stage then records "skipped: no model").
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startInferenceRun } from '../functions/test/support/inference-run.ts';
import { SetupError } from './emulator-binaries.ts';
import { emulatorList, firebase, prepareEmulators, relaunchUnderLock } from './emulators.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..');
const keep = process.argv.includes('--keep');
const withModel = !process.argv.includes('--no-model');
const inferencePort = 8939;
const modelsDir = path.join(repoRoot, '.cache', 'demo-models');
const envLocal = path.join(repoRoot, 'functions', '.env.local');
const envLocalMarker = '# written by npm run demo';
const logFile = path.join(repoRoot, '.cache', 'demo', 'emulators.log');
const inferenceLogFile = path.join(repoRoot, '.cache', 'demo', 'inference-run.log');
/** demo-client.ts starts each line it means for the terminal with this (set in its environment). */
const mark = 'demo>> ';

/** Removes functions/.env.local only when the demo wrote it (a crashed run must not leave it behind). */
function removeEnvLocal(): void {
  if (existsSync(envLocal) && readFileSync(envLocal, 'utf8').startsWith(envLocalMarker)) rmSync(envLocal);
}

async function startInference(): Promise<ChildProcess> {
  mkdirSync(path.dirname(inferenceLogFile), { recursive: true });
  const inferenceLog = openSync(inferenceLogFile, 'w');
  if (!existsSync(path.join(modelsDir, 'pat-s', 'manifest.json'))) {
    console.log('demo: making an untrained PAT-S stand-in model (once) into .cache/demo-models');
    const r = spawnSync(
      process.execPath,
      [
        path.join(repoRoot, 'inference-run/tools/standin.ts'),
        '--size',
        's',
        '--out',
        path.join(modelsDir, 'pat-s'),
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    if (r.status !== 0) throw new DemoError('making the stand-in model failed');
  }
  try {
    const child = await startInferenceRun({
      modelsDir,
      port: inferencePort,
      stdio: ['ignore', inferenceLog, inferenceLog],
    });
    console.log(`demo: inference-run ready on http://127.0.0.1:${inferencePort} (pat-s stand-in, untrained)`);
    return child;
  } catch (e) {
    throw new DemoError(`${(e as Error).message}; its log: ${path.relative(repoRoot, inferenceLogFile)}`);
  }
}

/** A failure the demo explains in one line (no stack trace). */
class DemoError extends Error {}

// The whole demo (build, functions/.env.local, emulators) runs under the emulator lock, so a test session
// started meanwhile neither sees its .env.local nor has its functions bundle rebuilt under it.
const relaunched = relaunchUnderLock(fileURLToPath(import.meta.url), process.argv.slice(2));
if (relaunched) process.exit(await relaunched);

let env: NodeJS.ProcessEnv;
try {
  env = await prepareEmulators();
} catch (e) {
  if (e instanceof SetupError) {
    console.error(`demo: ${e.message}`);
    process.exit(2);
  }
  throw e;
}
removeEnvLocal();
let inference: ChildProcess | undefined;
try {
  inference = withModel ? await startInference() : undefined;
} catch (e) {
  if (!(e instanceof DemoError)) throw e;
  console.error(`demo: ${e.message}`);
  process.exit(1);
}
const client = path.join(here, 'demo-client.ts');
const shotAt = process.argv.indexOf('--screenshot');
const clientArgs = [
  ...(keep ? ['--keep'] : []),
  ...(shotAt >= 0 && process.argv[shotAt + 1]
    ? ['--screenshot', path.resolve(process.argv[shotAt + 1] as string)]
    : []),
  ...(inference ? ['--inference-url', `http://127.0.0.1:${inferencePort}`] : []),
];
const clientCmd = [process.execPath, client, ...clientArgs].map((a) => JSON.stringify(a)).join(' ');
mkdirSync(path.dirname(logFile), { recursive: true });
console.log(`demo: starting the emulators (their log: ${path.relative(repoRoot, logFile)})`);
let code: number;
let clientSpoke = false;
try {
  code = await firebase(
    ['emulators:exec', '--only', emulatorList, '--log-verbosity', 'QUIET', clientCmd],
    { ...env, CLARITY_DEMO_MARK: mark },
    undefined,
    {
      logFile,
      show: (line) => {
        if (!line.startsWith(mark)) return undefined;
        clientSpoke = true;
        return line.slice(mark.length);
      },
    },
  );
} finally {
  removeEnvLocal();
  inference?.kill();
}
if (code !== 0)
  console.error(
    clientSpoke
      ? `demo: failed (exit ${code}); see ${path.relative(repoRoot, logFile)}`
      : `demo: the emulators did not start (exit ${code}); see ${path.relative(repoRoot, logFile)}`,
  );
console.log(`demo: emulator and function logs: ${path.relative(repoRoot, logFile)}`);
process.exitCode = code;
