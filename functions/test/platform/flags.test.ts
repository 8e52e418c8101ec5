import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deleteApp, initializeApp, type App } from 'firebase-admin/app';
import type { ServerTemplateData } from 'firebase-admin/remote-config';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultFlags, flagDefaults, remoteFlags, templateFlags } from '../../src/platform/flags.ts';
import { createLogger } from '../../src/platform/logger.ts';

const template = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../../deploy/remote-config/server-template.json'), 'utf8'),
) as ServerTemplateData;

// An app whose credential refuses: anything that would reach Remote Config's servers fails before a request.
const offline = {
  getAccessToken: () => Promise.reject(new Error('offline test: no credentials')),
};
const apps: App[] = [];
const app = (name: string): App => {
  const a = initializeApp({ projectId: 'demo-flags', credential: offline }, name);
  apps.push(a);
  return a;
};
afterAll(async () => {
  await Promise.all(apps.map((a) => deleteApp(a)));
});

describe('feature flags (Remote Config server template, evaluated offline)', () => {
  it('uses the typed defaults when no template is loaded', async () => {
    expect(await defaultFlags('u1')).toEqual(flagDefaults);
    expect(flagDefaults.llm_generator_enabled).toBe(true);
  });

  it("rolls the LLM generator out to the template's percentage of users, stably per user", async () => {
    const flags = templateFlags(template, app('rollout'));
    const uids = Array.from({ length: 4000 }, (_, i) => `user-${i}`);
    const on = (await Promise.all(uids.map(flags))).filter((f) => f.llm_generator_enabled).length;
    // The repository's template: 25 % of users (microPercent 25 000 000).
    expect(on / uids.length).toBeGreaterThan(0.22);
    expect(on / uids.length).toBeLessThan(0.28);
    for (const uid of uids.slice(0, 50)) expect(await flags(uid)).toEqual(await flags(uid));
  });

  it('turns each delivery channel on or off from the template, and falls back to code for a missing one', async () => {
    const t = structuredClone(template) as ServerTemplateData & { parameters: Record<string, unknown> };
    t.parameters.delivery_push_enabled = { defaultValue: { value: 'false' }, valueType: 'BOOLEAN' };
    delete t.parameters.delivery_webhook_enabled;
    const f = await templateFlags(t, app('channels'))('u1');
    expect(f.delivery_push_enabled).toBe(false);
    expect(f.delivery_webhook_enabled).toBe(flagDefaults.delivery_webhook_enabled);
    expect(f.delivery_email_enabled).toBe(true);
  });

  it('keeps serving the defaults when the template cannot be loaded, and logs it', async () => {
    const logged: string[] = [];
    const log = { ...createLogger(), warn: (e: string) => void logged.push(e) };
    const flags = remoteFlags({ log, app: app('offline'), refreshMs: 60_000, now: () => 0 });
    expect(await flags('u1')).toEqual(flagDefaults);
    expect(await flags('u2')).toEqual(flagDefaults);
    expect(logged).toEqual(['flags.load_failed']);
  });
});
