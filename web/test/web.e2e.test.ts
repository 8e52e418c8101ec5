/**
 * The web app in a real browser (Debian's Chromium via playwright-core) against the Emulator Suite, served
 * by the Hosting emulator: sign up -> upload the real example_01.AWD -> every pipeline stage changes on
 * screen -> the insight appears -> the charts hold the right number of points (read from the uPlot
 * instances) -> the person adds a clinician to their care team, and the clinician (the `roles` claim that
 * `npm run grant-role` sets), signed in in a second browser, lists them and reads their newest insight,
 * read-only, through the audited API -> German -> export -> delete the account. axe-core checks every
 * screen (no serious or critical violations); screenshots of each screen go to .cache/screenshots
 * (git-ignored).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { getApps, initializeApp } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import { getFirestore } from 'firebase-admin/firestore';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedData } from '@clarity/core/testing';
import { appUrl, axeViolations, launchChromium, repoRoot, type LaunchedBrowser } from './support/browser.ts';

const shots = path.join(repoRoot, '.cache', 'screenshots');
const admin =
  getApps().find((a) => a.name === 'web-e2e') ?? initializeApp({ projectId: 'demo-clarity' }, 'web-e2e');

let launched: LaunchedBrowser | undefined;
beforeAll(async () => {
  if (!process.env.FIRESTORE_EMULATOR_HOST)
    throw new Error('run through npm run test:integration (firebase emulators:exec)');
  mkdirSync(shots, { recursive: true });
  launched = await launchChromium();
});
afterAll(async () => launched?.close());

async function screen(page: Page, name: string): Promise<void> {
  expect(await axeViolations(page), `axe on ${name}`).toEqual([]);
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

/** Every distinct state of the timeline table, recorded in the page as it changes. */
async function recordTimeline(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __timeline: string[] };
    w.__timeline = [];
    const snap = () => {
      const rows = [...document.querySelectorAll('#timeline tr[data-stage]')].map(
        (r) => `${r.getAttribute('data-stage')}:${r.getAttribute('data-status')}`,
      );
      const line = rows.join(' ');
      if (rows.length > 0 && w.__timeline.at(-1) !== line) w.__timeline.push(line);
    };
    new MutationObserver(snap).observe(document.body, { subtree: true, childList: true, attributes: true });
    snap();
  });
}

