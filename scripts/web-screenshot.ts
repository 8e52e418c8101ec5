/**
 * A screenshot of the web app's dashboard for a signed-in user, in Chromium as web/test/support/chromium.ts launches
 * it (npm run demo -- --screenshot docs/dashboard.png writes the README's picture after the demo's upload).
 */
import { launchChromium } from '../web/test/support/chromium.ts';

export async function screenshotDashboard(opts: {
  url: string;
  email: string;
  password: string;
  out: string;
}): Promise<void> {
  const browser = await launchChromium({ viewport: { width: 1100, height: 900 } });
  try {
    const page = await browser.context.newPage();
    await page.goto(opts.url);
    await page.fill('#email', opts.email);
    await page.fill('#password', opts.password);
    await page.click('#sign-in-submit');
    await page.locator('article[data-insight]').first().waitFor({ timeout: 60_000 });
    await page.locator('#charts[data-ready="true"]').waitFor({ timeout: 60_000 });
    await page.screenshot({ path: opts.out, fullPage: true });
  } finally {
    await browser.close();
  }
}
