/**
 * Writes the generated deploy files from the definitions (monitoring/definitions.ts, lifecycle/definitions.ts):
 *   npm run monitoring:generate            # write deploy/monitoring/*.json and deploy/lifecycle/*.json
 *   npm run monitoring:generate -- --check # exit 1 when a file on disk differs (npm test checks the same)
 * Files are formatted with the project's prettier config, so `prettier --check .` and this agree.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { renderLifecycle } from '../lifecycle/render.ts';
import { renderMonitoring } from './render.ts';

export const monitoringDir = dirname(fileURLToPath(import.meta.url));
export const deployDir = dirname(monitoringDir);

/** Every generated file, path relative to deploy/ → content (before formatting). */
export function renderAll(): Record<string, unknown> {
  return { ...renderMonitoring(), ...renderLifecycle() };
}

export async function renderFiles(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, content] of Object.entries(renderAll())) {
    const filepath = join(deployDir, name);
    const options = (await prettier.resolveConfig(filepath)) ?? {};
    out[name] = await prettier.format(JSON.stringify(content), { ...options, filepath });
  }
  return out;
}

/** Names of generated files whose content on disk differs from a fresh render. */
export async function staleFiles(): Promise<string[]> {
  const stale: string[] = [];
  for (const [name, text] of Object.entries(await renderFiles())) {
    const onDisk = await readFile(join(deployDir, name), 'utf8').catch(() => null);
    if (onDisk !== text) stale.push(name);
  }
  return stale;
}

async function cli(argv: string[]): Promise<number> {
  if (argv.includes('--check')) {
    const stale = await staleFiles();
    if (stale.length > 0) {
      console.error(`stale: ${stale.join(', ')}; run npm run monitoring:generate`);
      return 1;
    }
    console.log('deploy: generated files are fresh');
    return 0;
  }
  for (const [name, text] of Object.entries(await renderFiles())) {
    await writeFile(join(deployDir, name), text);
    console.log(`wrote deploy/${name}`);
  }
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await cli(process.argv.slice(2));
}
