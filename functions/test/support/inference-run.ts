/**
 * A real inference-run process on a loopback port, ready when it returns: the stage tests, the live fault
 * scenarios and the demo start it the same way.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const main = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../inference-run/src/server/main.ts',
);

/**
 * Spawns inference-run over `modelsDir` (--local-only: no authentication, on 127.0.0.1) and polls /readyz until it answers 200. Fails with one line when
 * the process exits first or it is not ready within `timeoutMs` (loading onnxruntime and a model takes
 * seconds on an idle machine, much longer on a busy one); the process is stopped then.
 */
export async function startInferenceRun(opts: {
  modelsDir: string;
  port: number;
  args?: string[];
  stdio?: StdioOptions;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}): Promise<ChildProcess> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const child = spawn(
    process.execPath,
    [main, '--models', opts.modelsDir, '--port', String(opts.port), '--local-only', ...(opts.args ?? [])],
    { stdio: opts.stdio ?? 'ignore', ...(opts.env ? { env: opts.env } : {}) },
  );
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      if ((await fetch(`http://127.0.0.1:${opts.port}/readyz`)).ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error(
    child.exitCode !== null
      ? `inference-run exited (status ${child.exitCode}) before it was ready`
      : `inference-run was not ready on port ${opts.port} within ${timeoutMs / 1000} s`,
  );
}
