import express, { Router } from 'express';
import { FieldValue } from 'firebase-admin/firestore';
import { ClarityError } from '@clarity/core';
import { recordAudit } from '../../platform/audit.ts';
import { readPrefs, writePrefs } from '../../delivery/preferences.ts';
import { verifyUnsubscribeToken } from '../../delivery/unsubscribe.ts';
import {
  unsubscribeAskPage,
  unsubscribeDonePage,
  unsubscribePageCsp,
} from '../../delivery/unsubscribe-page.ts';
import { paths } from '../../store/paths.ts';
import { envelope, state, type ApiDeps } from '../context.ts';
import { requireUser } from '../middleware.ts';
import { auditOwnMutation, callerOf } from '../rbac.ts';
import {
  deviceBody,
  deviceTokenParams,
  notificationPrefsPatch,
  parseInput,
  unsubscribeQuery,
} from '../schemas.ts';

const audit = auditOwnMutation;

/**
 * The caller's notification preferences (delivery/preferences.ts): channels on/off, quiet hours in their
 * zone, locale, health values in push. GET answers the effective preferences (defaults filled in).
 */
export function notificationRoutes(deps: ApiDeps): Router {
  const r = Router();
  r.get('/preferences', requireUser(deps), async (req, res) => {
    res.json(envelope(await readPrefs(deps.db, callerOf(req).uid), state(req).requestId));
  });
  r.put('/preferences', requireUser(deps), express.json({ limit: 8 * 1024 }), async (req, res) => {
    const patch = parseInput(notificationPrefsPatch, req.body ?? {}, 'body');
    const { uid } = callerOf(req);
    const prefs = await writePrefs(deps.db, uid, patch);
    await audit(deps, req, 'notifications.preferences.update', paths.notificationPrefs(uid), {
      push: prefs.channels.push,
      email: prefs.channels.email,
      webhook: prefs.channels.webhook,
    });
    res.json(envelope(prefs, state(req).requestId));
  });
  return r;
}

/**
 * The email's unsubscribe link. Anonymous (the mail client has no session): the signed token is the
 * credential; any other token is a 400 that names the field. Only a POST turns email off (RFC 8058
 * one-click, or the button of the page a GET answers): a GET changes nothing, because mail scanners and
 * link previews open every link of a message.
 */
export function unsubscribeRoutes(deps: ApiDeps): Router {
  const r = Router();
  const verified = (req: express.Request) => {
    const q = parseInput(unsubscribeQuery, req.query, 'query');
    const secret = deps.security?.signingSecret;
    if (!secret) throw new ClarityError('unavailable', 'unsubscribe links are not configured');
    const who = verifyUnsubscribeToken(secret, q.token);
    if (!who) {
      throw new ClarityError('invalid_input', 'the unsubscribe token is not valid', {
        details: [{ path: ['query', 'token'], message: 'not a valid signed unsubscribe token' }],
      });
    }
    return { ...who, token: q.token };
  };
  const html = (res: express.Response, body: string) =>
    res
      .set({ 'content-security-policy': unsubscribePageCsp, 'cache-control': 'no-store' })
      .type('html')
      .send(body);
  r.get('/unsubscribe', async (req, res) => {
    const who = verified(req);
    const { locale } = await readPrefs(deps.db, who.uid);
    const action = `${req.baseUrl}/unsubscribe?token=${encodeURIComponent(who.token)}`;
    html(res, unsubscribeAskPage(locale, action));
  });
  r.post('/unsubscribe', async (req, res) => {
    const who = verified(req);
    await writePrefs(deps.db, who.uid, { channels: { email: false } });
    await recordAudit(deps.db, {
      actorUid: who.uid,
      actorRoles: [],
      action: 'notifications.unsubscribe',
      targetUid: who.uid,
      resource: paths.notificationPrefs(who.uid),
      requestId: state(req).requestId,
      details: { channel: 'email' },
    });
    // The page's button (a browser) gets a page; a mail client's one-click POST and API callers get JSON.
    if (req.accepts(['json', 'html']) === 'html') {
      const { locale } = await readPrefs(deps.db, who.uid);
      html(res, unsubscribeDonePage(locale));
      return;
    }
    res.json(envelope({ channel: 'email' as const, enabled: false as const }, state(req).requestId));
  });
  return r;
}

/** Push tokens of the caller's devices (users/{uid}/devices/{token}): register (idempotent) and remove. */
export function deviceRoutes(deps: ApiDeps): Router {
  const r = Router();
  r.put('/:token', requireUser(deps), express.json({ limit: 4 * 1024 }), async (req, res) => {
    const { token } = parseInput(deviceTokenParams, req.params, 'params');
    const body = parseInput(deviceBody, req.body ?? {}, 'body');
    const { uid } = callerOf(req);
    const ref = deps.db.doc(paths.device(uid, token));
    const existed = (await ref.get()).exists;
    await ref.set(
      {
        platform: body.platform,
        appVersion: body.appVersion ?? null,
        updatedAt: FieldValue.serverTimestamp(),
        ...(existed ? {} : { createdAt: FieldValue.serverTimestamp() }),
      },
      { merge: true },
    );
    // The token itself is a device identifier: the audit names the platform only.
    await audit(deps, req, 'devices.register', paths.devices(uid), { platform: body.platform });
    res
      .status(existed ? 200 : 201)
      .json(
        envelope(
          { token, platform: body.platform, appVersion: body.appVersion ?? null },
          state(req).requestId,
        ),
      );
  });
  r.delete('/:token', requireUser(deps), async (req, res) => {
    const { token } = parseInput(deviceTokenParams, req.params, 'params');
    const { uid } = callerOf(req);
    const ref = deps.db.doc(paths.device(uid, token));
    if (!(await ref.get()).exists) throw new ClarityError('not_found', 'no such device token');
    await ref.delete();
    await audit(deps, req, 'devices.delete', paths.devices(uid));
    res.json(envelope({ deleted: true }, state(req).requestId));
  });
  return r;
}
