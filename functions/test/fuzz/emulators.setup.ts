/**
 * Global setup of the `fuzz` project (npm run test:fuzz). Fuzz tests need the Auth and Firestore
 * emulators. Inside `firebase emulators:exec` (npm test runs them in the integration project) they are
 * already there; otherwise this starts the project's harness (`node scripts/emulators.ts start`, which takes
 * the shared emulator lock, finds Java and the emulator binaries) and stops it afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const env = {
  FIRESTORE_EMULATOR_HOST: '127.0.0.1:8080',
  FIREBASE_AUTH_EMULATOR_HOST: '127.0.0.1:9099',
};
const readyTimeoutMs = 9 * 60_000;

let child: ChildProcess | undefined;

export async function setup(): Promise<void> {
  if (process.env.FIRESTORE_EMULATOR_HOST && process.env.FIREBASE_AUTH_EMULATOR_HOST) return;
  const proc = spawn(process.execPath, [path.join(repoRoot, 'scripts', 'emulators.ts'), 'start'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so teardown can stop firebase-tools and the emulators it started.
    detached: true,
  });
  child = proc;
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error('emulators did not start within 9 minutes')),
      readyTimeoutMs,
    );
    const onData = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-20_000);
      if (output.includes('All emulators ready')) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`emulators exited (${code}) before they were ready:\n${output.slice(-3000)}`));
    });
  });
  Object.assign(process.env, env);
}

export async function teardown(): Promise<void> {
  const proc = child;
  if (!proc?.pid) return;
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  process.kill(-proc.pid, 'SIGINT');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000).unref())]);
  proc.stdout?.destroy();
  proc.stderr?.destroy();
}
