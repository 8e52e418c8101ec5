/**
 * The email channel as a `mail` document state machine, in the style of the Firebase "Trigger Email"
 * extension: the deliver stage creates mail/{id} (deterministic id per user and insight: created once)
 * in state PENDING with its template and locale; the mail task (one per document, deterministic task id)
 * claims it in a transaction (PROCESSING, with a lease and the attempt counted), renders the template
 * (with the signed unsubscribe link, whose key only the mail task holds), sends it over SMTP and
 * ends it in SUCCESS (with the server's answer) or ERROR (with the error). A failed send throws, so the
 * platform retries the task; a redelivered task finds SUCCESS and sends nothing, and one that finds another
 * attempt still inside its lease waits for the next retry. The job document shows the state
 * (`delivery.email`) live.
 */
import { createHash } from 'node:crypto';
import { FieldValue, Timestamp, type Firestore } from 'firebase-admin/firestore';
import { insightLocales } from '@clarity/core';
import { z } from 'zod';
import type { Logger } from '../platform/logger.ts';
import { converter, readSnapshot } from '../store/converters.ts';
import { paths } from '../store/paths.ts';
import { insightEmail, type MailMessage } from './mail-template.ts';
import type { MailTransport } from './mail-transport.ts';

const mailStates = ['PENDING', 'PROCESSING', 'SUCCESS', 'ERROR'] as const;
export type MailState = (typeof mailStates)[number];

const timestamp = z.custom<Timestamp>((v) => v instanceof Timestamp, 'a Timestamp');

const mailDocSchema = z.object({
  uid: z.string(),
  to: z.string(),
  locale: z.enum(insightLocales),
  jobId: z.string().nullable(),
  insightId: z.string().nullable(),
  /** What to render at send time (mail-template.ts); only the insight email exists today. */
  template: z.object({ name: z.literal('insight'), data: z.object({ insightId: z.string() }) }),
  createdAt: timestamp,
  delivery: z.object({
    state: z.enum(mailStates),
    attempts: z.number().int(),
    startTime: timestamp.nullable(),
    endTime: timestamp.nullable(),
    leaseExpireTime: timestamp.nullable(),
    error: z.string().nullable(),
    info: z
      .object({
        messageId: z.string(),
        accepted: z.array(z.string()),
        rejected: z.array(z.string()),
        response: z.string(),
      })
      .nullable(),
  }),
});
export type MailDoc = z.infer<typeof mailDocSchema>;
const mailConverter = converter('mail', mailDocSchema);

export interface MailTask {
  mailId: string;
}

export interface MailDeps {
  db: Firestore;
  log: Logger;
  now: () => number;
  transport: MailTransport | null;
  /** How long a PROCESSING claim holds off another attempt. */
  leaseMs: number;
  /** After this many attempts an ERROR stays an ERROR (the task is not retried). */
  maxAttempts: number;
  /** The signed unsubscribe link of a user; null when no signing secret or public URL is configured. */
  unsubscribeUrl: (uid: string) => string | null;
}

/** The message of a mail document, in its locale, with the user's unsubscribe link. */
export function renderMail(d: Pick<MailDoc, 'locale' | 'template'>, unsubscribeUrl: string): MailMessage {
  return insightEmail(d.locale, d.template.data.insightId, unsubscribeUrl);
}

export function mailIdFor(uid: string, kind: string, subjectId: string): string {
  const h = createHash('sha256').update(`${uid}\u0000${kind}\u0000${subjectId}`).digest('base64url');
  return `mail_${h.slice(0, 26)}`;
}

/** Creates the PENDING document once; returns false when it already existed. */
export async function createMail(
  db: Firestore,
  mailId: string,
  input: Pick<MailDoc, 'uid' | 'to' | 'locale' | 'jobId' | 'insightId' | 'template'>,
  nowMs: number,
): Promise<boolean> {
  const doc: MailDoc = {
    ...input,
    createdAt: Timestamp.fromMillis(nowMs),
    delivery: {
      state: 'PENDING',
      attempts: 0,
      startTime: null,
      endTime: null,
      leaseExpireTime: null,
      error: null,
      info: null,
    },
  };
  try {
    await db.doc(paths.mail(mailId)).create(doc);
    return true;
  } catch (e) {
    if ((e as { code?: number }).code === 6) return false; // ALREADY_EXISTS: the same email
    throw e;
  }
}

