/**
 * Error reporting: @sentry/node behind one wrapper for the HTTPS function and every trigger.
 *
 * Privacy first: the SDK is initialised only when the SENTRY_DSN secret is an http(s) DSN, with every
 * data-collection default off (no user info or IP, no cookies, headers, query strings or HTTP bodies, no local
 * variables, no source context) and WITHOUT the default integrations (the http/express/console ones record
 * requests and logs). On top of that, `scrubEvent` (beforeSend) rebuilds every event from an allowlist of
 * fields and `scrubBreadcrumb` (beforeBreadcrumb) does the same for breadcrumbs: anything that could still
 * be a health value, a token or an email is dropped, and free text loses numbers (with their units, in any
 * script), emails, JWTs, bearer tokens and long secrets.
 */
import { randomUUID } from 'node:crypto';
import * as Sentry from '@sentry/node';
import type { Breadcrumb, ErrorEvent, NodeOptions } from '@sentry/node';
import type { Request, Response } from 'express';
import { runtime, sentryDsn, sentryEnvironment } from './config.ts';
import { logger } from './logger.ts';

/** Functions that use the wrapper must bind the DSN secret (`secrets: sentrySecrets` in their options). */
export const sentrySecrets = [sentryDsn];

const redacted = '[redacted]';
/** Keys whose values are dropped wherever they appear (extra, contexts, breadcrumb data). */
const sensitiveKey =
  /value|sample|body|data|payload|token|secret|password|authorization|cookie|email|phone|username|fullname|displayname|firstname|lastname|heart|hrv|step|sleep|weight|glucose|oxygen|calorie|query|ip_address|signature|nonce/i;
/**
 * Emails, linear: every quantifier is bounded, so a long run of word characters without an "@" costs a
 * bounded amount of work per position (the unbounded `[\w.+-]+@` was quadratic: 32 s for 50 000 chars).
 */
const emailPattern = /[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){0,8}/g;
const jwtPattern = /\beyJ[\w-]+\.[\w-]+\.[\w-]*/g;
const bearerPattern = /\b(Bearer|Basic)\s+[\w.~+/=-]+/gi;
/** Long hex or base64-ish runs: keys, signatures, session cookies. */
const secretPattern = /[A-Za-z0-9+/_-]{32,}={0,2}/g;
/**
 * Any number in free text could be a measurement: every run of Unicode number characters (any script's
 * digits, fractions, superscripts), with its decimals, exponent, and a unit or percent sign glued to it
 * ("182bpm", "5.4mmol", "97%", "١٨٢", "１８２"), becomes [n].
 */
const numberPattern = /\p{N}+(?:[.,]\p{N}+)*(?:[eE][+-]?\p{N}+)?[\p{L}%‰°µ/]*/gu;

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
  if (typeof v === 'number' || typeof v === 'bigint') return redacted;
  if (Array.isArray(v)) return v.map((x) => scrubValue(x, depth + 1));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      // Keys are text too: a key can carry a value ({"hr=182": …}).
      out[scrubText(k)] = sensitiveKey.test(k) ? redacted : scrubValue(x, depth + 1);
    }
    return out;
  }
  return v;
}

/** An identifier-like token (a tag value, a mechanism type, a category) or undefined: no digits at all. */
function word(s: unknown, max = 64): string | undefined {
  return typeof s === 'string' && s.length <= max && /^[A-Za-z_][A-Za-z_.:-]*$/.test(s) ? s : undefined;
}

/**
 * A URL path or route with every segment that is not a plain lower-case word (or the API version)
 * replaced by ":id", and no query or fragment: "/v1/health/jobs/abc123?x=1" -> "/v1/health/jobs/:id".
 */
