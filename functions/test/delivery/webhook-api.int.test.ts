/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return -- JSON bodies are read as `any` by design: tests assert their shape */
/**
 * The webhook API on the Auth and Firestore emulators (the real app, its own Firestore project): SSRF
 * refusals with a clear 400 (stubbed resolver: nothing resolves a real name, and the only socket opened is
 * to a loopback server), the secret shown once, test event verified by `standardwebhooks`, attempts listed,
 * rotation, disable, delete.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/platform/logger.ts';
import { adminDb } from '../support/emulators.ts';
import { startGateway, userWithRoles, type Gateway } from '../support/gateway.ts';
import {
  localWebhookDeps,
  startReceiver,
  type LocalQueue,
  type Receiver,
} from '../support/webhook-receiver.ts';

const project = 'demo-clarity-webhook-api';
const records: Record<string, string[]> = {
  'internal.example.com': ['10.1.2.3'],
  'receiver.test': ['127.0.0.1'],
};
let gw: Gateway;
let receiver: Receiver;
let redirector: Server;
let redirectUrl: string;
let queue: LocalQueue;
let user: { uid: string; token: string };

beforeAll(async () => {
  const local = localWebhookDeps(adminDb(project), createLogger({ test: 'webhook-api' }), records);
  queue = local.queue;
  gw = await startGateway(project, { webhooks: local.deps });
  receiver = await startReceiver();
  redirector = createServer((_q, s) => s.writeHead(302, { location: 'http://10.0.0.1/steal' }).end());
  await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r));
  redirectUrl = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/hook`;
  user = await userWithRoles('webhook-api');
});
afterAll(async () => {
  await gw?.close();
  await receiver?.close();
  redirector?.close();
});

const call = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${gw.base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${user.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as any };
};

describe('webhook API', () => {
  it('refuses private, metadata, resolving-to-private and redirecting URLs with a clear 400', async () => {
    const cases: [string, RegExp][] = [
      ['http://10.0.0.1/', /10\.0\.0\.1 is a private/],
      ['https://169.254.169.254/', /169\.254\.169\.254 is a link-local \(cloud metadata\) address/],
      [
        'https://metadata.google.internal/',
        /metadata\.google\.internal is a cloud metadata or internal name/,
      ],
      ['https://internal.example.com/hook', /internal\.example\.com resolves to 10\.1\.2\.3/],
      [redirectUrl, /redirects to a refused address \(10\.0\.0\.1 is a private/],
    ];
    for (const [url, why] of cases) {
      const r = await call('POST', '/v1/webhooks', { url });
      expect(r.status, url).toBe(400);
      expect(r.body.error.code).toBe('invalid_input');
      expect(r.body.error.message, url).toMatch(/^webhook URL refused: /);
      expect(r.body.error.message, url).toMatch(why);
      expect(r.body.error.details[0].path).toEqual(['body', 'url']);
    }
    expect((await call('GET', '/v1/webhooks')).body.data.items).toEqual([]);
  });

  it('registers, shows the secret once, sends a verified test event, rotates, disables and deletes', async () => {
    const url = receiver.url.replace('127.0.0.1', 'receiver.test');
    const created = await call('POST', '/v1/webhooks', { url, eventTypes: ['insight.created'] });
    expect(created.status).toBe(201);
    const { id, secret } = created.body.data;
    expect(secret).toMatch(/^whsec_/);
    receiver.secrets.push(secret);
    const listed = await call('GET', '/v1/webhooks');
    expect(listed.body.data.items).toEqual([expect.objectContaining({ id, url, enabled: true })]);
    expect(JSON.stringify(listed.body)).not.toContain('whsec_');
    // The secret is nowhere under users/{uid} (what clients may read).
    const userDocs = await adminDb(project).collection(`users/${user.uid}/webhooks`).get();
    expect(JSON.stringify(userDocs.docs.map((d) => d.data()))).not.toContain('whsec_');

    const test = await call('POST', `/v1/webhooks/${id}/test`);
    expect(test.status).toBe(202);
    await receiver.waitFor(1);
    await queue.drain();
    expect(receiver.received[0]).toMatchObject({ id: test.body.data.messageId, verifiedWith: 0 });
    expect(JSON.parse(receiver.received[0]!.body)).toMatchObject({ type: 'webhook.test' });
    const attempts = await call('GET', `/v1/webhooks/${id}/attempts`);
    expect(attempts.body.data.items).toEqual([
      expect.objectContaining({ messageId: test.body.data.messageId, attempt: 1, outcome: 'delivered' }),
    ]);

    const rotated = await call('POST', `/v1/webhooks/${id}/rotate`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.data.secret).toMatch(/^whsec_/);
    expect(rotated.body.data.secret).not.toBe(secret);

    const replayed = await call('POST', `/v1/webhooks/${id}/replay`, { messageId: test.body.data.messageId });
    expect(replayed.status).toBe(202);
    await receiver.waitFor(2);
    await queue.drain();
    expect(receiver.received[1]!.id).toBe(test.body.data.messageId);
    expect(receiver.received[1]!.signature.split(' ')).toHaveLength(2);

    const off = await call('PATCH', `/v1/webhooks/${id}`, { enabled: false });
    expect(off.body.data).toMatchObject({ enabled: false, disabledReason: 'user' });
    const bad = await call('PATCH', `/v1/webhooks/${id}`, { url: 'https://169.254.169.254/x' });
    expect(bad.status).toBe(400);
    expect((await call('DELETE', `/v1/webhooks/${id}`)).status).toBe(200);
    expect((await call('GET', `/v1/webhooks/${id}`)).status).toBe(404);
    const audit = await adminDb(project).collection('audit').where('targetUid', '==', user.uid).get();
    expect(audit.docs.map((d) => d.get('action')).sort()).toEqual([
      'webhook.create',
      'webhook.delete',
      'webhook.replay',
      'webhook.rotate',
      'webhook.update',
    ]);
  });
});
