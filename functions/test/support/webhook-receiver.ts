/**
 * Delivery test helpers: a loopback webhook receiver that verifies with the `standardwebhooks` library
 * (not our code) and answers from a script, and an in-process attempt queue (the local adapter of
 * WebhookQueue; production uses Cloud Tasks). Everything listens on 127.0.0.1: no packet leaves loopback.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { TaskQueue } from '../../src/delivery/task-queue.ts';
import { runAttempt, type AttemptTask, type WebhookDeps } from '../../src/delivery/webhooks.ts';

export interface Received {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  /** Which of the receiver's secrets verified it (index into `secrets`), or -1. */
  verifiedWith: number;
  at: number;
}

export type Reply = (res: ServerResponse, n: number) => void;

export interface Receiver {
  url: string;
  received: Received[];
  /** Replies by request number (0-based); past the end: 200. */
  script: Reply[];
  secrets: string[];
  /** Resolves when `n` requests have arrived. */
  waitFor(n: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

export const ok: Reply = (res) => res.writeHead(204).end();
export const status =
  (code: number, headers: Record<string, string> = {}): Reply =>
  (res) =>
    res.writeHead(code, headers).end('{}');
/** Never answers (the sender's timeout fires); the socket is closed when the receiver closes. */
export const hang: Reply = () => undefined;

export async function startReceiver(secrets: string[] = [], path = '/hook'): Promise<Receiver> {
  const received: Received[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const r: Receiver = {
    url: '',
    received,
    script: [],
    secrets,
    waitFor: (n, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        if (received.length >= n) return resolve(received);
        const t = setTimeout(
          () => reject(new Error(`receiver got ${received.length} of ${n} requests`)),
          timeoutMs,
        );
        waiters.push({ n, resolve: () => (clearTimeout(t), resolve(received)) });
      }),
    close: () => new Promise<void>((res) => (server.closeAllConnections(), server.close(() => res()))),
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = {
        'webhook-id': String(req.headers['webhook-id'] ?? ''),
        'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
        'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
      };
      const verifiedWith = r.secrets.findIndex((s) => {
        try {
          new Webhook(s).verify(body, headers);
          return true;
        } catch {
          return false;
        }
      });
      const n = received.length;
      received.push({
        id: headers['webhook-id'],
        timestamp: headers['webhook-timestamp'],
        signature: headers['webhook-signature'],
        body,
        verifiedWith,
        at: Date.now(),
      });
      for (const w of waiters.splice(0)) {
        if (received.length >= w.n) w.resolve();
        else waiters.push(w);
      }
      (r.script[n] ?? ok)(res, n);
    });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  return r;
}

/** Runs each task after its delay in this process, like Cloud Tasks would call the task function. */
export class LocalQueue<T = AttemptTask> implements TaskQueue<T> {
  readonly ids = new Set<string>();
  readonly enqueued: { task: T; id: string; delaySeconds: number }[] = [];
  private pending = new Set<Promise<unknown>>();
  run: (task: T) => Promise<unknown> = () => Promise.resolve();
  /** Scales delays (1 = as scheduled). */
  private readonly scale: number;
  constructor(scale = 1) {
    this.scale = scale;
  }

  enqueue(task: T, opts: { id: string; delaySeconds: number }): Promise<void> {
    // Cloud Tasks refuses a second task with the same id: so does this queue.
    if (this.ids.has(opts.id)) return Promise.resolve();
    this.ids.add(opts.id);
    this.enqueued.push({ task, ...opts });
    const p = new Promise((r) => setTimeout(r, opts.delaySeconds * 1000 * this.scale)).then(() =>
      this.run(task),
    );
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
    return Promise.resolve();
  }

  /** Waits until no task is pending or running. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}

/**
 * Webhook delivery for a test gateway: a LocalQueue running each attempt in this process, loopback allowed,
 * names resolved only from `records` (nothing resolves a real name).
 */
export function localWebhookDeps(
  db: WebhookDeps['db'],
  log: WebhookDeps['log'],
  records: Record<string, string[]> = {},
): { deps: WebhookDeps; queue: LocalQueue } {
  const queue = new LocalQueue();
  const deps: WebhookDeps = {
    db,
    log,
    now: Date.now,
    policy: {
      allowLoopback: true,
      resolve: (h) => (records[h] ? Promise.resolve(records[h]) : Promise.reject(new Error('ENOTFOUND'))),
    },
    timeoutMs: 2000,
    scheduleSeconds: [0, 0.2],
    rotationOverlapMs: 24 * 3600_000,
    queue,
  };
  queue.run = (t) => runAttempt(deps, t);
  return { deps, queue };
}
