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
 *
 * A trace collector (scripts/otlp-receiver.ts) listens on an ephemeral loopback port for the session; the
 * functions (where their params say TRACE_EXPORTER=otlp), the command and what it starts (inference-run)
 * find it in OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, and GET /spans on the same origin lists what it received.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFunctions } from './build-functions.ts';
import { buildWeb } from './build-web.ts';
import { SetupError, requireJava, resolveEmulatorBinaries } from './emulator-binaries.ts';
import { startOtlpReceiver } from './otlp-receiver.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const emulatorList = 'auth,functions,firestore,tasks,pubsub,hosting';
export const projectId = 'demo-clarity';
/** Projects with a params file here; `--project` must name one (a typo would silently prompt or default). */
export const knownProjects = ['demo-clarity', 'demo-clarity-live'] as const;
const firebaseBin = path.join(repoRoot, 'node_modules', 'firebase-tools', 'lib', 'bin', 'firebase.js');

/**
 * The Java emulators outlive an `emulators:exec` that was killed (they are reparented, not stopped), and the
 * next session then fails with "port taken". Called while holding the emulator lock, when no other session
 * can be running: stops Firestore and Pub/Sub emulator processes left over from such a run, and says so.
 */
function stopLeftoverEmulators(): void {
  const r = spawnSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' });
  if (r.status !== 0) return;
  for (const line of r.stdout.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    if (!m || m[2] !== '1') continue; // only orphans: a live session's emulators have their parent
    const args = m[3] ?? '';
    if (!/cloud-firestore-emulator|cloud-pubsub-emulator/.test(args)) continue;
    console.error(`emulators: stopping a leftover emulator of a killed session (pid ${m[1]})`);
    try {
      process.kill(Number(m[1]), 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

export async function prepareEmulators(): Promise<NodeJS.ProcessEnv> {
  if (process.env[lockedEnv] === '1') stopLeftoverEmulators();
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
    // firebase-tools gives the Functions emulator 10 s to load the bundle and list its functions; a busy
    // 2-core machine needs more ("Cannot determine backend specification. Timeout after 10000").
    FUNCTIONS_DISCOVERY_TIMEOUT: process.env.FUNCTIONS_DISCOVERY_TIMEOUT ?? '90',
  };
}

const lockFile = path.join(tmpdir(), 'clarity-emulators.lock');
/** Who holds the lock, written by the holder, so that a waiting command can say what it waits for. */
const holderFile = `${lockFile}.holder`;
function hasFlock(): boolean {
  return spawnSync('sh', ['-c', 'command -v flock'], { stdio: 'ignore' }).status === 0;
}

/** Set in the environment of a process that already holds the lock (see main). */
const lockedEnv = 'CLARITY_EMULATORS_LOCKED';
/** A waiter's ticket, passed to the process that will hold the lock, so the waiter sees when it got it. */
const ticketEnv = 'CLARITY_EMULATORS_TICKET';

interface Holder {
  pid: number;
  command: string;
  since: string;
  ticket?: string;
}

/** The holder the file names, if that process is still alive (a session that crashed leaves the file). */
function readHolder(): Holder | undefined {
  try {
    const h = JSON.parse(readFileSync(holderFile, 'utf8')) as Holder;
    process.kill(h.pid, 0);
    return h;
  } catch {
    return undefined;
  }
}

/** Called by the process that holds the lock: records who it is, for the waiters' messages. */
function recordHolder(): void {
  const holder: Holder = {
    pid: process.pid,
    command: path.relative(repoRoot, process.argv[1] ?? '') + ' ' + process.argv.slice(2).join(' '),
    since: new Date().toISOString(),
    ticket: process.env[ticketEnv],
  };
  try {
    writeFileSync(holderFile, JSON.stringify(holder));
  } catch {
    // informational only
  }
}

const clock = (iso: string): string => iso.slice(11, 19) + ' UTC';

/**
 * While `ticket`'s process waits for the lock, says once what holds it and then every minute that it
 * still waits; stops when the holder file names the ticket (the lock is ours). Returns the stop function.
 */
function reportLockWait(ticket: string): () => void {
  const free = spawnSync('flock', ['-n', lockFile, 'true'], { stdio: 'ignore' }).status === 0;
  if (free) return () => undefined;
  const started = Date.now();
  const h = readHolder();
  console.error(
    `emulators: waiting for the emulator lock (${lockFile}): the emulators use fixed ports, one session at a ` +
      `time. Held ${h ? `by pid ${h.pid} (${h.command.trim()}) since ${clock(h.since)}` : 'by another session'}.`,
  );
  const timer = setInterval(() => {
    const now = readHolder();
    if (now?.ticket === ticket) {
      console.error(`emulators: got the lock after ${Math.round((Date.now() - started) / 1000)} s`);
      clearInterval(timer);
      return;
    }
    console.error(
      `emulators: still waiting for the lock (${Math.round((Date.now() - started) / 60_000)} min; held ${
        now ? `by pid ${now.pid} (${now.command.trim()}) since ${clock(now.since)}` : 'by another session'
      })`,
    );
  }, 60_000);
  timer.unref();
  return () => clearInterval(timer);
}

/** Where firebase-tools' output goes: every line to `logFile`; lines that `show` maps are also printed. */
export interface OutputRouting {
  logFile: string;
  show: (line: string) => string | undefined;
}

export function firebase(
  args: string[],
  env: NodeJS.ProcessEnv,
  project: string = projectId,
  output?: OutputRouting,
): Promise<number> {
  return new Promise((resolve) => {
    // The emulators listen on fixed ports (firebase.json): runs from parallel shells take turns.
    const lock = hasFlock() && process.env[lockedEnv] !== '1';
    const cmd = lock ? 'flock' : process.execPath;
    const cmdArgs = [firebaseBin, ...args, '--project', project];
    const child = spawn(cmd, lock ? [lockFile, process.execPath, ...cmdArgs] : cmdArgs, {
      cwd: repoRoot,
      env,
      stdio: [
        args[0] === 'emulators:start' ? 'inherit' : 'ignore',
        output ? 'pipe' : 'inherit',
        output ? 'pipe' : 'inherit',
      ],
    });
    let closed: Promise<unknown> = Promise.resolve();
    if (output) {
      const log = createWriteStream(output.logFile);
      let open = 2;
      closed = new Promise((done) => log.on('close', () => done(undefined)));
      for (const stream of [child.stdout, child.stderr]) {
        if (!stream) continue;
        const lines = createInterface({ input: stream, crlfDelay: Infinity });
        lines.on('line', (line) => {
          log.write(line + '\n');
          const shown = output.show(line);
          if (shown !== undefined) process.stdout.write(shown + '\n');
        });
        lines.on('close', () => {
          if (--open === 0) log.end();
        });
      }
    }
    const forward = (sig: NodeJS.Signals): void => void child.kill(sig);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('exit', (code, signal) => {
      void closed.then(() => resolve(code ?? (signal ? 1 : 0)));
    });
  });
}

/**
 * Runs `script argv` again under the emulator lock, unless this process already holds it (then undefined).
 * Take the lock before building: a running session's Functions emulator watches functions/lib and would
 * reload (new trigger keys, interrupted functions) if another run rebuilt the bundle under it.
 */
export function relaunchUnderLock(script: string, argv: string[]): Promise<number> | undefined {
  if (!hasFlock()) return undefined;
  if (process.env[lockedEnv] === '1') {
    recordHolder();
    return undefined;
  }
  const ticket = `${process.pid}-${Date.now()}`;
  const stopReporting = reportLockWait(ticket);
  return new Promise((resolve) => {
    const child = spawn('flock', [lockFile, process.execPath, script, ...argv], {
      cwd: repoRoot,
      env: { ...process.env, [lockedEnv]: '1', [ticketEnv]: ticket },
      stdio: 'inherit',
    });
    const forward = (sig: NodeJS.Signals): void => void child.kill(sig);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('exit', (code, signal) => {
      stopReporting();
      resolve(code ?? (signal ? 1 : 0));
    });
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
  if (mode === 'exec' && cmd.length === 0) {
    console.error(usage);
    return 2;
  }
  const traces = await startOtlpReceiver();
  env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = traces.endpoint;
  try {
    return await (mode === 'exec'
      ? firebase(['emulators:exec', '--only', emulatorList, cmd.map(shellQuote).join(' ')], env, project)
      : firebase(['emulators:start', '--only', emulatorList], env, project));
  } finally {
    await traces.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
