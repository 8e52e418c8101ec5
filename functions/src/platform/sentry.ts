/**
 * Error reporting: @sentry/node behind one wrapper for the HTTPS function and every trigger.
 *
 * Privacy first: the SDK is initialised only when the SENTRY_DSN secret is an http(s) DSN, with every
 * data-collection default off (no user info or IP, no cookies, headers, query strings or HTTP bodies, no local
 * variables, no source context) and WITHOUT the default integrations (the http/express/console ones record
 * requests and logs). On top of that, `scrubEvent`/`scrubBreadcrumb` (beforeSend/beforeBreadcrumb) remove
 * anything that could still be a health value, a token or an email: request data, user fields, values under
 * sensitive keys, and numbers, emails, JWTs and bearer tokens in free text.
 */
import * as Sentry from '@sentry/node';
import type { Breadcrumb, ErrorEvent, NodeOptions } from '@sentry/node';
import type { Request, Response } from 'express';
import { runtime, sentryDsn, sentryEnvironment } from './config.ts';
import { logger } from './logger.ts';

/** Functions that use the wrapper must bind the DSN secret (`secrets: sentrySecrets` in their options). */
export const sentrySecrets = [sentryDsn];

const redacted = '[redacted]';
/** Keys whose values are dropped wherever they appear (extra, contexts, breadcrumb data, request). */
const sensitiveKey =
  /value|sample|body|data|payload|token|secret|password|authorization|cookie|email|phone|username|fullname|displayname|firstname|lastname|heart|hrv|step|sleep|weight|glucose|oxygen|calorie|query|ip_address|signature|nonce/i;
const emailPattern = /[\w.+-]+@[\w-]+(\.[\w-]+)+/g;
const jwtPattern = /\beyJ[\w-]+\.[\w-]+\.[\w-]*/g;
const bearerPattern = /\b(Bearer|Basic)\s+[\w.~+/=-]+/gi;
/** Long hex or base64-ish runs: keys, signatures, session cookies. */
const secretPattern = /\b[A-Za-z0-9+/_-]{32,}={0,2}/g;
/** Any number in free text could be a measurement ("heart rate 182.5"): drop them all. */
const numberPattern = /(?<![\w.])-?\d+(?:\.\d+)?(?:e[+-]?\d+)?(?![\w])/gi;

/** Redacts emails, tokens, long secrets and numbers from one free-text string. */
export function scrubText(s: string): string {
  return s
    .replace(emailPattern, '[email]')
    .replace(jwtPattern, '[token]')
    .replace(bearerPattern, '$1 [token]')
    .replace(secretPattern, '[secret]')
    .replace(numberPattern, '[n]');
}

function scrubValue(v: unknown, depth: number): unknown {
  if (depth > 8) return redacted;
  if (typeof v === 'string') return scrubText(v);
  if (typeof v === 'number') return redacted;
  if (Array.isArray(v)) return v.map((x) => scrubValue(x, depth + 1));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      out[k] = sensitiveKey.test(k) ? redacted : scrubValue(x, depth + 1);
    }
    return out;
  }
  return v;
}

