/**
 * Rate limits per caller and globally, shared by every function instance.
 *
 * Why Firestore: it is the one shared store every instance already talks to (no Redis/Memorystore to
 * provision, connect through a VPC connector and pay for), and its atomic increments are exact under
 * concurrency. Design: fixed windows of RATE_LIMIT_WINDOW_SECONDS; one counter document per caller per window
 * (`rateLimits/u_{uid}_{window}`, or `ip_{sha256(ip)}` for anonymous routes, so no raw IP is stored) and one
 * global counter per window (`rateLimits/global_{window}`). Each request is ONE Firestore round trip: a
 * commit of two `FieldValue.increment(1)` writes, whose response carries the incremented values (the
 * Commit RPC's `transformResults`). The public `WriteBatch.commit()` drops those values, so we use the
 * batch's own commit call that returns the raw response; if a future SDK removes it we fall back to a
 * transaction (read both, then write: two round trips, same semantics), which a test pins.
 * Counter documents carry `expiresAt` for a Firestore TTL policy (README-security.md) so they clean
 * themselves up.
 *
 * Fixed windows allow up to 2x the limit across a window boundary; that is acceptable for abuse protection
 * and keeps one document per window. Denied requests still count (a client hammering the API stays limited
 * until the window resets). Known limit: Firestore's soft limit is about one sustained write per second per
 * document, so the single global counter (and a very busy user's) will contend at production load; shard it
 * or move the counters to Memorystore before then (README-security.md).
 */
import { createHash } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { FieldValue, Timestamp, type DocumentReference, type Firestore } from 'firebase-admin/firestore';
import { ClarityError } from '@clarity/core';
import { state } from './context.ts';

export const rateLimitCollection = 'rateLimits';

export interface RateLimitConfig {
  windowSeconds: number;
  /** Per signed-in user, or per client IP on anonymous routes. */
  perCaller: number;
  global: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** The policy that is closest to (or over) its limit. */
  scope: 'caller' | 'global';
  limit: number;
  remaining: number;
  /** Seconds until the current window ends. */
  resetSeconds: number;
  windowSeconds: number;
}

interface CommitResponse {
  writeResults?: { transformResults?: { integerValue?: string | number }[] }[];
}
interface RawCommitBatch {
  _commit?: (options?: { retryCodes?: number[] }) => Promise<CommitResponse>;
}

/** The callers' key: a uid, or a hashed IP for anonymous requests. */
export function callerKey(caller: { uid: string } | undefined, ip: string | undefined): string {
  if (caller) return `u_${caller.uid}`;
  return `ip_${createHash('sha256')
    .update(ip ?? 'unknown')
    .digest('hex')
    .slice(0, 24)}`;
}

/**
 * The client address for anonymous limits: the RIGHT-most X-Forwarded-For entry, which Google's front end
 * appends (the left-most entries are whatever the client sent, so keying on them would let anyone pick a
 * fresh key per request); the socket address when there is no proxy (tests, local servers).
 */
export function clientIp(req: Request): string | undefined {
  const xff = req.get('x-forwarded-for');
  const last = xff?.split(',').pop()?.trim();
  return last && last.length > 0 ? last : req.socket.remoteAddress;
}

export class FirestoreRateLimiter {
  readonly config: RateLimitConfig;
  private readonly db: Firestore;
  private readonly now: () => number;
  /** Set false by tests to pin the transaction fallback. */
  useRawCommit = true;

  constructor(db: Firestore, config: RateLimitConfig, now: () => number = Date.now) {
    this.db = db;
    this.config = config;
    this.now = now;
  }

