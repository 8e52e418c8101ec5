/**
 * The one way a function is declared: region, secrets, retry and the poison-event policy, Sentry
 * wrapping, the stage's span (platform/tracing.ts: it continues the `traceparent` of the triggering
 * document, object or task request), the child logger (function name and event id) and the handlers'
 * dependencies are set here once. A trigger file names its event (document, object, queue, schedule or
 * HTTPS request), its resources and its handler.
 */
import type { Request as HttpRequest, Response as HttpResponse } from 'express';
import type { ParamsOf } from 'firebase-functions/v2';
import type { SecretParam } from 'firebase-functions/params';
import * as functionsV1 from 'firebase-functions/v1';
import {
  onDocumentCreated,
  onDocumentUpdated,
  onDocumentWritten,
  type Change,
  type DocumentOptions,
  type DocumentSnapshot,
  type FirestoreEvent,
  type QueryDocumentSnapshot,
} from 'firebase-functions/v2/firestore';
import { onRequest, type HttpsOptions } from 'firebase-functions/v2/https';
import { onSchedule, type ScheduledEvent, type ScheduleOptions } from 'firebase-functions/v2/scheduler';
import { onObjectFinalized, type StorageEvent, type StorageOptions } from 'firebase-functions/v2/storage';
import { onTaskDispatched, type Request, type TaskQueueOptions } from 'firebase-functions/v2/tasks';
import { region } from '../platform/config.ts';
import { logger } from '../platform/logger.ts';
import {
  captureError,
  flushSentry,
  routeOf,
  sentrySecrets,
  withSentry,
  withSentryRequest,
} from '../platform/sentry.ts';
import { inSpan, SpanKind, traceparentOf, tracedRequest } from '../platform/tracing.ts';
import { triggerDeps, type StageDeps } from '../pipeline/deps.ts';
import { isAccountDeleted } from '../store/tombstones.ts';

/**
 * Poison-event policy. Firestore, Storage and Auth events are redelivered until their handler succeeds: a
 * thrown error is a retry. The handlers end what cannot heal themselves (platform/errors.ts `isTransient`
 * decides; `maxStageAttempts` in pipeline/jobs.ts and `maxIngestAttempts` in store/uploads.ts bound the
 * attempts, then fail the job or upload with a dead letter). As a backstop for any event that escapes
 * those, one still failing after this long is logged, reported to Sentry and dropped instead of being
 * retried for the platform's seven days. Task queues bound retries by their `retryConfig`; schedules are
 * not retried.
 */
export const maxEventAgeMs = 24 * 60 * 60_000;

const placed = { region, secrets: sentrySecrets };
const retried = { ...placed, retry: true };

type Handler<E> = (event: E, deps: StageDeps) => Promise<unknown>;
type Options<O> = Omit<O, 'region' | 'secrets' | 'retry' | 'document'>;
/** `moreSecrets`: secrets the handler reads besides Sentry's (the API's signing secret, the mail task's SMTP password). */
type WithSecrets<O> = Options<O> & { moreSecrets?: SecretParam[] };

/** Region and secrets (Sentry's and the handler's own) for a function that is not retried. */
function placedWith<O>({ moreSecrets = [], ...rest }: WithSecrets<O>) {
  return { ...rest, ...placed, secrets: [...sentrySecrets, ...moreSecrets] };
}

/** Where an event's trace continues from: the `traceparent` its writer stored or sent, and the span kind. */
interface TraceFrom {
  traceparent?: unknown;
  kind: SpanKind;
}

/** Runs one event in the stage's span: child logger, poison check, dependencies, handler; then flushes. */
async function run(
  fn: string,
  event: { id: string; time?: string | undefined },
  body: (deps: StageDeps) => Promise<unknown>,
  from: TraceFrom = { kind: SpanKind.INTERNAL },
): Promise<void> {
  const attributes = { 'faas.name': fn, 'faas.invocation_id': event.id };
  const traceparent = traceparentOf(from.traceparent) ?? '';
  await inSpan(fn, { kind: from.kind, traceparent, attributes, flush: true }, async () => {
    const log = logger.child({ fn, eventId: event.id });
    if (event.time !== undefined && Date.now() - Date.parse(event.time) > maxEventAgeMs) {
      log.error('trigger.event_expired', { eventTime: event.time });
      captureError(new Error(`${fn}: event older than ${maxEventAgeMs / 3_600_000} h dropped`), { fn });
      await flushSentry();
      return;
    }
    try {
      await body(triggerDeps(log));
    } catch (e) {
      // The account was erased while this event's work ran (store/tombstones.ts): nothing left to do.
      if (!isAccountDeleted(e)) throw e;
      log.info('trigger.account_deleted', {});
    }
  });
}

