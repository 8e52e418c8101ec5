/**
 * Delivery end to end on the Emulator Suite, followed by the real Firebase client SDK: one HealthKit upload
 * through the API goes through the emulated triggers to an insight, and then, in the same run, the deliver
 * stage fans out through the Cloud Tasks emulator to every channel:
 *  - webhook: a loopback receiver gets `insight.created` (and `upload.ingested`, `job.completed`) and
 *    verifies each with the `standardwebhooks` library, not our code;
 *  - email: a real SMTP server on loopback (`smtp-server`, parsed by `mailparser`) receives the German email
 *    of this `de` user, with a working unsubscribe link;
 *  - push: the LOCAL ADAPTER of PushSender (push-local.ts; there is no FCM emulator) posts to a loopback
 *    push sink, which receives the notification for every live token and answers UNREGISTERED for one,
 *    which is then removed from users/{uid}/devices. (The real firebase-admin FCM client is tested against
 *    a loopback stand-in in push-fcm.test.ts.)
 * The job document shows each channel's outcome, seen live by an onSnapshot listener. All servers listen on
 * 127.0.0.1 with ephemeral ports, named to the emulated functions in system/deliverySinks (emulator only,
 * DELIVERY_EMULATOR_SINKS in functions/.env.demo-clarity).
 */
import { deleteApp, type FirebaseApp } from 'firebase/app';
import { doc, onSnapshot } from 'firebase/firestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paths } from '../../src/store/paths.ts';
import { adminDb, emulatorOrigin, eventually, projectId, signedUpClient } from '../support/emulators.ts';
import { realWeek } from '../support/pipeline.ts';
import { startPushSink, type PushSink } from '../support/push-sink.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp.ts';
import { startReceiver, type Receiver } from '../support/webhook-receiver.ts';

const apiUrl = `${emulatorOrigin('functions')}/${projectId}/us-central1/api`;
let app: FirebaseApp | undefined;
let receiver: Receiver;
let smtp: SmtpSink;
let push: PushSink;

beforeAll(async () => {
  receiver = await startReceiver();
  smtp = await startSmtpSink({ user: 'clarity', password: 'demo-smtp-password' });
  push = await startPushSink();
  await adminDb().doc(paths.deliverySinks()).set({ smtpPort: smtp.port, pushUrl: push.url });
});
afterAll(async () => {
  await adminDb().doc(paths.deliverySinks()).delete();
  await Promise.all([receiver?.close(), smtp?.close(), push?.close()]);
  if (app) await deleteApp(app);
});

interface Channel {
  status?: string;
  [k: string]: unknown;
}