  async hit(key: string): Promise<RateLimitDecision> {
    const windowMs = this.config.windowSeconds * 1000;
    const t = this.now();
    const window = Math.floor(t / windowMs);
    const windowEnd = (window + 1) * windowMs;
    const callerRef = this.db.collection(rateLimitCollection).doc(`${key}_${window}`);
    const globalRef = this.db.collection(rateLimitCollection).doc(`global_${window}`);
    const [callerCount = 0, globalCount = 0] = await this.increment(
      [callerRef, globalRef],
      Timestamp.fromMillis(windowEnd + windowMs),
    );
    const callerLeft = this.config.perCaller - callerCount;
    const globalLeft = this.config.global - globalCount;
    const scope = callerLeft <= globalLeft ? 'caller' : 'global';
    return {
      allowed: callerLeft >= 0 && globalLeft >= 0,
      scope,
      limit: scope === 'caller' ? this.config.perCaller : this.config.global,
      remaining: Math.max(0, Math.min(callerLeft, globalLeft)),
      resetSeconds: Math.max(1, Math.ceil((windowEnd - t) / 1000)),
      windowSeconds: this.config.windowSeconds,
    };
  }

  private async increment(refs: DocumentReference[], expiresAt: Timestamp): Promise<number[]> {
    const batch = this.db.batch();
    for (const ref of refs) batch.set(ref, { count: FieldValue.increment(1), expiresAt }, { merge: true });
    const raw = (batch as unknown as RawCommitBatch)._commit;
    if (this.useRawCommit && typeof raw === 'function') {
      // ABORTED (10) is retried, as WriteBatch.commit() does.
      const response = await raw.call(batch, { retryCodes: [10, 4, 13, 14] });
      const counts = (response.writeResults ?? []).map((w) => Number(w.transformResults?.[0]?.integerValue));
      if (counts.length === refs.length && counts.every((c) => Number.isFinite(c))) return counts;
      throw new Error('rate limiter: commit response carried no increment results');
    }
    return this.db.runTransaction(async (tx) => {
      const snaps = await tx.getAll(...refs);
      const counts = snaps.map((s) => Number((s.get('count') as number | undefined) ?? 0) + 1);
      refs.forEach((ref, i) => tx.set(ref, { count: counts[i], expiresAt }, { merge: true }));
      return counts;
    });
  }
}

/** IETF draft-ietf-httpapi-ratelimit-headers (draft 7 combined fields, plus the older split fields). */
export function setRateLimitHeaders(res: Response, d: RateLimitDecision): void {
  res.setHeader('RateLimit-Policy', `"${d.scope}";q=${d.limit};w=${d.windowSeconds}`);
  res.setHeader('RateLimit', `"${d.scope}";r=${d.remaining};t=${d.resetSeconds}`);
  res.setHeader('RateLimit-Limit', String(d.limit));
  res.setHeader('RateLimit-Remaining', String(d.remaining));
  res.setHeader('RateLimit-Reset', String(d.resetSeconds));
}

/**
 * The limiter as middleware. After requireUser it limits per uid; on anonymous routes per client IP.
 * 429 with Retry-After when either limit is spent. If the store is unreachable the request is let through
 * (logged): rate limiting protects capacity, it must not turn a Firestore blip into an outage of the API.
 */
export function rateLimitMiddleware(limiter: FirestoreRateLimiter | undefined): RequestHandler {
  return (req, res, next) => {
    if (!limiter) {
      next();
      return;
    }
    const s = state(req);
    if (s.rateLimited) {
      next();
      return;
    }
    s.rateLimited = true;
    limiter.hit(callerKey(s.caller, clientIp(req))).then(
      (d) => {
        setRateLimitHeaders(res, d);
        if (!d.allowed) {
          res.setHeader('Retry-After', String(d.resetSeconds));
          s.log.warn('api.rate_limited', { scope: d.scope, limit: d.limit, path: req.path });
          next(
            new ClarityError(
              'rate_limited',
              d.scope === 'caller'
                ? `too many requests: limit of ${d.limit} per ${d.windowSeconds} s reached; retry after ${d.resetSeconds} s`
                : `the service is at capacity; retry after ${d.resetSeconds} s`,
            ),
          );
          return;
        }
        next();
      },
      (e: unknown) => {
        s.log.error('api.rate_limit_unavailable', { errorName: (e as Error).name });
        next();
      },
    );
  };
}
