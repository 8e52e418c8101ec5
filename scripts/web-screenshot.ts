/**
 * A screenshot of the web app's dashboard for a signed-in user, in Debian's Chromium via playwright-core
 * (npm run demo -- --screenshot docs/dashboard.png writes the README's picture after the demo's upload).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function screenshotDashboard(opts: {
  url: string;
  email: string;
  password: string;
  out: string;
}): Promise<void> {
  const profile = mkdtempSync(path.join(tmpdir(), 'clarity-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: chromiumArgs,
    viewport: { width: 1100, height: 900 },
  });
  try {
    const page = await context.newPage();
    await page.goto(opts.url);
    await page.fill('#email', opts.email);
    await page.fill('#password', opts.password);
    await page.click('#sign-in-submit');
    await page.locator('article[data-insight]').first().waitFor({ timeout: 60_000 });
    await page.locator('#charts[data-ready="true"]').waitFor({ timeout: 60_000 });
    await page.screenshot({ path: opts.out, fullPage: true });
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
