/** One webhook attempt against a loopback receiver: statuses, Retry-After, timeout, redirects not followed. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRetryAfter, postWebhook } from '../../src/delivery/webhook-http.ts';
import type { SsrfPolicy } from '../../src/delivery/ssrf.ts';

const policy: SsrfPolicy = { allowLoopback: true, resolve: () => Promise.resolve(['127.0.0.1']) };
let server: Server;
let base: string;
let redirectHits = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/ok') res.writeHead(200).end('fine');
    else if (req.url === '/gone') res.writeHead(410).end();
    else if (req.url === '/busy') res.writeHead(429, { 'retry-after': '7' }).end();
    else if (req.url === '/redirect') res.writeHead(302, { location: '/target' }).end();
    else if (req.url === '/target') {
      redirectHits++;
      res.writeHead(200).end();
    } else if (req.url === '/slow') setTimeout(() => res.writeHead(200).end(), 2000);
    else res.writeHead(500).end('boom');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const post = (path: string, timeoutMs = 2000) =>
  postWebhook(`${base}${path}`, '{}', {}, { timeoutMs, policy });

describe('postWebhook', () => {
  it('maps statuses to outcomes', async () => {
    expect(await post('/ok')).toMatchObject({ outcome: 'delivered', statusCode: 200 });
    expect(await post('/gone')).toMatchObject({ outcome: 'gone', statusCode: 410 });
    expect(await post('/err')).toMatchObject({ outcome: 'failed', statusCode: 500, retryAfterSeconds: null });
    expect(await post('/busy')).toMatchObject({ outcome: 'failed', statusCode: 429, retryAfterSeconds: 7 });
  });

  it('does not follow redirects', async () => {
    const r = await post('/redirect');
    expect(r).toMatchObject({ outcome: 'failed', statusCode: 302, error: 'redirect not followed' });
    expect(r.location).toBe('/target');
    expect(redirectHits).toBe(0);
  });

  it('gives up at the timeout', async () => {
    const r = await post('/slow', 300);
    expect(r.outcome).toBe('failed');
    expect(r.error).toMatch(/timeout after 300 ms/);
    expect(r.latencyMs).toBeLessThan(1500);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-12-02T08:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120);
    expect(parseRetryAfter('Wed, 02 Dec 2026 08:01:00 GMT', now)).toBe(60);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
  });
});
