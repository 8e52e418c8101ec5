/**
 * Runs one of the API load tests (functions/test/support/flood.ts, heavy.ts) inside `firebase
 * emulators:exec` (scripts/emulators.ts: it takes the emulator lock and starts the emulators) with a params
 * file, then prints the figures the test wrote as the LAST line, one JSON object. Resolves with the exit
 * status: 0 only when the test passed.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export async function runLoadTest(driver: string, params: string, out: string): Promise<number> {
  rmSync(out, { force: true });
  const code = await new Promise<number>((resolve) => {
    const child = spawn(
      process.execPath,
      ['scripts/emulators.ts', 'exec', '--', 'node', driver, '--params', params, '--out', out],
      {
        cwd: repoRoot,
        stdio: 'inherit',
        // On a busy machine loading the functions' definitions takes longer than firebase-tools' 10 s.
        env: { ...process.env, FUNCTIONS_DISCOVERY_TIMEOUT: process.env.FUNCTIONS_DISCOVERY_TIMEOUT ?? '60' },
      },
    );
    child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
  });
  if (!existsSync(out)) {
    console.log(JSON.stringify({ error: `${path.basename(driver)} wrote no figures (exit status ${code})` }));
    return code === 0 ? 1 : code;
  }
  console.log(readFileSync(out, 'utf8').trim());
  return code;
}