describe('upload -> insight -> push, email and webhook', () => {
  it('delivers on every channel in one run, each outcome live on the job', async () => {
    const week = await realWeek();
    const email = `delivery-${Date.now()}@example.com`;
    const client = await signedUpClient('delivery-e2e', email);
    app = client.app;
    const { db, user } = client;
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${apiUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${await user.getIdToken()}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: (await res.json()) as { data: Record<string, unknown> } };
    };

    // The app's setup: German, email on; three devices (one of them no longer registered at "FCM"); a webhook.
    expect(
      (await api('PUT', '/v1/notifications/preferences', { locale: 'de', channels: { email: true } })).status,
    ).toBe(200);
    const tokens = [
      'e2e-token-phone-0123456789',
      'e2e-token-tablet-0123456789',
      'e2e-token-stale-0123456789',
    ];
    for (const t of tokens)
      expect((await api('PUT', `/v1/devices/${t}`, { platform: 'android' })).status).toBe(201);
    push.dead.add('e2e-token-stale-0123456789');
    const hook = await api('POST', '/v1/webhooks', { url: receiver.url });
    expect(hook.status).toBe(201);
    receiver.secrets.push(hook.body.data.secret as string);

    // One upload through the API.
    const up = await api('POST', '/v1/health/upload', { samples: week.samples, timezone: week.timezone });
    expect(up.status).toBe(202);
    const uploadId = up.body.data.uploadId as string;

    // The upload's job (admin lookup), then its document followed with the client SDK until every channel
    // has its final outcome.
    const jobId = await eventually(
      async () => {
        const q = await adminDb()
          .collection(paths.jobs(user.uid))
          .where('uploadId', '==', uploadId)
          .limit(1)
          .get();
        return q.docs[0]?.id;
      },
      180_000,
      250,
    );
    const seen: string[] = [];
    const delivery = await new Promise<Record<string, Channel>>((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`channels not final within 240 s; saw ${seen.join(' | ')}`)),
        240_000,
      );
      const stop = onSnapshot(
        doc(db, 'users', user.uid, 'jobs', jobId),
        (snap) => {
          const d = (snap.get('delivery') ?? {}) as Record<string, Channel>;
          const eps = Object.values((d.webhook?.endpoints ?? {}) as Record<string, Channel>);
          const line = `push:${d.push?.status ?? '-'} email:${d.email?.status ?? '-'} webhook:${eps.map((e) => e.status).join(',') || '-'}`;
          if (seen.at(-1) !== line) seen.push(line);
          const pushDone = ['sent', 'partial', 'failed'].includes(d.push?.status ?? '');
          const emailDone = ['sent', 'failed'].includes(d.email?.status ?? '');
          const hookDone = eps.length === 1 && eps.every((e) => e.status === 'delivered');
          if (pushDone && emailDone && hookDone) {
            clearTimeout(t);
            stop();
            resolve(d);
          }
        },
        reject,
      );
    });

    // The job document, as the listener saw it: every channel's outcome, having moved while we watched.
    expect(delivery.listener).toEqual({ status: 'delivered' });
    expect(delivery.push).toMatchObject({ status: 'partial', tokens: 3, sent: 2, failed: 1, removed: 1 });
    expect(delivery.email).toMatchObject({ status: 'sent', attempts: 1 });
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.some((l) => /push:(queued|-)|email:(queued|sending|-)/.test(l))).toBe(true);

    // Webhook: verified by the standardwebhooks library with the secret shown at registration.
    await receiver.waitFor(3, 60_000);
    const events = receiver.received.map((r) => ({
      ...r,
      json: JSON.parse(r.body) as { type: string; data: Record<string, unknown> },
    }));
    expect(events.every((e) => e.verifiedWith === 0)).toBe(true);
    const created = events.find((e) => e.json.type === 'insight.created');
    expect(created?.json.data).toMatchObject({ insightId: jobId, jobId, generator: 'rules' });
    expect(events.map((e) => e.json.type)).toEqual(
      expect.arrayContaining(['upload.ingested', 'insight.created', 'job.completed']),
    );
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);

    // Email: German, to the account's address, with a working unsubscribe link.
    const [mail] = await smtp.waitFor(1);
    expect(mail!.to).toEqual([email]);
    expect(mail!.user).toBe('clarity');
    expect(mail!.parsed.subject).toBe('Deine wöchentliche Schlafauswertung ist da');
    expect(mail!.parsed.text).toContain(`clarity://insights/${jobId}`);
    const unsubscribe = /(http:\/\/\S+\/v1\/notifications\/unsubscribe\?token=[A-Za-z0-9_.-]+)/.exec(
      mail!.parsed.text ?? '',
    )?.[1];
    expect(unsubscribe).toBeTruthy();

    // Push: every live token got it, generic German text, the deep link, no health value.
    expect(push.received.map((p) => p.token).sort()).toEqual(tokens.slice(0, 2).sort());
    for (const p of push.received) {
      expect(p.notification).toEqual({
        title: 'Clarity',
        body: 'Deine wöchentliche Schlafauswertung ist da',
      });
      expect(p.data).toEqual({
        type: 'insight.created',
        insightId: jobId,
        link: `clarity://insights/${jobId}`,
      });
    }
    const figures = Object.values(
      (await adminDb().doc(paths.insight(user.uid, jobId)).get()).get('figures') as Record<string, number>,
    )
      .filter((v) => typeof v === 'number' && Math.abs(v) >= 10)
      .map((v) => String(Math.round(v)));
    // What a push carries (notification and data), without the token, the sink's clock and the insight id,
    // whose digits are not health values (a timestamp ending in ...149201 once "contained" a figure 49).
    const pushed = JSON.stringify(
      push.received.map((r) => ({ notification: r.notification, data: r.data })),
    ).replaceAll(jobId, '<insightId>');
    for (const v of figures) expect(pushed).not.toContain(v);
    // The stale token is gone from the user's devices.
    const devices = await adminDb().collection(paths.devices(user.uid)).get();
    expect(devices.docs.map((d) => d.id).sort()).toEqual(tokens.slice(0, 2).sort());

    // The unsubscribe link from the email turns email off.
    const res = await fetch(unsubscribe!, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(
      ((await api('GET', '/v1/notifications/preferences')).body.data.channels as { email: boolean }).email,
    ).toBe(false);
  }, 420_000);
});