describe('web app in Chromium', () => {
  it('sign up, upload the real .AWD, live stages, insight, charts, German, export, delete', async () => {
    const page = await launched!.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(appUrl);
    await page.locator('#sign-in').waitFor();
    await screen(page, 'sign-in');

    const email = `web-${Date.now()}@example.com`;
    await page.fill('#email', email);
    await page.fill('#password', 'correct-horse-battery');
    await page.click('#sign-up');
    await page.locator('#upload-form').waitFor();
    const uid = (await getAuth(admin).getUserByEmail(email)).uid;
    await screen(page, 'upload');

    await recordTimeline(page);
    await page.setInputFiles('#file', sharedData('actigraphy', 'actiwatch_awd', 'example_01.AWD'));
    await page.fill('#zone', 'UTC');
    await page.click('#upload-submit');
    await page.locator('#upload-doc[data-status="ingested"]').waitFor({ timeout: 60_000 });
    await page.locator('#timeline[data-job-status="complete"]').waitFor({ timeout: 120_000 });
    const timeline = await page.evaluate(() => (window as unknown as { __timeline: string[] }).__timeline);
    const finalLine = timeline.at(-1) ?? '';
    expect(finalLine).toBe('ingest:ingested analyze:done infer:skipped insight:done deliver:done');
    // Every stage was seen in a state before its final one (the screen followed the job live).
    for (const stage of ['ingest', 'analyze', 'insight', 'deliver']) {
      const states = new Set(timeline.map((l) => /(?:^| )STAGE:(\S+)/.exec(l.replace(stage, 'STAGE'))?.[1]));
      expect(states.size, `${stage} states seen: ${[...states].join(',')}`).toBeGreaterThanOrEqual(2);
    }
    await screen(page, 'pipeline');

    const insight = page.locator('article[data-insight]').first();
    await insight.waitFor({ timeout: 60_000 });
    const insightId = await insight.getAttribute('data-insight');
    expect(await insight.locator('.narrative').innerText()).not.toBe('');
    expect(await insight.locator('.disclaimer').innerText()).not.toBe('');
    expect(await insight.innerText()).toMatch(/rule-based generator/);
    await screen(page, 'insights');

    // Engagement: on screen it is reported opened; "Helpful" answers through the API (one document per
    // insight, users/{uid}/feedback/{insightId}), and the buttons give way to a status line.
    await insight.scrollIntoViewIfNeeded();
    const engagement = getFirestore(admin).doc(`users/${uid}/feedback/${insightId}`);
    await expect
      .poll(async () => (await engagement.get()).get('openedAt') !== undefined, { timeout: 20_000 })
      .toBe(true);
    const group = insight.getByRole('group', { name: 'Was this insight helpful?' });
    await group.getByRole('button', { name: 'Helpful', exact: true }).click();
    await insight.getByRole('status').filter({ hasText: 'Thanks' }).waitFor();
    expect((await engagement.get()).data()).toMatchObject({ insightId, helpful: true, reason: null });

    // Charts: as many points as the analysis and the stored series hold.
    await page.locator('#charts[data-ready="true"]').waitFor({ timeout: 60_000 });
    const analysis = (await getFirestore(admin).doc(`users/${uid}/analyses/${insightId}`).get()).data() as {
      window: { start: string; end: string };
      metrics: {
        sleep: { nightly: unknown[] } | null;
        circadian: { hourlyProfile?: (number | null)[] } | null;
      };
    };
    const days = (Date.parse(analysis.window.end) - Date.parse(analysis.window.start)) / 86_400_000 + 1;
    const points = await page.evaluate(() => {
      const charts = (window as unknown as { __clarityCharts: Record<string, { data: unknown[][] }> })
        .__clarityCharts;
      return Object.fromEntries(Object.entries(charts).map(([k, c]) => [k, c.data[0]?.length ?? 0]));
    });
    expect(points.sleep).toBe(analysis.metrics.sleep?.nightly.length);
    expect(points.sleep).toBeGreaterThan(0);
    expect(points.activity).toBe(days);
    expect(points.profile).toBe(24);
    // The 24-h profile is the analysis's own (computed on the masked movement series), hour by hour.
    const profileY = await page.evaluate(
      () =>
        (window as unknown as { __clarityCharts: Record<string, { data: unknown[][] }> }).__clarityCharts
          .profile?.data[1],
    );
    expect(analysis.metrics.circadian?.hourlyProfile).toHaveLength(24);
    expect(profileY).toEqual(analysis.metrics.circadian?.hourlyProfile);
    await page.locator('#charts').scrollIntoViewIfNeeded();
    await screen(page, 'charts');
    await page.screenshot({ path: path.join(shots, 'dashboard.png'), fullPage: true });

    // A phone's width: still usable, still accessible.
    await page.setViewportSize({ width: 375, height: 800 });
    await screen(page, 'dashboard-phone');
    await page.setViewportSize({ width: 1280, height: 900 });

    // Care team. A clinician account: the `roles` claim that `npm run grant-role` sets, through the Admin SDK
    // on the Auth emulator (before the first sign-in, so the first token carries it).
    const drEmail = `web-dr-${Date.now()}@example.com`;
    const dr = await getAuth(admin).createUser({ email: drEmail, password: 'correct-horse-battery' });
    await getAuth(admin).setCustomUserClaims(dr.uid, { roles: ['clinician'] });
    // The person adds them on the account screen (signed PUT /v1/account/care-team); the list follows live.
    await page.fill('#care-team-uid', dr.uid);
    await page.click('#care-team-add');
    await page.locator(`#care-team li[data-member="${dr.uid}"]`).waitFor({ timeout: 30_000 });
    expect((await getFirestore(admin).doc(`users/${uid}`).get()).get('careTeam')).toEqual([dr.uid]);
    await screen(page, 'account-care-team');

    // The clinician, in a browser of their own (another profile: another signed-in user), sees the person.
    const drBrowser = await launchChromium();
    try {
      const drPage = await drBrowser.context.newPage();
      drPage.on('pageerror', (e) => errors.push(`clinician: ${e.message}`));
      await drPage.goto(appUrl);
      await drPage.locator('#sign-in').waitFor();
      await drPage.fill('#email', drEmail);
      await drPage.fill('#password', 'correct-horse-battery');
      await drPage.click('#sign-in-submit');
      const row = drPage.locator(`#patients-table tr[data-patient="${uid}"]`);
      await row.waitFor({ timeout: 30_000 });
      expect(await drPage.locator('#patients-table tbody tr').count()).toBe(1);
      expect(await row.innerText()).toContain(email);
      expect(await drPage.locator('nav').innerText()).toContain('People you may read');
      await screen(drPage, 'care-team');
      // Keyboard: focus the person's button and press Enter; the newest insight opens below, read-only.
      await row.getByRole('button', { name: email }).focus();
      await drPage.keyboard.press('Enter');
      const shown = drPage.locator(`#patient-insight[data-insight="${insightId}"]`);
      await shown.waitFor({ timeout: 30_000 });
      expect(await shown.locator('.narrative').innerText()).toBe(
        await insight.locator('.narrative').innerText(),
      );
      expect(await shown.locator('.disclaimer').innerText()).not.toBe('');
      expect(await drPage.locator('#patients button[data-helpful]').count()).toBe(0);
      await expect.poll(() => drPage.evaluate(() => document.activeElement?.id)).toBe('patient-detail-title');
      await screen(drPage, 'care-team-insight');
      await drPage.setViewportSize({ width: 375, height: 800 });
      await screen(drPage, 'care-team-phone');
      // Both reads went through the API and are in the audit trail, with the care-team basis.
      const audit = await getFirestore(admin).collection('audit').where('actorUid', '==', dr.uid).get();
      const reads = audit.docs
        .map((d) => d.data() as { action: string; targetUid: string; details?: { basis?: string } })
        .filter((e) => e.targetUid === uid)
        .map((e) => `${e.action}:${e.details?.basis}`);
      expect(reads).toEqual(
        expect.arrayContaining(['care_team.patients.list:care_team', 'insights.read:care_team']),
      );
      await drPage.close();
    } finally {
      await drBrowser.close();
    }

    await page.selectOption('#locale', 'de');
    await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe('de');
    expect(await page.locator('nav').innerText()).toContain('Hochladen');
    expect(await page.locator('#account-title').innerText()).toBe('Konto');
    await screen(page, 'account-de');

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
    const exported = JSON.parse(readFileSync(await download.path(), 'utf8')) as Record<string, unknown>;
    expect(JSON.stringify(exported)).toContain(uid);

    page.on('dialog', (d) => void d.accept());
    await page.click('#delete');
    await page.locator('#sign-in').waitFor({ timeout: 30_000 });
    await expect(getAuth(admin).getUser(uid)).rejects.toMatchObject({ code: 'auth/user-not-found' });
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);
});
