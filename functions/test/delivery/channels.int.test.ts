/* eslint-disable @typescript-eslint/no-unsafe-member-access -- Firestore documents are read as `any` by design: tests assert their shape */
/**
 * Push and email channels on the Firestore emulator (own project, so demo-clarity's emulated triggers stay
 * out), with the handlers called directly through the in-process task queue (LocalQueue; production uses
 * Cloud Tasks). Push goes through the local adapter (push-local.ts) to a loopback push sink; the real FCM
 * client's wire format is tested in push-fcm.test.ts. Email goes through nodemailer to a real SMTP server on
 * loopback. A fixed clock puts "now" inside the user's quiet hours.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Firestore } from 'firebase-admin/firestore';
import { fanOutChannels, type ChannelDeps } from '../../src/delivery/channels.ts';
import { processMail, type MailDeps, type MailTask } from '../../src/delivery/mail.ts';
import { smtpTransport } from '../../src/delivery/mail-transport.ts';
import { readPrefs, writePrefs } from '../../src/delivery/preferences.ts';
import { localPushSender } from '../../src/delivery/push-local.ts';
import { deliverPush, type PushTask } from '../../src/delivery/push.ts';
import { structuredLogger } from '@clarity/core';
import { collections, paths } from '../../src/store/paths.ts';
import { adminDb } from '../support/emulators.ts';
import { startPushSink, type PushSink } from '../support/push-sink.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp.ts';
import { LocalQueue } from '../support/webhook-receiver.ts';

const project = 'demo-clarity-channels';
const run = Date.now().toString(36);
let db: Firestore;
let push: PushSink;
let smtp: SmtpSink;

beforeAll(async () => {
  db = adminDb(project);
  push = await startPushSink();
  smtp = await startSmtpSink();
});
afterEach(() => {
  push.received.length = 0;
  smtp.received.length = 0;
});
afterAll(async () => {
  await push.close();
  await smtp.close();
  await db.terminate();
});

/** Every log line the handlers write: none may carry a health value. */
const logged: unknown[] = [];
const log = structuredLogger((e) => void logged.push(e), { test: 'channels' });

/** Queues that record each task and its delay, and run it after `scale` × the delay. */
function setup(nowMs: number, scale = 0) {
  const pushQueue = new LocalQueue<PushTask>(scale);
  const mailQueue = new LocalQueue<MailTask>(scale);
  const mail: MailDeps = {
    db,
    log,
    now: () => Date.now(),
    transport: smtpTransport({
      host: '127.0.0.1',
      port: smtp.port,
      user: '',
      password: '',
      from: 'Clarity <c@clarity.invalid>',
      ignoreTls: true,
    }),
    leaseMs: 60_000,
    maxAttempts: 3,
    unsubscribeUrl: (uid) => `http://127.0.0.1:1/v1/notifications/unsubscribe?token=t-${uid}`,
  };
  pushQueue.run = (t) => deliverPush({ db, log, sender: localPushSender(push.url) }, t);
  mailQueue.run = (t) => processMail(mail, t).catch(() => 'thrown');
  const channels: ChannelDeps = {
    pushQueue,
    mailQueue,
    emailOf: () => Promise.resolve('anna@example.com'),
  };
  return { deps: { db, log, now: () => nowMs, channels }, pushQueue, mailQueue, mail };
}

async function userWithJob(uid: string, jobId: string, tokens: string[]) {
  await db.doc(paths.user(uid)).set({ locale: 'de-DE', timezone: 'Europe/Berlin' });
  await db.doc(paths.job(uid, jobId)).set({ status: 'complete', delivery: {} });
  await db.doc(paths.insight(uid, jobId)).set({ figures: { 'sleep.meanTotalSleepMinutes': 431 } });
  for (const t of tokens) await db.doc(paths.device(uid, t)).set({ platform: 'android' });
}

