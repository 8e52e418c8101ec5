/**
 * `npm run bench:web`: the web app's budgets, measured on this machine.
 *  - initial JavaScript: gzip (level 9) of every script web/dist/index.html loads before the app runs (its
 *    module entry and modulepreloads), production build; budget 200 kB;
 *  - Lighthouse (the npm package, in Debian's Chromium through its debugging port) on the dashboard of a
 *    signed-in user with a real insight: performance and accessibility, 0-100 (budgets 90 and 95), with
 *    Lighthouse's own desktop preset (screen, user agent, simulated throttling); the whole report is written
 *    to .cache/bench-web/lighthouse.json;
 *  - upload click -> insight visible in the browser: a new user each run uploads the real example_01.AWD
 *    through the app (the client upload path) and the clock stops when the insight's article appears;
 *    p50/p95 over 10 runs (rules generator, no model: the demo-clarity params).
 * The browser part runs inside one emulator session (scripts/emulators.ts exec, Hosting serving web/dist).
 * `--json` prints exactly one object:
 *   {"bundleGzipKb":…,"lighthouse":{"performance":…,"accessibility":…},"uploadToInsightMs":{"p50":…,"p95":…}}
 * `--runs N` changes the number of upload runs.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { appUrl, launchChromium } from '../web/test/support/chromium.ts';
import { buildWeb } from './build-web.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const json = argv.includes('--json');
const runsAt = argv.indexOf('--runs');
const runs = runsAt >= 0 ? Number(argv[runsAt + 1]) : 10;
/** The last Lighthouse report (git-ignored), to see which audits cost points. */
const lhrFile = path.join(repoRoot, '.cache', 'bench-web', 'lighthouse.json');
const awd = path.resolve(repoRoot, '..', 'shared', 'data', 'actigraphy', 'actiwatch_awd', 'example_01.AWD');

export interface WebBench {
  bundleGzipKb: number;
  lighthouse: { performance: number; accessibility: number };
  uploadToInsightMs: { p50: number; p95: number };
}

/** Gzipped bytes of the scripts index.html loads up front (entry module + modulepreloads). */
export function initialJsGzipBytes(distDir: string): { bytes: number; files: string[] } {
  const html = readFileSync(path.join(distDir, 'index.html'), 'utf8');
  const files = [
    ...html.matchAll(/<script[^>]+src="([^"]+\.js)"/g),
    ...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+\.js)"/g),
  ].map((m) => m[1] as string);
  let bytes = 0;
  for (const f of new Set(files)) bytes += gzipSync(readFileSync(path.join(distDir, f)), { level: 9 }).length;
  return { bytes, files: [...new Set(files)] };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** Inside the emulator session: the browser measurements. */
async function inner(out: string): Promise<void> {
  const lighthouse = (await import('lighthouse')).default;
  const desktopConfig = (await import('lighthouse/core/config/desktop-config.js')).default;
  const port = await freePort();
  const browser = await launchChromium({
    viewport: { width: 1280, height: 900 },
    args: [`--remote-debugging-port=${port}`],
  });
  const context = browser.context;
  const times: number[] = [];
  try {
    const page = await context.newPage();
    for (let r = 0; r < runs; r++) {
      await page.goto(appUrl);
      // The app restores the previous run's session asynchronously: wait for whichever screen it shows.
      await page.locator('#sign-in, #sign-out').first().waitFor();
      if (await page.locator('#sign-out').count()) await page.click('#sign-out');
      await page.locator('#sign-in').waitFor();
      await page.fill('#email', `bench-${Date.now()}-${r}@example.com`);
      await page.fill('#password', 'bench-password-1');
      await page.click('#sign-up');
      await page.locator('#upload-form').waitFor();
      await page.setInputFiles('#file', awd);
      await page.fill('#zone', 'UTC');
      const t0 = Date.now();
      await page.click('#upload-submit');
      await page.locator('article[data-insight]').first().waitFor({ timeout: 300_000 });
      times.push(Date.now() - t0);
      console.error(`bench:web: run ${r + 1}/${runs}: upload -> insight ${times.at(-1)} ms`);
    }
    // The last user stays signed in (the profile keeps the session): Lighthouse loads the dashboard.
    await page.locator('#charts[data-ready="true"]').waitFor({ timeout: 120_000 });
    await page.close();
    // Lighthouse's own desktop preset (desktop screen, user agent and throttling), as PageSpeed runs it.
    const result = await lighthouse(
      appUrl,
      { port, output: 'json', logLevel: 'error', disableStorageReset: true },
      {
        ...desktopConfig,
        settings: {
          ...desktopConfig.settings,
          onlyCategories: ['performance', 'accessibility'],
          disableStorageReset: true,
        },
      },
    );
    if (result) {
      mkdirSync(path.dirname(lhrFile), { recursive: true });
      writeFileSync(lhrFile, JSON.stringify(result.lhr));
    }
    const cats = result?.lhr.categories;
    const sorted = [...times].sort((a, b) => a - b);
    writeFileSync(
      out,
      JSON.stringify({
        lighthouse: {
          performance: Math.round((cats?.performance?.score ?? 0) * 100),
          accessibility: Math.round((cats?.accessibility?.score ?? 0) * 100),
        },
        uploadToInsightMs: { p50: percentile(sorted, 50), p95: percentile(sorted, 95) },
        runs: times,
      }),
    );
  } finally {
    await browser.close();
  }
}

async function outer(): Promise<number> {
  // The production build is what a deployment serves: its size is the budget's. The emulator build (the
  // same code, other config values) is then what the Hosting emulator serves for the browser part.
  await buildWeb('production', true);
  const initial = initialJsGzipBytes(path.join(repoRoot, 'web', 'dist'));
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'clarity-bench-web-')), 'result.json');
  const code = await new Promise<number>((resolve) => {
    const child = spawn(
      process.execPath,
      [
        path.join(repoRoot, 'scripts', 'emulators.ts'),
        'exec',
        '--',
        'node',
        'scripts/bench-web.ts',
        '--inner',
        out,
        '--runs',
        String(runs),
      ],
      { cwd: repoRoot, stdio: ['ignore', json ? 'ignore' : 'inherit', 'inherit'] },
    );
    child.on('exit', (c) => resolve(c ?? 1));
  });
  if (code !== 0) {
    console.error(`bench:web: the browser part failed (exit ${code})`);
    return code;
  }
  const browser = JSON.parse(readFileSync(out, 'utf8')) as Omit<WebBench, 'bundleGzipKb'> & {
    runs: number[];
  };
  const result: WebBench = {
    bundleGzipKb: Math.round((initial.bytes / 1024) * 10) / 10,
    lighthouse: browser.lighthouse,
    uploadToInsightMs: browser.uploadToInsightMs,
  };
  if (json) {
    console.log(JSON.stringify(result));
    return 0;
  }
  console.log(`\nweb app budgets (${new Date().toISOString().slice(0, 10)})`);
  console.log(
    `  initial JavaScript (gzip -9): ${result.bundleGzipKb} kB (budget 200 kB) — ${initial.files.join(', ')}`,
  );
  console.log(
    `  Lighthouse on the dashboard (desktop): performance ${result.lighthouse.performance} (budget 90), accessibility ${result.lighthouse.accessibility} (budget 95)`,
  );
  console.log(
    `  upload click -> insight visible: p50 ${result.uploadToInsightMs.p50} ms, p95 ${result.uploadToInsightMs.p95} ms over ${browser.runs.length} runs`,
  );
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (argv[0] === '--inner') await inner(argv[1] as string);
  else process.exitCode = await outer();
}
