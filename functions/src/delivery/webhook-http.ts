/**
 * One HTTP attempt of a webhook: POST the exact body with the signed headers, through the SSRF guard
 * (literal hosts checked here, names checked at lookup), with a timeout, never following a redirect. The
 * response body is read only to drain it (at most 4 kB, never stored or logged).
 */
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { addressProblem, guardedLookup, SsrfBlockedError, type SsrfPolicy } from './ssrf.ts';

export interface AttemptResult {
  /** delivered: 2xx; gone: 410 (the endpoint is disabled); failed: anything else (retried). */
  outcome: 'delivered' | 'failed' | 'gone';
  statusCode: number | null;
  /** Seconds from a Retry-After header (delta seconds or an HTTP date), when the endpoint sent one. */
  retryAfterSeconds: number | null;
  /** Short reason for a failure without a status: timeout, connection refused, blocked address, redirect. */
  error: string | null;
  latencyMs: number;
  /** Location header of a redirect (never followed). */
  location?: string | null;
}

export function parseRetryAfter(value: string | undefined, nowMs: number): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - nowMs) / 1000));
}

export interface PostOptions {
  timeoutMs: number;
  policy: SsrfPolicy;
  now?: () => number;
  /** HEAD for the registration probe; POST for attempts. */
  method?: 'POST' | 'HEAD';
}

export function postWebhook(
  url: string,
  body: string,
  headers: Record<string, string>,
  opts: PostOptions,
): Promise<AttemptResult> {
  const now = opts.now ?? Date.now;
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  const failed = (error: string, statusCode: number | null = null): AttemptResult => ({
    outcome: 'failed',
    statusCode,
    retryAfterSeconds: null,
    error,
    latencyMs: latency(),
  });
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve(failed('invalid URL'));
  }
  const host = target.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) {
    const p = addressProblem(host, opts.policy.allowLoopback);
    if (p) return Promise.resolve(failed(`blocked: ${host} ${p}`));
  }
  if (target.protocol !== 'https:' && !(target.protocol === 'http:' && opts.policy.allowLoopback)) {
    return Promise.resolve(failed('blocked: only https URLs are sent to'));
  }
  const mod = target.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: AttemptResult) => {
      if (!settled) {
        settled = true;
        resolve(r);
      }
    };
    const req = mod.request(
      target,
      {
        method: opts.method ?? 'POST',
        headers:
          opts.method === 'HEAD'
            ? { 'user-agent': 'ClarityLoop-Webhooks/1' }
            : {
                ...headers,
                'content-type': 'application/json',
                'content-length': Buffer.byteLength(body),
                'user-agent': 'ClarityLoop-Webhooks/1',
              },
        lookup: guardedLookup(opts.policy),
        agent: false,
        timeout: opts.timeoutMs,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        let read = 0;
        res.on('data', (c: Buffer) => {
          read += c.length;
          if (read > 4096) res.destroy();
        });
        const finish = () => {
          if (status >= 200 && status < 300) {
            done({
              outcome: 'delivered',
              statusCode: status,
              retryAfterSeconds: null,
              error: null,
              latencyMs: latency(),
            });
          } else if (status === 410) {
            done({
              outcome: 'gone',
              statusCode: 410,
              retryAfterSeconds: null,
              error: 'gone',
              latencyMs: latency(),
            });
          } else {
            const retryAfter = parseRetryAfter(res.headers['retry-after'], now());
            done({
              outcome: 'failed',
              statusCode: status,
              retryAfterSeconds: retryAfter,
              error: status >= 300 && status < 400 ? 'redirect not followed' : null,
              latencyMs: latency(),
              location: res.headers.location ?? null,
            });
          }
        };
        res.on('end', finish);
        res.on('close', finish);
        res.on('error', finish);
      },
    );
    // Overall deadline (the socket timeout alone restarts on every byte).
    const timer = setTimeout(() => {
      req.destroy();
      done(failed(`timeout after ${opts.timeoutMs} ms`));
    }, opts.timeoutMs);
    req.on('timeout', () => {
      req.destroy();
      done(failed(`timeout after ${opts.timeoutMs} ms`));
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      done(failed(e instanceof SsrfBlockedError ? `blocked: ${e.message}` : (e.code ?? e.name)));
    });
    req.on('close', () => clearTimeout(timer));
    req.end(opts.method === 'HEAD' ? undefined : body);
  });
}
