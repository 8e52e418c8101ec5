/**
 * The one place that launches Chromium: Debian's browser (nothing downloads one) driven by playwright-core,
 * headless, with a fresh, empty profile per launch and nothing that reaches past loopback. Used by the
 * browser tests (web/test/support/browser.ts), `npm run bench:web` and the demo's screenshot. A missing browser is
 * an error with one clear line, never a skip.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const hosting = (
  JSON.parse(readFileSync(path.join(repoRoot, 'firebase.json'), 'utf8')) as {
    emulators: { hosting: { host: string; port: number } };
  }
).emulators.hosting;
/** The web app as the Hosting emulator serves it (firebase.json emulators.hosting). */
export const appUrl = `http://${hosting.host}:${hosting.port}/`;

/** No first-run screens, no background traffic (updates, sync, QUIC probes), no GPU. */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface LaunchedBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Chromium with a new, empty profile (Playwright takes the profile folder as launchPersistentContext's
 * argument; it refuses --user-data-dir among the args). Playwright adds --headless itself. `args` are added
 * to the common ones (the benchmark's --remote-debugging-port for Lighthouse).
 */
export async function launchChromium(
  options: { viewport?: { width: number; height: number }; args?: string[] } = {},
): Promise<LaunchedBrowser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `Chromium not found at ${chromiumPath}: run bash scripts/setup.sh as root (it installs Debian's chromium), or set CHROMIUM_PATH`,
    );
  }
  const profile = mkdtempSync(path.join(tmpdir(), 'clarity-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: [...chromiumArgs, ...(options.args ?? [])],
    acceptDownloads: true,
    viewport: options.viewport ?? { width: 1280, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