/** A Firestore event's document: the new version, else the deleted one. */
const storedTrace = (s: DocumentSnapshot | undefined): TraceFrom => ({
  traceparent: s?.get('traceparent'),
  kind: SpanKind.CONSUMER,
});

type Created<D extends string> = FirestoreEvent<QueryDocumentSnapshot | undefined, ParamsOf<D>>;
type Changed<D extends string, S> = FirestoreEvent<Change<S> | undefined, ParamsOf<D>>;

export function documentCreated<D extends string>(
  fn: string,
  document: D,
  options: Options<DocumentOptions<D>>,
  handler: Handler<Created<D>>,
) {
  return onDocumentCreated(
    { ...options, ...retried, document },
    withSentry(fn, (e: Created<D>) => run(fn, e, (deps) => handler(e, deps), storedTrace(e.data))),
  );
}

export function documentUpdated<D extends string>(
  fn: string,
  document: D,
  options: Options<DocumentOptions<D>>,
  handler: Handler<Changed<D, QueryDocumentSnapshot>>,
) {
  return onDocumentUpdated(
    { ...options, ...retried, document },
    withSentry(fn, (e: Changed<D, QueryDocumentSnapshot>) =>
      run(fn, e, (deps) => handler(e, deps), storedTrace(e.data?.after)),
    ),
  );
}

export function documentWritten<D extends string>(
  fn: string,
  document: D,
  options: Options<DocumentOptions<D>>,
  handler: Handler<Changed<D, DocumentSnapshot>>,
) {
  return onDocumentWritten(
    { ...options, ...retried, document },
    withSentry(fn, (e: Changed<D, DocumentSnapshot>) =>
      run(
        fn,
        e,
        (deps) => handler(e, deps),
        storedTrace(e.data?.after.exists ? e.data.after : e.data?.before),
      ),
    ),
  );
}

export function objectFinalized(
  fn: string,
  options: Options<StorageOptions>,
  handler: Handler<StorageEvent>,
) {
  return onObjectFinalized(
    { ...options, ...retried },
    withSentry(fn, (e: StorageEvent) =>
      run(fn, e, (deps) => handler(e, deps), {
        traceparent: e.data.metadata?.traceparent,
        kind: SpanKind.CONSUMER,
      }),
    ),
  );
}

export function taskDispatched<T>(
  fn: string,
  options: WithSecrets<TaskQueueOptions>,
  handler: Handler<Request<T>>,
) {
  return onTaskDispatched<T>(
    placedWith(options),
    withSentry(fn, (req: Request<T>) =>
      run(fn, { id: req.id }, (deps) => handler(req, deps), {
        traceparent: req.headers?.traceparent,
        kind: SpanKind.SERVER,
      }),
    ),
  );
}

/**
 * An HTTPS function: Sentry's request scope, and a SERVER span per request that continues the caller's
 * `traceparent`, named by the route without ids. The handler answers the request itself (no event, no
 * stage dependencies: the API builds its own from the params).
 */
export function httpsRequest(
  fn: string,
  options: WithSecrets<HttpsOptions>,
  handler: (req: HttpRequest, res: HttpResponse) => void,
) {
  return onRequest(
    placedWith(options),
    withSentryRequest(
      fn,
      tracedRequest((req) => `${req.method} ${routeOf(req.url)}`, handler),
    ),
  );
}

export function scheduled(fn: string, options: Options<ScheduleOptions>, handler: Handler<ScheduledEvent>) {
  return onSchedule(
    { ...options, ...placed },
    withSentry(fn, (e: ScheduledEvent) => run(fn, { id: e.scheduleTime }, (deps) => handler(e, deps))),
  );
}

/**
 * Auth user deleted. firebase-functions v7 has no 2nd-gen "user deleted" event (v2 identity offers only
 * blocking functions), so this one is 1st gen (firebase-functions/v1); the Auth emulator fires it too.
 */
export function authUserDeleted(
  fn: string,
  options: Omit<functionsV1.RuntimeOptions, 'secrets' | 'failurePolicy'>,
  handler: (
    user: functionsV1.auth.UserRecord,
    context: functionsV1.EventContext,
    deps: StageDeps,
  ) => Promise<unknown>,
) {
  return functionsV1
    .region(region)
    .runWith({ ...options, failurePolicy: true, secrets: sentrySecrets })
    .auth.user()
    .onDelete(
      withSentry(fn, (user: functionsV1.auth.UserRecord, context: functionsV1.EventContext) =>
        run(fn, { id: context.eventId, time: context.timestamp }, (deps) => handler(user, context, deps)),
      ),
    );
}
