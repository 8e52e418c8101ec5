/**
 * Webhook delivery on the Firestore emulator (own project, so demo-clarity's emulated triggers stay out):
 * the stage handlers are called directly with the in-process attempt queue (the local WebhookQueue adapter;
 * production enqueues Cloud Tasks), the receiver is a loopback server verifying with `standardwebhooks`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Firestore } from 'firebase-admin/firestore';
import {
  createEndpoint,
  emitEvent,
  rotateSecret,
  runAttempt,
  type WebhookDeps,
} from '../../src/delivery/webhooks.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { paths } from '../../src/store/paths.ts';
import { webhookDeadLetterId } from '../../src/store/dead-letter-docs.ts';
import { replayDeadLetter } from '../../src/pipeline/replay.ts';
import { deadLetterDocSchema } from '@clarity/core';
import { adminDb } from '../support/emulators.ts';
import { hang, LocalQueue, startReceiver, status, type Receiver } from '../support/webhook-receiver.ts';

const project = 'demo-clarity-delivery';
let db: Firestore;
let receivers: Receiver[] = [];
const run = Date.now().toString(36);
let seq = 0;

beforeAll(() => {
  db = adminDb(project);
});
afterEach(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  receivers = [];
});
afterAll(async () => {
  await db.terminate();
});

function setup(opts: { schedule?: number[]; timeoutMs?: number; overlapMs?: number } = {}) {
  let offset = 0;
  const queue = new LocalQueue();
  const deps: WebhookDeps = {
    db,
    log: createLogger({ test: 'webhooks' }),
    now: () => Date.now() + offset,
    policy: { allowLoopback: true, resolve: () => Promise.resolve(['127.0.0.1']) },
    timeoutMs: opts.timeoutMs ?? 2000,
    scheduleSeconds: opts.schedule ?? [0, 0.2, 0.2, 0.2, 0.2],
    rotationOverlapMs: opts.overlapMs ?? 24 * 3600_000,
    queue,
  };
  queue.run = (t) => runAttempt(deps, t);
  return { deps, queue, advance: (ms: number) => (offset += ms) };
}

async function receiverFor() {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}

async function job(uid: string, jobId: string) {
  await db.doc(`users/${uid}/jobs/${jobId}`).set({ status: 'complete', delivery: {} });
}

describe('webhook delivery', () => {
  it('retries 500, timeout and 429 (Retry-After) with the same webhook-id, then delivers once', async () => {
    const { deps, queue } = setup({ timeoutMs: 400 });
    const uid = `wh-retry-${run}`;
    const r = await receiverFor();
    r.script = [status(500), hang, status(429, { 'retry-after': '1' })];
    const { id, secret } = await createEndpoint(deps, uid, { url: r.url, eventTypes: ['insight.created'] });
    r.secrets.push(secret);
    await job(uid, 'job1');
    const event = {
      uid,
      type: 'insight.created' as const,
      subjectId: 'ins1',
      data: { insightId: 'ins1' },
      jobId: 'job1',
    };
    const { messageId } = await emitEvent(deps, event);
    await r.waitFor(4, 15_000);
    await queue.drain();
    // A redelivered deliver stage emits the same event again: no new message, delivery or attempt.
    await emitEvent(deps, event);
    await queue.drain();

    expect(r.received).toHaveLength(4);
    expect(new Set(r.received.map((x) => x.id))).toEqual(new Set([messageId]));
    expect(r.received.every((x) => x.verifiedWith === 0)).toBe(true);
    expect(new Set(r.received.map((x) => x.body)).size).toBe(1);
    expect(JSON.parse(r.received[0]!.body)).toMatchObject({
      type: 'insight.created',
      data: { insightId: 'ins1' },
    });
    // Retry-After: 1 beat the 0.2 s schedule.
    expect(r.received[3]!.at - r.received[2]!.at).toBeGreaterThanOrEqual(950);

    const attempts = await db.collection(paths.webhookAttempts(uid, id)).orderBy('attempt').get();
    expect(
      attempts.docs.map((d) => [
        d.get('attempt') as number,
        d.get('outcome') as string,
        d.get('statusCode') as number | null,
      ]),
    ).toEqual([
      [1, 'failed', 500],
      [2, 'failed', null],
      [3, 'failed', 429],
      [4, 'delivered', 204],
    ]);
    expect(attempts.docs[1]!.get('error')).toMatch(/timeout after 400 ms/);
    expect(attempts.docs[2]!.get('retryAfterSeconds')).toBe(1);
    const delivery = (await db.doc(paths.webhookDelivery(uid, id, messageId)).get()).data();
    expect(delivery).toMatchObject({
      status: 'delivered',
      attempts: 4,
      totalAttempts: 4,
      lastStatusCode: 204,
    });
    const jobDoc = (await db.doc(`users/${uid}/jobs/job1`).get()).data();
    expect(jobDoc?.delivery).toEqual({
      webhook: { endpoints: { [id]: { status: 'delivered', attempts: 4, lastStatusCode: 204, messageId } } },
    });
    expect((await db.collection(paths.webhookMessages(uid)).get()).size).toBe(1);
    const endpoint = (await db.doc(paths.webhook(uid, id)).get()).data();
    expect(endpoint).toMatchObject({ enabled: true, failingSince: null });
  });

  it('a 410 disables the endpoint; exhausted messages are dead and a replay re-sends with the same id', async () => {
    const { deps, queue } = setup({ schedule: [0, 0.1, 0.1] });
    const uid = `wh-410-${run}`;
    const r = await receiverFor();
    r.script = [status(500), status(500), status(500), status(204), status(410)];
    const { id, secret } = await createEndpoint(deps, uid, { url: r.url });
    r.secrets.push(secret);
    const first = await emitEvent(deps, {
      uid,
      type: 'job.completed',
      subjectId: 'j1',
      data: { jobId: 'j1' },
    });
    await r.waitFor(3);
    await queue.drain();
    expect((await db.doc(paths.webhookDelivery(uid, id, first.messageId)).get()).get('status')).toBe('dead');
    // Exhausted: it is in the project's dead letters, replayable like any other work.
    const dlId = webhookDeadLetterId(uid, id, first.messageId);
    expect(deadLetterDocSchema.parse((await db.doc(paths.deadLetter(dlId)).get()).data())).toMatchObject({
      stage: 'webhook',
      uid,
      endpointId: id,
      messageId: first.messageId,
      status: 'open',
      attempts: 3,
      replay: `npm run replay -- ${dlId}`,
      cause: { code: 'attempts_exhausted', message: 'delivery schedule exhausted: HTTP 500' },
    });

    // Replay of the dead letter (what `npm run replay -- ID` runs): a new round, the same webhook-id and body.
    const notHere = () => {
      throw new Error('a webhook replay runs no pipeline stage');
    };
    await replayDeadLetter(dlId, {
      db,
      log: deps.log,
      analyze: notHere,
      infer: notHere,
      insight: notHere,
      webhooks: () => deps,
    });
    expect((await db.doc(paths.deadLetter(dlId)).get()).get('status')).toBe('replayed');
    await r.waitFor(4);
    await queue.drain();
    expect(r.received[3]!.id).toBe(first.messageId);
    expect(r.received[3]!.body).toBe(r.received[0]!.body);
    expect(r.received[3]!.verifiedWith).toBe(0);
    const delivery = (await db.doc(paths.webhookDelivery(uid, id, first.messageId)).get()).data();
    expect(delivery).toMatchObject({ status: 'delivered', round: 2, attempts: 1, totalAttempts: 4 });
    expect((await db.collection(paths.webhookAttempts(uid, id)).get()).size).toBe(4);

    // 410 Gone: the endpoint is disabled, and the next event is not sent to it.
    await emitEvent(deps, { uid, type: 'job.completed', subjectId: 'j2', data: { jobId: 'j2' } });
    await r.waitFor(5);
    await queue.drain();
    expect((await db.doc(paths.webhook(uid, id)).get()).data()).toMatchObject({
      enabled: false,
      disabledReason: 'gone',
    });
    const third = await emitEvent(deps, {
      uid,
      type: 'job.completed',
      subjectId: 'j3',
      data: { jobId: 'j3' },
    });
    await queue.drain();
    expect(third.endpoints).toEqual([]);
    expect(r.received).toHaveLength(5);
  });

  it('rotation: both signatures during the overlap, only the new one after it (fake clock)', async () => {
    const { deps, queue, advance } = setup({ overlapMs: 60_000 });
    const uid = `wh-rotate-${run}-${seq++}`;
    const oldReceiver = await receiverFor();
    const { id, secret: oldSecret } = await createEndpoint(deps, uid, { url: oldReceiver.url });
    const rotated = await rotateSecret(deps, uid, id);
    oldReceiver.secrets.push(oldSecret, rotated.secret);
    expect(Date.parse(rotated.previousValidUntil) - deps.now()).toBeLessThanOrEqual(60_000);

    await emitEvent(deps, { uid, type: 'job.completed', subjectId: 'during', data: {} });
    await oldReceiver.waitFor(1);
    await queue.drain();
    const during = oldReceiver.received[0]!;
    expect(during.signature.split(' ')).toHaveLength(2);
    // A receiver that still has only the old secret verifies (index 0 = old secret).
    expect(during.verifiedWith).toBe(0);

    advance(90_000); // past the overlap (the receiver's 5-minute timestamp tolerance still holds)
    await emitEvent(deps, { uid, type: 'job.completed', subjectId: 'after', data: {} });
    await oldReceiver.waitFor(2);
    await queue.drain();
    const after = oldReceiver.received[1]!;
    expect(after.signature.split(' ')).toHaveLength(1);
    // Only the new secret verifies now.
    expect(after.verifiedWith).toBe(1);
    oldReceiver.secrets.splice(1, 1);
    const { Webhook } = await import('standardwebhooks');
    expect(() =>
      new Webhook(oldSecret).verify(after.body, {
        'webhook-id': after.id,
        'webhook-timestamp': after.timestamp,
        'webhook-signature': after.signature,
      }),
    ).toThrow();
  });
});
