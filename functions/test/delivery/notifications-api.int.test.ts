/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call -- JSON bodies are read as `any` by design: tests assert their shape */
/**
 * Notification preferences, push-token devices and the email unsubscribe link through the real app on the
 * Auth and Firestore emulators (own Firestore project): the envelope, 400s that name the field, audit
 * entries, defaults from the profile, and a signed token that turns email off by POST only (a GET answers a page and changes nothing; a forged
 * token does nothing).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unsubscribeToken } from '../../src/delivery/unsubscribe.ts';
import { paths } from '../../src/store/paths.ts';
import { adminDb } from '../support/emulators.ts';
import { signingSecret, startGateway, userWithRoles, type Gateway } from '../support/gateway.ts';

const project = 'demo-clarity-notifications-api';
let gw: Gateway;
let user: { uid: string; token: string };

beforeAll(async () => {
  gw = await startGateway(project);
  user = await userWithRoles('notif-api');
  await adminDb(project).doc(paths.user(user.uid)).set({ locale: 'es-MX', timezone: 'America/Mexico_City' });
});
afterAll(async () => {
  await gw?.close();
});

const call = async (method: string, path: string, body?: unknown, auth = true) => {
  const res = await fetch(`${gw.base}${path}`, {
    method,
    headers: {
      ...(auth ? { authorization: `Bearer ${user.token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as any };
};

describe('notification preferences, devices and unsubscribe', () => {
  it('answers defaults from the profile, applies a partial change, refuses bad fields by name', async () => {
    const first = await call('GET', '/v1/notifications/preferences');
    expect(first.status).toBe(200);
    expect(first.body.data).toEqual({
      channels: { push: true, email: false, webhook: true },
      quietHours: null,
      timezone: 'America/Mexico_City',
      locale: 'es',
      pushHealthValues: false,
    });
    expect(first.body.meta.requestId).toBeTruthy();
    const put = await call('PUT', '/v1/notifications/preferences', {
      channels: { email: true },
      quietHours: { start: '22:30', end: '06:45' },
      locale: 'de',
    });
    expect(put.status).toBe(200);
    expect(put.body.data).toMatchObject({
      channels: { push: true, email: true, webhook: true },
      quietHours: { start: '22:30', end: '06:45' },
      locale: 'de',
      timezone: 'America/Mexico_City',
    });
    expect((await call('GET', '/v1/notifications/preferences')).body.data).toEqual(put.body.data);

    const bad = await call('PUT', '/v1/notifications/preferences', {
      quietHours: { start: '25:00', end: '06:00' },
      timezone: 'Mars/Olympus',
      locale: 'fr',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_input');
    const named = bad.body.error.details.map((d: { path: string[] }) => d.path.join('.'));
    expect(named).toEqual(expect.arrayContaining(['body.quietHours.start', 'body.timezone', 'body.locale']));
    expect((await call('PUT', '/v1/notifications/preferences', { sms: true })).status).toBe(400);
    expect((await call('GET', '/v1/notifications/preferences', undefined, false)).status).toBe(401);
  });

  it('registers (201, then 200) and removes push tokens; refuses a malformed token', async () => {
    const token = 'fcm-token:APA91bHun4MxP5egoKMwt2KZFBaFUH-1RYqx';
    const a = await call('PUT', `/v1/devices/${encodeURIComponent(token)}`, {
      platform: 'android',
      appVersion: '1.2.0',
    });
    expect(a.status).toBe(201);
    expect(a.body.data).toEqual({ token, platform: 'android', appVersion: '1.2.0' });
    expect(
      (await call('PUT', `/v1/devices/${encodeURIComponent(token)}`, { platform: 'android' })).status,
    ).toBe(200);
    const stored = await adminDb(project).doc(paths.device(user.uid, token)).get();
    expect(stored.get('platform')).toBe('android');
    const bad = await call('PUT', '/v1/devices/short', { platform: 'android' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toEqual(['params', 'token']);
    expect(
      (await call('PUT', `/v1/devices/${encodeURIComponent(token)}`, { platform: 'symbian' })).status,
    ).toBe(400);
    expect((await call('DELETE', `/v1/devices/${encodeURIComponent(token)}`)).status).toBe(200);
    expect((await call('DELETE', `/v1/devices/${encodeURIComponent(token)}`)).status).toBe(404);
    expect((await adminDb(project).doc(paths.device(user.uid, token)).get()).exists).toBe(false);
  });

  it('the signed unsubscribe link turns email off; a forged token is a 400 naming query.token', async () => {
    await call('PUT', '/v1/notifications/preferences', { channels: { email: true } });
    const forged = unsubscribeToken('not-the-server-secret-000000000000', user.uid);
    const no = await call('GET', `/v1/notifications/unsubscribe?token=${forged}`, undefined, false);
    expect(no.status).toBe(400);
    expect(no.body.error.details[0].path).toEqual(['query', 'token']);
    expect((await call('GET', '/v1/notifications/preferences')).body.data.channels.email).toBe(true);
    const token = unsubscribeToken(signingSecret, user.uid);
    // Opening the link (what mail scanners and link previews do) changes nothing: it answers a page in the
    // user's locale whose only button POSTs the same link (RFC 8058).
    const opened = await fetch(`${gw.base}/v1/notifications/unsubscribe?token=${token}`);
    expect(opened.status).toBe(200);
    expect(opened.headers.get('content-type')).toMatch(/^text\/html/);
    expect(opened.headers.get('content-security-policy')).toContain("form-action 'self'");
    expect(opened.headers.get('cache-control')).toBe('no-store');
    const page = await opened.text();
    expect(page).toContain('<html lang="de">');
    const form = /<form method="post" action="([^"]+)">/.exec(page);
    expect(form?.[1]).toBe(`/v1/notifications/unsubscribe?token=${token}`);
    expect(page).not.toMatch(/<script/i);
    expect((await call('GET', '/v1/notifications/preferences')).body.data.channels.email).toBe(true);
    // The page's button: a browser's form POST answers a page, and turns email off.
    const pressed = await fetch(`${gw.base}${form![1]!.replaceAll('&amp;', '&')}`, {
      method: 'POST',
      headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(pressed.status).toBe(200);
    expect(await pressed.text()).toContain('Du erhältst keine Auswertungs-E-Mails mehr');
    expect((await call('GET', '/v1/notifications/preferences')).body.data.channels.email).toBe(false);
    await call('PUT', '/v1/notifications/preferences', { channels: { email: true } });
    // A mail client's one-click POST (List-Unsubscribe=One-Click) gets the JSON answer.
    const yes = await call('POST', `/v1/notifications/unsubscribe?token=${token}`, undefined, false);
    expect(yes.status).toBe(200);
    expect(yes.body.data).toEqual({ channel: 'email', enabled: false });
    expect((await call('GET', '/v1/notifications/preferences')).body.data.channels).toEqual({
      push: true,
      email: false,
      webhook: true,
    });
    const audit = await adminDb(project).collection('audit').where('targetUid', '==', user.uid).get();
    const actions = audit.docs.map((d) => d.get('action') as string);
    expect(actions).toEqual(
      expect.arrayContaining([
        'notifications.preferences.update',
        'devices.register',
        'devices.delete',
        'notifications.unsubscribe',
      ]),
    );
    // No token value in the audit trail.
    expect(JSON.stringify(audit.docs.map((d) => d.data()))).not.toContain('APA91b');
  });
});
