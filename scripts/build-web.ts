/**
 * Builds the web app (web/) with Vite into web/dist, which the Hosting emulator serves. Mode `emulators`
 * (web/.env.emulators: the local Emulator Suite, files through the emulator-only API route) for the
 * emulators, the demo and the browser tests; `production` (web/.env) for a deployment. Skipped when
 * web/dist is newer than every source file and was built in the same mode.
 */
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const webDir = path.join(repoRoot, 'web');
const distDir = path.join(webDir, 'dist');
const stampFile = path.join(distDir, '.build-stamp');

function newestMtime(p: string): number {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const e of readdirSync(p))
    if (e !== 'node_modules' && e !== 'dist') newest = Math.max(newest, newestMtime(path.join(p, e)));
  return newest;
}

export async function buildWeb(
  mode: 'emulators' | 'production' = 'emulators',
  force = false,
): Promise<boolean> {
  const sources = Math.max(
    newestMtime(path.join(webDir, 'src')),
    newestMtime(path.join(webDir, 'index.html')),
    newestMtime(path.join(webDir, `.env`)),
    newestMtime(path.join(webDir, `.env.${mode}`)),
    newestMtime(path.join(webDir, 'vite.config.ts')),
    newestMtime(path.join(repoRoot, 'packages', 'client', 'src')),
  );
  if (!force && existsSync(stampFile)) {
    const stamp = readFileSync(stampFile, 'utf8').trim();
    if (stamp === mode && statSync(stampFile).mtimeMs >= sources) return false;
  }
  await build({ configFile: path.join(webDir, 'vite.config.ts'), mode, logLevel: 'warn' });
  writeFileSync(stampFile, `${mode}\n`);
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const mode = process.argv.includes('--production') ? 'production' : 'emulators';
  await buildWeb(mode, true);
  console.log(`web: built web/dist (${mode})`);
}