export function routeOf(url: string): string {
  let p = url.replace(/^[a-z]+:\/\/[^/]*/i, '');
  const cut = p.search(/[?#]/);
  if (cut >= 0) p = p.slice(0, cut);
  return p
    .split('/')
    .map((seg) => (seg === '' || seg === 'v1' || /^[a-z][a-z-]{0,40}$/.test(seg) ? seg : ':id'))
    .join('/')
    .slice(0, 200);
}

/** The tags we set (captureError) and nothing else, each in a shape that cannot carry a value. */
function scrubTags(tags: ErrorEvent['tags']): ErrorEvent['tags'] {
  if (!tags) return undefined;
  const out: Record<string, string> = {};
  if (typeof tags.requestId === 'string')
    out.requestId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(tags.requestId)
      ? tags.requestId
      : '[custom]';
  const fn = word(tags.fn);
  if (fn) out.fn = fn;
  if (typeof tags.path === 'string') out.path = routeOf(tags.path);
  return Object.keys(out).length > 0 ? out : undefined;
}

type SentryException = NonNullable<NonNullable<ErrorEvent['exception']>['values']>[number];
type SentryFrame = NonNullable<NonNullable<SentryException['stacktrace']>['frames']>[number];

/** A stack frame: file and function (scrubbed), whether it is ours. No line numbers, source or variables. */
function scrubFrame(f: SentryFrame): SentryFrame {
  return {
    ...(f.filename ? { filename: scrubText(f.filename) } : {}),
    ...(f.function ? { function: scrubText(f.function) } : {}),
    ...(typeof f.in_app === 'boolean' ? { in_app: f.in_app } : {}),
  };
}

function scrubException(x: SentryException): SentryException {
  const small = (n: unknown): number | undefined =>
    typeof n === 'number' && Number.isInteger(n) && n >= 0 && n < 64 ? n : undefined;
  const m = x.mechanism;
  return {
    ...(x.type ? { type: scrubText(x.type) } : {}),
    ...(x.value ? { value: scrubText(x.value) } : {}),
    ...(m
      ? {
          mechanism: {
            type: word(m.type) ?? 'generic',
            ...(typeof m.handled === 'boolean' ? { handled: m.handled } : {}),
            ...(small(m.exception_id) !== undefined ? { exception_id: small(m.exception_id) } : {}),
            ...(small(m.parent_id) !== undefined ? { parent_id: small(m.parent_id) } : {}),
          },
        }
      : {}),
    ...(x.stacktrace?.frames ? { stacktrace: { frames: x.stacktrace.frames.map(scrubFrame) } } : {}),
  };
}

const levels = new Set(['fatal', 'error', 'warning', 'log', 'info', 'debug']);
const release = `clarity-functions@${runtime.version}`;

/**
 * beforeSend: REBUILDS the event from an allowlist, so a field this code does not know (a new SDK field,
 * something a dependency set on the scope) never leaves the process. Kept: an id, the time, the level,
 * our release and environment, the SDK's name and version (from the library, not the event), the message
 * and exceptions as scrubbed text (type, value, mechanism kind, frames' file and function), our three tags
 * in value-free shapes, the route without ids or query, method, the user id (a Firebase uid, nothing
 * else), scrubbed breadcrumbs and extras. Dropped: request data, headers, cookies, query strings, user
 * fields, contexts, modules, fingerprints, threads, measurements, debug metadata, server name, source
 * lines, frame variables and line numbers.
 */
export function scrubEvent(event: ErrorEvent): ErrorEvent {
  const out: ErrorEvent = {
    type: undefined,
    event_id: /^[0-9a-f]{32}$/.test(event.event_id ?? '') ? event.event_id : randomUUID().replace(/-/g, ''),
    timestamp: Date.now() / 1000,
    platform: 'node',
    level: event.level && levels.has(event.level) ? event.level : 'error',
    release,
    sdk: { name: 'sentry.javascript.node', version: Sentry.SDK_VERSION },
  };
  const env = word(event.environment, 32);
  if (env) out.environment = env;
  if (event.message) out.message = scrubText(event.message);
  if (event.logentry?.message) out.logentry = { message: scrubText(event.logentry.message) };
  if (event.exception?.values) out.exception = { values: event.exception.values.map(scrubException) };
  const tags = scrubTags(event.tags);
  if (tags) out.tags = tags;
  if (event.transaction) out.transaction = routeOf(event.transaction.replace(/^[A-Z]+\s+/, ''));
  if (event.request) {
    // Method and route only: no body, query string, headers, cookies or environment.
    const method =
      event.request.method && /^[A-Z]{3,7}$/.test(event.request.method) ? event.request.method : undefined;
    out.request = {
      ...(method ? { method } : {}),
      ...(event.request.url ? { url: routeOf(event.request.url) } : {}),
    };
  }
  const uid = event.user?.id;
  // A uid-shaped id only, and none with a run of digits that could be a value.
  if (typeof uid === 'string' && /^[A-Za-z0-9]{1,128}$/.test(uid) && !/\p{N}{3}/u.test(uid))
    out.user = { id: uid };
  if (event.extra) out.extra = scrubValue(event.extra, 0) as ErrorEvent['extra'];
  if (event.breadcrumbs) {
    out.breadcrumbs = event.breadcrumbs.map(scrubBreadcrumb).filter((b): b is Breadcrumb => b !== null);
  }
  return out;
}

/** beforeBreadcrumb: drops HTTP/console breadcrumbs (they carry URLs and log lines), scrubs the rest. */
export function scrubBreadcrumb(b: Breadcrumb): Breadcrumb | null {
  if (b.category === 'console' || b.type === 'http' || b.category === 'http' || b.category === 'fetch') {
    return null;
  }
  const category = word(b.category);
  const type = word(b.type);
  return {
    ...(category ? { category } : {}),
    ...(type ? { type } : {}),
    ...(b.level && levels.has(b.level) ? { level: b.level } : {}),
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
