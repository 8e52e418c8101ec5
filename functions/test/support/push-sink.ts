/**
 * The loopback push sink the local push adapter (functions/src/delivery/push-local.ts) posts to on the
 * emulators, standing in for FCM: it records every notification per token and answers UNREGISTERED for the
 * tokens it is told are dead. Listens on 127.0.0.1, an ephemeral port.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PushReceived {
  token: string;
  notification: { title: string; body: string };
  data: Record<string, string>;
  at: number;
}

export interface PushSink {
  url: string;
  received: PushReceived[];
  /** Tokens answered with UNREGISTERED. */
  dead: Set<string>;
  waitFor(n: number, timeoutMs?: number): Promise<PushReceived[]>;
  close(): Promise<void>;
}

export async function startPushSink(): Promise<PushSink> {
  const waiters: { n: number; resolve: () => void }[] = [];
  const sink: PushSink = {
    url: '',
    received: [],
    dead: new Set(),
    waitFor: (n, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        if (sink.received.length >= n) return resolve(sink.received);
        const t = setTimeout(
          () => reject(new Error(`push sink got ${sink.received.length} of ${n} notifications`)),
          timeoutMs,
        );
        waiters.push({ n, resolve: () => (clearTimeout(t), resolve(sink.received)) });
      }),
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        tokens: string[];
        notification: PushReceived['notification'];
        data: Record<string, string>;
      };
      const results = body.tokens.map((token) => {
        if (sink.dead.has(token)) return { token, ok: false, error: 'UNREGISTERED' };
        sink.received.push({ token, notification: body.notification, data: body.data, at: Date.now() });
        return { token, ok: true };
      });
      for (const w of waiters.splice(0)) {
        if (sink.received.length >= w.n) w.resolve();
        else waiters.push(w);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  sink.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/push`;
  return sink;
}