describe('push and email channels', () => {
  it('pushes to every token in the user locale, removes an unregistered token, and records it on the job', async () => {
    const uid = `ch-push-${run}`;
    const tokens = ['tok-1-aaaaaaaaaaaaaaaa', 'tok-2-bbbbbbbbbbbbbbbb', 'tok-dead-cccccccccccccc'];
    await userWithJob(uid, 'j1', tokens);
    push.dead.add('tok-dead-cccccccccccccc');
    const { deps, pushQueue } = setup(Date.parse('2026-12-02T12:00:00Z'));
    const prefs = await readPrefs(db, uid);
    expect(prefs).toMatchObject({
      locale: 'de',
      timezone: 'Europe/Berlin',
      channels: { push: true, email: false },
    });
    const due = await fanOutChannels(deps, {
      uid,
      jobId: 'j1',
      insightId: 'j1',
      prefs,
      flags: { push: true, email: true },
      existing: {},
    });
    expect(due).toEqual(['push']);
    await pushQueue.drain();
    expect(push.received.map((r) => r.token).sort()).toEqual(tokens.slice(0, 2));
    expect(push.received[0]!.notification).toEqual({
      title: 'Clarity',
      body: 'Deine wöchentliche Schlafauswertung ist da',
    });
    expect(push.received[0]!.data).toEqual({
      type: 'insight.created',
      insightId: 'j1',
      link: 'clarity://insights/j1',
    });
    expect(JSON.stringify(push.received)).not.toMatch(/431|7 h/);
    const left = await db.collection(paths.devices(uid)).get();
    expect(left.docs.map((d) => d.id).sort()).toEqual(tokens.slice(0, 2));
    const job = (await db.doc(paths.job(uid, 'j1')).get()).data()!;
    expect(job.delivery.push).toMatchObject({ status: 'partial', tokens: 3, sent: 2, failed: 1, removed: 1 });
    expect(job.delivery.email).toEqual({ status: 'off' });
    // A redelivered task sends nothing again.
    await deliverPush(
      { db, log: deps.log, sender: localPushSender(push.url) },
      { uid, jobId: 'j1', insightId: 'j1' },
    );
    expect(push.received).toHaveLength(2);
  });

  it('quiet hours in the user zone delay the push to the end of the window', async () => {
    const uid = `ch-quiet-${run}`;
    await userWithJob(uid, 'j2', ['tok-q-dddddddddddddddd']);
    await writePrefs(db, uid, { quietHours: { start: '22:00', end: '07:00' } });
    // 23:30 in Berlin (UTC+1 in December): the window ends at 07:00 Berlin = 06:00 UTC, 6.5 h later.
    const now = Date.parse('2026-12-02T22:30:00Z');
    const { deps, pushQueue } = setup(now, 0);
    const prefs = await readPrefs(db, uid);
    await fanOutChannels(deps, {
      uid,
      jobId: 'j2',
      insightId: 'j2',
      prefs,
      flags: { push: true, email: true },
      existing: {},
    });
    expect(pushQueue.enqueued).toHaveLength(1);
    expect(pushQueue.enqueued[0]!.delaySeconds).toBe(7.5 * 3600);
    const job = (await db.doc(paths.job(uid, 'j2')).get()).data()!;
    expect(job.delivery.push).toEqual({
      status: 'delayed',
      sendAt: '2026-12-03T06:00:00.000Z',
      reason: 'quiet hours',
    });
    await pushQueue.drain();
  });

  it('email: PENDING → PROCESSING → ERROR (server busy) → retried → SUCCESS, German, counted', async () => {
    const uid = `ch-mail-${run}`;
    await userWithJob(uid, 'j3', []);
    await writePrefs(db, uid, { channels: { email: true } });
    smtp.refuseNext = 1;
    const { deps, mailQueue, mail } = setup(Date.now());
    const prefs = await readPrefs(db, uid);
    const due = await fanOutChannels(deps, {
      uid,
      jobId: 'j3',
      insightId: 'j3',
      prefs,
      flags: { push: true, email: true },
      existing: {},
    });
    expect(due).toEqual(['email']);
    await mailQueue.drain();
    const mailId = mailQueue.enqueued[0]!.task.mailId;
    let doc = (await db.doc(paths.mail(mailId)).get()).data()!;
    expect(doc.delivery).toMatchObject({ state: 'ERROR', attempts: 1 });
    expect(doc.delivery.error).toMatch(/451/);
    expect((await db.doc(paths.job(uid, 'j3')).get()).get('delivery.email')).toMatchObject({
      status: 'retrying',
      attempts: 1,
      mailId,
    });
    // The platform's retry of the same task.
    expect(await processMail(mail, { mailId })).toBe('SUCCESS');
    doc = (await db.doc(paths.mail(mailId)).get()).data()!;
    expect(doc.delivery).toMatchObject({ state: 'SUCCESS', attempts: 2, error: null });
    expect(doc.delivery.info.accepted).toEqual(['anna@example.com']);
    const [got] = await smtp.waitFor(1);
    expect(got!.parsed.subject).toBe('Deine wöchentliche Schlafauswertung ist da');
    expect(got!.parsed.text).toContain(`unsubscribe?token=t-${uid}`);
    expect((await db.doc(paths.job(uid, 'j3')).get()).get('delivery.email')).toMatchObject({
      status: 'sent',
      attempts: 2,
    });
    // Redelivered: nothing sent twice; a second fan-out makes no second mail.
    expect(await processMail(mail, { mailId })).toBe('skipped');
    await fanOutChannels(deps, {
      uid,
      jobId: 'j3',
      insightId: 'j3',
      prefs,
      flags: { push: true, email: true },
      existing: { email: {} },
    });
    await mailQueue.drain();
    expect(smtp.received).toHaveLength(1);
    expect((await db.collection(collections.mail).where('uid', '==', uid).get()).size).toBe(1);
  });

  it('a claim inside another attempt lease waits (throws for a platform retry) instead of sending twice', async () => {
    const uid = `ch-lease-${run}`;
    await userWithJob(uid, 'j4', []);
    await writePrefs(db, uid, { channels: { email: true } });
    const { deps, mailQueue, mail } = setup(Date.now());
    const slow: MailDeps = {
      ...mail,
      transport: {
        send: () =>
          new Promise((r) =>
            setTimeout(() => r({ messageId: 'm', accepted: ['a'], rejected: [], response: '250' }), 300),
          ),
      },
    };
    mailQueue.run = () => Promise.resolve();
    await fanOutChannels(deps, {
      uid,
      jobId: 'j4',
      insightId: 'j4',
      prefs: await readPrefs(db, uid),
      flags: { push: true, email: true },
      existing: {},
    });
    const mailId = mailQueue.enqueued[0]!.task.mailId;
    const first = processMail(slow, { mailId });
    await new Promise((r) => setTimeout(r, 100));
    await expect(processMail(slow, { mailId })).rejects.toThrow(/lease/);
    expect(await first).toBe('SUCCESS');
    expect((await db.doc(paths.mail(mailId)).get()).get('delivery.attempts')).toBe(1);
  });
});
