/**
 * The API in its own Node process (flood-server.ts: the app exactly as the `api` function builds it from its
 * params), for the load tests that measure it from outside: the flood test (rate limits) and the heavy-user
 * test (memory). Both run inside `firebase emulators:exec` on the Auth and Firestore emulators.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from './emulators.ts';

/** The params of a params file (KEY=value lines). */
export function readParams(file: string): Map<string, string> {
  const text = readFileSync(file, 'utf8');
  return new Map(
    text
      .split('\n')
      .filter((l) => /^[A-Z0-9_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string]),
  );
}

export interface ApiProcess {
  origin: string;
  child: ChildProcess;
  /** Lines the server printed after its port (the heavy test's memory report). */
  lines: string[];
  /** How it ended: the exit code, or the signal; null while it runs. */
  exit: () => string | null;
}

/**
 * Starts flood-server.ts with `args` after the params file (and `nodeArgs` for Node itself) and resolves
 * with its loopback origin.
 */
export function startApiProcess(
  paramsFile: string,
  args: string[] = [],
  nodeArgs: string[] = [],
): Promise<ApiProcess> {
  const child = spawn(
    process.execPath,
    [...nodeArgs, path.join('test', 'support', 'flood-server.ts'), paramsFile, ...args],
    {
      cwd: path.join(repoRoot, 'functions'),
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines: string[] = [];
  const exit = (): string | null =>
    child.exitCode !== null
      ? `code ${child.exitCode}`
      : child.signalCode
        ? `signal ${child.signalCode}`
        : null;
  return new Promise((resolve, reject) => {
    const reader = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    reader.on('line', (line) => {
      const m = /^\{"port":(\d+)\}$/.exec(line);
      if (m) resolve({ origin: `http://127.0.0.1:${m[1]}`, child, lines, exit });
      else lines.push(line);
    });
    child.on('exit', (code) => reject(new Error(`the API server exited (${code})`)));
  });
}

/** Stops the server (SIGTERM) and resolves once it has exited and its output is read. */
export function stopApiProcess(p: ApiProcess): Promise<void> {
  return new Promise((resolve) => {
    if (p.child.exitCode !== null || p.child.signalCode !== null) {
      resolve();
      return;
    }
    // 'close': the process has exited and its stdio streams are closed (the memory report is read).
    p.child.once('close', () => resolve());
    p.child.kill('SIGTERM');
  });
}