async function jobUpdate(db: Firestore, d: MailDoc, mailId: string, fields: Record<string, unknown>) {
  if (!d.jobId) return;
  try {
    await db.doc(paths.job(d.uid, d.jobId)).update({
      'delivery.email': { mailId, ...fields },
      updatedAt: FieldValue.serverTimestamp(),
    });
  } catch (e) {
    if ((e as { code?: number }).code !== 5) throw e; // the job is gone (account deleted)
  }
}

type Claim =
  { kind: 'claimed'; doc: MailDoc; attempt: number } | { kind: 'skip'; why: string } | { kind: 'busy' };

/** The task's handler: PENDING|ERROR → PROCESSING → SUCCESS|ERROR. */
export async function processMail(deps: MailDeps, task: MailTask): Promise<MailState | 'skipped'> {
  const { db } = deps;
  const ref = db.doc(paths.mail(task.mailId));
  const log = deps.log.child({ mailId: task.mailId });
  const nowMs = deps.now();
  const claim = await db.runTransaction(async (tx): Promise<Claim> => {
    const snap = await tx.get(ref);
    const d = readSnapshot(mailConverter, snap);
    if (!d) return { kind: 'skip', why: 'gone' };
    const st = d.delivery.state;
    if (st === 'SUCCESS') return { kind: 'skip', why: 'already sent' };
    if (st === 'PROCESSING' && (d.delivery.leaseExpireTime?.toMillis() ?? 0) > nowMs) return { kind: 'busy' };
    if (d.delivery.attempts >= deps.maxAttempts) return { kind: 'skip', why: 'attempts exhausted' };
    const attempt = d.delivery.attempts + 1;
    tx.update(ref, {
      'delivery.state': 'PROCESSING',
      'delivery.attempts': attempt,
      'delivery.startTime': Timestamp.fromMillis(nowMs),
      'delivery.leaseExpireTime': Timestamp.fromMillis(nowMs + deps.leaseMs),
      'delivery.error': null,
    });
    return { kind: 'claimed', doc: d, attempt };
  });
  if (claim.kind === 'busy') throw new Error('another attempt holds the lease; retrying later');
  if (claim.kind === 'skip') {
    log.info('mail.skipped', { reason: claim.why });
    return 'skipped';
  }
  const { doc, attempt } = claim;
  /** Ends this attempt: the lease is released, the outcome stored. */
  const end = (state: 'SUCCESS' | 'ERROR', fields: Record<string, unknown>) =>
    ref.update({
      'delivery.state': state,
      'delivery.endTime': Timestamp.fromMillis(deps.now()),
      'delivery.leaseExpireTime': null,
      ...fields,
    });
  await jobUpdate(db, doc, task.mailId, { status: 'sending', attempts: attempt });
  const unsubscribe = deps.unsubscribeUrl(doc.uid);
  if (!deps.transport || !unsubscribe) {
    const error = deps.transport
      ? 'no unsubscribe link (SIGNING_SECRET or PUBLIC_API_URL unset)'
      : 'no SMTP server configured';
    await end('ERROR', { 'delivery.error': error });
    await jobUpdate(db, doc, task.mailId, { status: 'not_configured', attempts: attempt });
    log.warn('mail.not_configured', { error });
    return 'ERROR';
  }
  try {
    const info = await deps.transport.send(doc.to, renderMail(doc, unsubscribe));
    await end('SUCCESS', { 'delivery.info': info });
    await jobUpdate(db, doc, task.mailId, { status: 'sent', attempts: attempt });
    log.info('mail.sent', { attempt, accepted: info.accepted.length, rejected: info.rejected.length });
    return 'SUCCESS';
  } catch (e) {
    // The SMTP error text (a reply code and the server's words), never the message or the password.
    const error = ((e as Error).message || 'send failed').slice(0, 300);
    const final = attempt >= deps.maxAttempts;
    await end('ERROR', { 'delivery.error': error });
    await jobUpdate(db, doc, task.mailId, {
      status: final ? 'failed' : 'retrying',
      attempts: attempt,
      error,
    });
    log.warn('mail.failed', { attempt, final, error });
    if (!final) throw new Error(`mail ${task.mailId} attempt ${attempt} failed; retrying`, { cause: e });
    return 'ERROR';
  }
}
