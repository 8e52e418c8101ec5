/**
 * Production wiring of the push and email channels: Cloud Tasks queues (`pushDelivery`, `mailDelivery`,
 * delivery/triggers.ts), FCM through firebase-admin, nodemailer over the SMTP params. On the emulators with
 * DELIVERY_EMULATOR_SINKS, push goes to the local adapter and email to the loopback SMTP server named in
 * system/deliverySinks (delivery/emulator-sinks.ts).
 */
import type { Firestore } from 'firebase-admin/firestore';
import { getMessaging } from 'firebase-admin/messaging';
import {
  mailFrom,
  publicApiUrl,
  runtime,
  signingSecret,
  smtpHost,
  smtpPassword,
  smtpPort,
  smtpUser,
} from '../platform/config.ts';
import type { Logger } from '../platform/logger.ts';
import { adminApp, auth } from '../platform/services.ts';
import { signingSecretFor } from '../api/signing.ts';
import type { ChannelDeps } from './channels.ts';
import { readSinks } from './emulator-sinks.ts';
import type { MailDeps, MailTask } from './mail.ts';
import { smtpTransport, type MailTransport } from './mail-transport.ts';
import { fcmPushSender } from './push-fcm.ts';
import { localPushSender } from './push-local.ts';
import type { PushDeps, PushTask } from './push.ts';
import { cloudTasksQueue } from './task-queue.ts';
import { unsubscribeToken } from './unsubscribe.ts';

export const pushQueueName = 'pushDelivery';
export const mailQueueName = 'mailDelivery';
/** Attempts of one email (the mail task's retryConfig uses the same number). */
export const mailMaxAttempts = 5;

export function channelDeps(): ChannelDeps {
  return {
    pushQueue: cloudTasksQueue<PushTask>(pushQueueName),
    mailQueue: cloudTasksQueue<MailTask>(mailQueueName),
    emailOf: async (uid) => {
      try {
        return (await auth().getUser(uid)).email ?? null;
      } catch (e) {
        if ((e as { code?: string }).code === 'auth/user-not-found') return null;
        throw e;
      }
    },
  };
}

export async function pushDeps(db: Firestore, log: Logger): Promise<PushDeps> {
  const sinks = await readSinks(db);
  const sender = sinks?.pushUrl
    ? localPushSender(sinks.pushUrl)
    : fcmPushSender(() => getMessaging(adminApp()));
  return { db, log, sender };
}

/** The signed unsubscribe link, from the signing secret and the public URL (null when either is unset). */
export function unsubscribeLinks(): (uid: string) => string | null {
  const base = publicApiUrl.value().replace(/\/+$/, '');
  let secret: string | undefined;
  try {
    secret = signingSecretFor(signingSecret.value(), runtime.isEmulator);
  } catch {
    secret = undefined;
  }
  return (uid) =>
    secret && base ? `${base}/v1/notifications/unsubscribe?token=${unsubscribeToken(secret, uid)}` : null;
}

export async function mailDeps(db: Firestore, log: Logger): Promise<MailDeps> {
  const sinks = await readSinks(db);
  const common = { user: smtpUser.value(), password: smtpPassword.value(), from: mailFrom.value() };
  let transport: MailTransport | null = null;
  if (sinks?.smtpPort) {
    transport = smtpTransport({ ...common, host: '127.0.0.1', port: sinks.smtpPort, ignoreTls: true });
  } else if (smtpHost.value()) {
    transport = smtpTransport({ ...common, host: smtpHost.value(), port: smtpPort.value() });
  }
  return {
    db,
    log,
    now: Date.now,
    transport,
    leaseMs: 60_000,
    maxAttempts: mailMaxAttempts,
    unsubscribeUrl: unsubscribeLinks(),
  };
}
