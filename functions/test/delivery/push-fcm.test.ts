/**
 * The REAL firebase-admin messaging client (`sendEachForMulticast`, its legacy HTTP/1 transport) against a
 * local HTTP stand-in of the FCM HTTP v1 API on 127.0.0.1: there is no FCM emulator, so the app's
 * `httpAgent` connects every request for fcm.googleapis.com to the stand-in's loopback socket (plain HTTP;
 * no packet leaves loopback), and a fixed credential stands in for Google's token endpoint. What is asserted
 * is the wire format the real client produces from our PushSender (push-fcm.ts) and how FCM's answers are
 * read back: UNREGISTERED and invalid tokens are marked for deletion, other errors are kept as codes.
 * (The emulator end-to-end test uses the local adapter, push-local.ts, instead.)
 */
import { Agent as HttpsAgent } from 'node:https';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { deleteApp, initializeApp, type App } from 'firebase-admin/app';
import { getMessaging, type Messaging } from 'firebase-admin/messaging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fcmPushSender } from '../../src/delivery/push-fcm.ts';
import { maxTokensPerMulticast, pushMessage, sendToAll } from '../../src/delivery/push.ts';

interface Seen {
  method: string;
  path: string;
  host: string;
  authorization: string;
  body: { message: Record<string, unknown>; validate_only?: boolean };
}

let server: Server;
let port: number;
let app: App;
let messaging: Messaging;
const seen: Seen[] = [];

/** FCM v1's error body (google.rpc.Status with an FcmError detail). */
const fcmError = (code: number, status: string, errorCode: string, message: string) => ({
  error: {
    code,
    message,
    status,
    details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode }],
  },
});

function answer(token: string): [number, unknown] {
  if (token.startsWith('gone-'))
    return [404, fcmError(404, 'NOT_FOUND', 'UNREGISTERED', 'Requested entity was not found.')];
  if (token.startsWith('bad-'))
    return [
      400,
      fcmError(
        400,
        'INVALID_ARGUMENT',
        'INVALID_ARGUMENT',
        'The registration token is not a valid FCM registration token',
      ),
    ];
  if (token.startsWith('busy-'))
    return [503, fcmError(503, 'UNAVAILABLE', 'UNAVAILABLE', 'The service is currently unavailable.')];
  return [200, { name: `projects/demo-fcm/messages/${token.slice(0, 12)}` }];
}

/** Every connection the client opens for https://fcm.googleapis.com goes to the stand-in on loopback. */
class LoopbackAgent extends HttpsAgent {
  override createConnection(): ReturnType<typeof connect> {
    return connect(port, '127.0.0.1');
  }
}

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Seen['body'];
      seen.push({
        method: req.method ?? '',
        path: req.url ?? '',
        host: req.headers.host ?? '',
        authorization: req.headers.authorization ?? '',
        body,
      });
      const [status, json] = answer(String(body.message.token));
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  app = initializeApp(
    {
      projectId: 'demo-fcm',
      httpAgent: new LoopbackAgent({ keepAlive: false }),
      credential: {
        getAccessToken: () => Promise.resolve({ access_token: 'test-access-token', expires_in: 3600 }),
      },
    },
    'push-fcm-test',
  );
  messaging = getMessaging(app);
  messaging.enableLegacyHttpTransport();
});
afterAll(async () => {
  await deleteApp(app);
  await new Promise((r) => server.close(r));
});

describe('FCM push through the real firebase-admin client (loopback stand-in)', () => {
  it('sends the FCM v1 wire format, one request per token, generic text and the deep link', async () => {
    seen.length = 0;
    const sender = fcmPushSender(() => messaging);
    const msg = pushMessage({ locale: 'de', pushHealthValues: false }, 'job-42', {
      'sleep.meanTotalSleepMinutes': 431,
    });
    const results = await sender.sendMulticast(['tok-a-0123456789', 'tok-b-0123456789'], msg);
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(seen).toHaveLength(2);
    const first = seen.find((s) => s.body.message.token === 'tok-a-0123456789')!;
    expect(first.method).toBe('POST');
    expect(first.host).toBe('fcm.googleapis.com');
    expect(first.path).toBe('/v1/projects/demo-fcm/messages:send');
    expect(first.authorization).toBe('Bearer test-access-token');
    expect(first.body).toEqual({
      message: {
        token: 'tok-a-0123456789',
        notification: { title: 'Clarity', body: 'Deine wöchentliche Schlafauswertung ist da' },
        data: { type: 'insight.created', insightId: 'job-42', link: 'clarity://insights/job-42' },
        android: { priority: 'high', notification: { tag: 'job-42' } },
        apns: { payload: { aps: { 'thread-id': 'insights' } } },
      },
    });
    // No health value anywhere in what left the process (the user did not opt in).
    expect(JSON.stringify(seen)).not.toMatch(/431|7 h|11 min/);
  });

  it('chunks 1 201 tokens into 500 + 500 + 201 and reads UNREGISTERED, invalid and transient answers', async () => {
    seen.length = 0;
    const calls: number[] = [];
    const real = fcmPushSender(() => messaging);
    const counting = {
      sendMulticast: (t: string[], m: ReturnType<typeof pushMessage>) => (
        calls.push(t.length),
        real.sendMulticast(t, m)
      ),
    };
    const tokens = Array.from({ length: 1201 }, (_, i) =>
      i % 100 === 7
        ? `gone-${i}-abcdefghij`
        : i % 100 === 8
          ? `bad-${i}-abcdefghij`
          : i === 9
            ? `busy-${i}-abcdefghij`
            : `tok-${i}-abcdefghij`,
    );
    const results = await sendToAll(
      counting,
      tokens,
      pushMessage({ locale: 'en', pushHealthValues: false }, 'i1', {}),
    );
    expect(maxTokensPerMulticast).toBe(500);
    expect(calls).toEqual([500, 500, 201]);
    // One request per token; firebase-admin itself retries the 503 (with backoff) before giving up.
    expect(new Set(seen.map((x) => x.body.message.token)).size).toBe(1201);
    expect(seen.filter((x) => x.body.message.token === 'busy-9-abcdefghij').length).toBeGreaterThan(1);
    expect(seen.length - 1201).toBe(
      seen.filter((x) => x.body.message.token === 'busy-9-abcdefghij').length - 1,
    );
    expect(results.map((r) => r.token)).toEqual(tokens);
    const dead = results.filter((r) => r.unregistered).map((r) => r.token);
    expect(dead).toHaveLength(24); // 12 gone-, 12 bad-
    expect(dead.every((t) => /^(gone|bad)-/.test(t))).toBe(true);
    expect(results.find((r) => r.token.startsWith('gone-'))?.error).toBe(
      'messaging/registration-token-not-registered',
    );
    const busy = results.find((r) => r.token.startsWith('busy-'))!;
    expect(busy).toMatchObject({ ok: false, unregistered: false });
    expect(busy.error).toMatch(/^messaging\//);
    expect(results.filter((r) => r.ok)).toHaveLength(1201 - 25);
  });

  it('puts the mean sleep in the text only with the opt-in, localised', () => {
    const figures = { 'sleep.meanTotalSleepMinutes': 431.4 };
    expect(pushMessage({ locale: 'es', pushHealthValues: false }, 'x', figures).body).toBe(
      'Tu análisis semanal de sueño está listo',
    );
    expect(pushMessage({ locale: 'en', pushHealthValues: true }, 'x', figures).body).toBe(
      'Your weekly sleep insight is ready · Mean sleep 7 h 11 min',
    );
  });
});
