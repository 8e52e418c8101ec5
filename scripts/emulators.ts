/**
 * The Emulator Suite harness.
 *   node scripts/emulators.ts exec -- <command...>   run a command against fresh emulators, then stop them
 *   node scripts/emulators.ts start                   keep the emulators running (Ctrl-C to stop)
 * Both build the functions bundle first and find Java and the Firestore/Pub/Sub emulators
 * (scripts/emulator-binaries.ts); anything missing is one clear sentence and exit status 2.
 */
import { spawn, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFunctions } from './build-functions.ts';
import { SetupError, requireJava, resolveEmulatorBinaries } from './emulator-binaries.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const emulatorList = 'auth,functions,firestore,tasks,pubsub';
export const projectId = 'demo-clarity';
const firebaseBin = path.join(repoRoot, 'node_modules', 'firebase-tools', 'lib', 'bin', 'firebase.js');

export async function prepareEmulators(): Promise<NodeJS.ProcessEnv> {
  requireJava();
  const binaries = resolveEmulatorBinaries(repoRoot);
  for (const line of binaries.report) console.error(`emulators: ${line}`);
  await buildFunctions();
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

export function firebase(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    // The emulators listen on fixed ports (firebase.json): runs from parallel shells take turns.
    const cmd = hasFlock() ? 'flock' : process.execPath;
    const cmdArgs = [firebaseBin, ...args, '--project', projectId];
    const child = spawn(cmd, hasFlock() ? [lockFile, process.execPath, ...cmdArgs] : cmdArgs, {
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

function shellQuote(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

async function main(argv: string[]): Promise<number> {
  const [mode, ...rest] = argv;
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
    const cmd = rest[0] === '--' ? rest.slice(1) : rest;
    if (cmd.length === 0) {
      console.error('usage: node scripts/emulators.ts exec -- <command...>');
      return 2;
    }
    return firebase(['emulators:exec', '--only', emulatorList, cmd.map(shellQuote).join(' ')], env);
  }
  if (mode === 'start') {
    return firebase(['emulators:start', '--only', emulatorList], env);
  }
  console.error('usage: node scripts/emulators.ts exec -- <command...> | start');
  return 2;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