function stripQuery(url: string): string {
  const i = url.search(/[?#]/);
  return i < 0 ? url : url.slice(0, i);
}

/** beforeSend: returns a copy of the event with nothing personal or medical left in it. */
export function scrubEvent(event: ErrorEvent): ErrorEvent {
  const e: ErrorEvent = { ...event };
  if (e.message) e.message = scrubText(e.message);
  if (e.logentry) {
    e.logentry = { message: e.logentry.message ? scrubText(e.logentry.message) : undefined };
  }
  if (e.exception?.values) {
    e.exception = {
      values: e.exception.values.map((x) => ({
        ...x,
        value: x.value ? scrubText(x.value) : x.value,
        stacktrace: x.stacktrace && {
          ...x.stacktrace,
          frames: x.stacktrace.frames?.map((f) => {
            const { vars: _vars, pre_context: _pre, context_line: _line, post_context: _post, ...rest } = f;
            return rest;
          }),
        },
      })),
    };
  }
  if (e.request) {
    // Method and path only: no body, query string, headers, cookies or environment.
    e.request = {
      ...(e.request.method ? { method: e.request.method } : {}),
      ...(e.request.url ? { url: stripQuery(e.request.url) } : {}),
    };
  }
  if (e.user) e.user = e.user.id !== undefined ? { id: e.user.id } : {};
  if (e.extra) e.extra = scrubValue(e.extra, 0) as ErrorEvent['extra'];
  if (e.contexts) e.contexts = scrubValue(e.contexts, 0) as ErrorEvent['contexts'];
  if (e.breadcrumbs) {
    e.breadcrumbs = e.breadcrumbs.map(scrubBreadcrumb).filter((b): b is Breadcrumb => b !== null);
  }
  delete e.server_name;
  return e;
}

/** beforeBreadcrumb: drops HTTP/console breadcrumbs (they carry URLs and log lines), scrubs the rest. */
export function scrubBreadcrumb(b: Breadcrumb): Breadcrumb | null {
  if (b.category === 'console' || b.type === 'http' || b.category === 'http' || b.category === 'fetch') {
    return null;
  }
  return {
    ...b,
    ...(b.message ? { message: scrubText(b.message) } : {}),
    ...(b.data ? { data: scrubValue(b.data, 0) as Breadcrumb['data'] } : {}),
  };
}

/** The SDK options: the only place Sentry's behaviour is configured (exported so tests use the same). */
export function sentryOptions(dsn: string, environment: string): NodeOptions {
  return {
    dsn,
    environment,
    release: `clarity-functions@${runtime.version}`,
    defaultIntegrations: false,
    // Error causes and duplicate suppression only; nothing that reads requests, logs or the filesystem.
    integrations: [Sentry.linkedErrorsIntegration(), Sentry.dedupeIntegration()],
    dataCollection: {
      userInfo: false,
      cookies: false,
      httpHeaders: false,
      httpBodies: [],
      urlQueryParams: false,
      databaseQueryData: false,
      queues: false,
      genAI: { inputs: false, outputs: false },
      stackFrameVariables: false,
      frameContextLines: 0,
    },
    includeLocalVariables: false,
    tracesSampleRate: 0,
    maxBreadcrumbs: 20,
    beforeSend: scrubEvent,
    beforeBreadcrumb: scrubBreadcrumb,
  };
}

let state: 'unknown' | 'on' | 'off' = 'unknown';

/** True for a DSN the SDK can send to; "off", empty or unset disables reporting. */
export function isUsableDsn(dsn: string | undefined): dsn is string {
  return !!dsn && /^https?:\/\/[^@\s]+@[^/\s]+\/\S+$/.test(dsn);
}

/** Initialises once per process, on first use (secrets are only readable at run time). */
export function ensureSentry(): boolean {
  if (state !== 'unknown') return state === 'on';
  let dsn: string | undefined;
  try {
    dsn = sentryDsn.value();
  } catch {
    dsn = undefined;
  }
  if (isUsableDsn(dsn)) {
    Sentry.init(sentryOptions(dsn, sentryEnvironment.value()));
    state = 'on';
  } else {
    state = 'off';
  }
  logger.info('sentry.init', { enabled: state === 'on' });
  return state === 'on';
}

/** For tests: initialise against a given DSN (a loopback stand-in) and forget the lazy state. */
export function initSentryForTest(dsn: string): void {
  Sentry.init(sentryOptions(dsn, 'test'));
  state = 'on';
}

/** Reports an unexpected error with identifiers only (request id, function name, path). */
export function captureError(err: unknown, tags: Record<string, string> = {}): void {
  if (state !== 'on') return;
  Sentry.withScope((scope) => {
    scope.setTags(tags);
    Sentry.captureException(err);
  });
}

/** Waits (bounded) for queued events: functions may be frozen right after they return. */
export async function flushSentry(timeoutMs = 2000): Promise<void> {
  if (state === 'on') await Sentry.flush(timeoutMs);
}

/**
 * Wraps a trigger handler: errors are reported (then rethrown, so the platform's retry still applies) and
 * the queue is flushed before the function returns.
 */
export function withSentry<A extends unknown[], R>(
  fn: string,
  handler: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args: A) => {
    ensureSentry();
    return Sentry.withIsolationScope(async () => {
      try {
        return await handler(...args);
      } catch (e) {
        captureError(e, { fn });
        await flushSentry();
        throw e;
      }
    });
  };
}

/**
 * Wraps the onRequest handler. The Express error handler reports 5xx itself (captureError); this catches
 * what escapes Express (a throw while building the app) and isolates scopes per request.
 */
export function withSentryRequest(
  fn: string,
  handler: (req: Request, res: Response) => void,
): (req: Request, res: Response) => void {
  return (req, res) => {
    ensureSentry();
    Sentry.withIsolationScope(() => {
      try {
        handler(req, res);
      } catch (e) {
        captureError(e, { fn });
        if (!res.headersSent) {
          res
            .status(500)
            .json({ error: { code: 'internal', message: 'internal error', requestId: 'unknown' } });
        }
      }
    });
  };
}
