/**
 * The Emulator Suite harness.
 *   node scripts/emulators.ts exec [--project ID] -- <command...>   run a command against fresh emulators,
 *                                                                   then stop them
 *   node scripts/emulators.ts start [--project ID]                  keep them running (Ctrl-C to stop)
 * Both build the functions bundle and the web app (served by the Hosting emulator) first and find Java and the Firestore/Pub/Sub emulators
 * (scripts/emulator-binaries.ts); anything missing is one clear sentence and exit status 2.
 *
 * The project id picks the functions' params: the Functions emulator loads functions/.env.<projectId>
 * (and .secret.local for secrets), fixed for the whole session. `demo-clarity` (the default) configures no
 * model and no Vertex project; `demo-clarity-live` points the pipeline at inference-run and the Vertex
 * stand-in on fixed loopback ports (functions/test/live). Only `demo-*` ids: they need no credentials and
 * never reach a real project. All sessions use the same ports (firebase.json), so they take turns on one lock.
 */
import { spawn, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFunctions } from './build-functions.ts';
import { buildWeb } from './build-web.ts';
import { SetupError, requireJava, resolveEmulatorBinaries } from './emulator-binaries.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const emulatorList = 'auth,functions,firestore,tasks,pubsub,hosting';
export const projectId = 'demo-clarity';
/** Projects with a params file here; `--project` must name one (a typo would silently prompt or default). */
export const knownProjects = ['demo-clarity', 'demo-clarity-live'] as const;
const firebaseBin = path.join(repoRoot, 'node_modules', 'firebase-tools', 'lib', 'bin', 'firebase.js');

export async function prepareEmulators(): Promise<NodeJS.ProcessEnv> {
  requireJava();
  const binaries = resolveEmulatorBinaries(repoRoot);
  for (const line of binaries.report) console.error(`emulators: ${line}`);
  await buildFunctions();
  // The Hosting emulator serves the web app (web/dist, built for the emulators) on firebase.json's port.
  await buildWeb('emulators');
  return {
    ...process.env,
    ...binaries.env,
    // The Emulator UI and other downloads cannot be fetched offline; keep firebase-tools quiet about them.
    FIREBASE_CLI_DISABLE_UPDATE_CHECK: 'true',
    // Nothing runs on GCE here: stop google-auth-library probing the metadata server from tests.
    METADATA_SERVER_DETECTION: 'none',
    FIREBASE_CLI_EXPERIMENTS: process.env.FIREBASE_CLI_EXPERIMENTS ?? '',
  };
}

const lockFile = path.join(tmpdir(), 'clarity-emulators.lock');
function hasFlock(): boolean {
  return spawnSync('sh', ['-c', 'command -v flock'], { stdio: 'ignore' }).status === 0;
}

/** Set in the environment of a process that already holds the lock (see main). */
const lockedEnv = 'CLARITY_EMULATORS_LOCKED';

export function firebase(
  args: string[],
  env: NodeJS.ProcessEnv,
  project: string = projectId,
): Promise<number> {
  return new Promise((resolve) => {
    // The emulators listen on fixed ports (firebase.json): runs from parallel shells take turns.
    const lock = hasFlock() && process.env[lockedEnv] !== '1';
    const cmd = lock ? 'flock' : process.execPath;
    const cmdArgs = [firebaseBin, ...args, '--project', project];
    const child = spawn(cmd, lock ? [lockFile, process.execPath, ...cmdArgs] : cmdArgs, {
      cwd: repoRoot,
      env,
      stdio: [args[0] === 'emulators:start' ? 'inherit' : 'ignore', 'inherit', 'inherit'],
    });
    const forward = (sig: NodeJS.Signals): void => void child.kill(sig);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/**
 * Runs `script argv` again under the emulator lock, unless this process already holds it (then undefined).
 * Take the lock before building: a running session's Functions emulator watches functions/lib and would
 * reload (new trigger keys, interrupted functions) if another run rebuilt the bundle under it.
 */
export function relaunchUnderLock(script: string, argv: string[]): Promise<number> | undefined {
  if (!hasFlock() || process.env[lockedEnv] === '1') return undefined;
  return new Promise((resolve) => {
    const child = spawn('flock', [lockFile, process.execPath, script, ...argv], {
      cwd: repoRoot,
      env: { ...process.env, [lockedEnv]: '1' },
      stdio: 'inherit',
    });
    const forward = (sig: NodeJS.Signals): void => void child.kill(sig);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

function shellQuote(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

const usage = 'usage: node scripts/emulators.ts exec [--project ID] -- <command...> | start [--project ID]';

/** Splits `[--project ID] [-- command...]` (the project option only before the command). */
export function parseArgs(argv: string[]): { project: string; command: string[] } | { error: string } {
  let project: string = projectId;
  let i = 0;
  for (; i < argv.length && argv[i] !== '--'; i++) {
    const a = argv[i] as string;
    const inline = /^--project=(.+)$/.exec(a);
    if (inline) project = inline[1] as string;
    else if (a === '--project' && i + 1 < argv.length) project = argv[++i] as string;
    else break;
  }
  if (!(knownProjects as readonly string[]).includes(project)) {
    return { error: `unknown project "${project}" (one of: ${knownProjects.join(', ')})` };
  }
  const command = argv[i] === '--' ? argv.slice(i + 1) : argv.slice(i);
  return { project, command };
}

async function main(argv: string[]): Promise<number> {
  const [mode, ...rest] = argv;
  const parsed = parseArgs(rest);
  if ('error' in parsed) {
    console.error(`emulators: ${parsed.error}`);
    console.error(usage);
    return 2;
  }
  const { project, command: cmd } = parsed;
  if (mode !== 'exec' && mode !== 'start') {
    console.error(usage);
    return 2;
  }
  const relaunched = relaunchUnderLock(fileURLToPath(import.meta.url), argv);
  if (relaunched) return relaunched;
  let env: NodeJS.ProcessEnv;
  try {
    env = await prepareEmulators();
  } catch (e) {
    if (e instanceof SetupError) {
      console.error(`emulators: ${e.message}`);
      return 2;
    }
    throw e;
  }
  if (mode === 'exec') {
    if (cmd.length === 0) {
      console.error(usage);
      return 2;
    }
    return firebase(['emulators:exec', '--only', emulatorList, cmd.map(shellQuote).join(' ')], env, project);
  }
  return firebase(['emulators:start', '--only', emulatorList], env, project);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
