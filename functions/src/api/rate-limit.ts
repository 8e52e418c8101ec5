/**
 * Rate limits, shared by every function instance (README-security.md, finding 1).
 *
 * Two classes of caller, each with its own per-caller limit AND its own pool: signed-in users (keyed by uid)
 * and anonymous callers (keyed by a hash of the client address, so no raw IP is stored). Anonymous traffic,
 * however much of it, can never spend the signed-in users' pool.
 *
 * Algorithm: GCRA (the generic cell rate algorithm, a leaky bucket kept as one timestamp): a bucket of
 * `perCaller` requests per `windowSeconds`, i.e. one request every `interval` ms, with a burst of `burst`
 * requests. Its whole state is the theoretical arrival time `tat`; a request is admitted when
 * `max(tat, now) + interval - burst * interval <= now`, and only an admitted request moves `tat` on. So a
 * REFUSED request consumes no budget, a client hammering the API is admitted at exactly its rate, and there
 * are no window boundaries (no 2x bursts at the turn of a window).
 *
 * Store: Firestore, the one store every instance already talks to (no Memorystore to provision). One
 * transaction per admitted request reads the caller's document and two of the pool's shards and writes the
 * caller and the first shard that admits. The pool is sharded (`pool_{class}_{i}`, RATE_LIMIT_POOL_SHARDS
 * documents, each with 1/N of the rate and burst): no single hot document; a shard that is full is skipped.
 *
 * In-instance part: an instance remembers until when a caller (or shard) is certain to be refused — `tat`
 * only ever grows, so "refused until t" seen once stays true — and refuses those requests without a store
 * round trip; and it runs at most one store transaction per caller at a time (the others wait and re-check),
 * so a flood costs about one transaction per ADMITTED request. When the store fails or is slow
 * (RateLimiter.timeoutMs), the instance's own GCRA with the same limits decides (the pool then bounds one
 * instance): a Firestore outage never turns into an unlimited API.
 */
import { createHash, randomInt } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { Timestamp, type Firestore } from 'firebase-admin/firestore';
import { ClarityError } from '@clarity/core';
import { collections, rateLimitUserKey } from '../store/paths.ts';
import { state } from './context.ts';

export const rateLimitCollection = collections.rateLimits;

export type CallerClass = 'user' | 'anon';

export interface ClassLimits {
  /** Requests one caller may make per window (its steady rate). */
  perCaller: number;
  /** Requests one caller may make at once from rest (at least 1). */
  burst: number;
  /** Requests all callers of the class together may make per window, across all instances. */
  pool: number;
  /** Requests all callers of the class may make at once from rest; default a tenth of `pool`. */
  poolBurst?: number;
}

export interface RateLimitConfig {
  windowSeconds: number;
  user: ClassLimits;
  anon: ClassLimits;
  /** Documents each pool is spread over (at least 1). */
  poolShards: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** The policy that refused the request, or the caller's own when admitted. */
  scope: 'caller' | 'global';
  limit: number;
  /** Requests the caller could make right now (its burst left). */
  remaining: number;
  /** Seconds until the next request would be admitted (refused) or the burst is full again (admitted). */
  resetSeconds: number;
  windowSeconds: number;
  /** Who decided: the shared store, this instance's memory of a certain refusal, or the fallback. */
  source: 'store' | 'cache' | 'instance';
}

/** One GCRA bucket: emission interval and burst, in ms. */
export interface Bucket {
  intervalMs: number;
  burst: number;
}

export interface GcraStep {
  allowed: boolean;
  /** The bucket's tat if this request is admitted. */
  tat: number;
  /** The earliest time at which this request would be admitted. */
  allowAt: number;
}

export function gcra(tat: number | undefined, now: number, b: Bucket): GcraStep {
  const next = Math.max(tat ?? 0, now) + b.intervalMs;
  const allowAt = next - b.burst * b.intervalMs;
  return { allowed: allowAt <= now, tat: next, allowAt };
}

export function remainingOf(tat: number, now: number, b: Bucket): number {
  return Math.max(0, Math.floor((now + b.burst * b.intervalMs - tat) / b.intervalMs));
}

export function buckets(config: RateLimitConfig, cls: CallerClass): { caller: Bucket; pool: Bucket } {
  const windowMs = config.windowSeconds * 1000;
  const l = config[cls];
  const shards = Math.max(1, config.poolShards);
  return {
    caller: { intervalMs: windowMs / l.perCaller, burst: Math.max(1, l.burst) },
    // Each shard has 1/N of the pool's rate and burst.
    pool: {
      intervalMs: (windowMs * shards) / l.pool,
      burst: Math.max(1, Math.ceil((l.poolBurst ?? l.pool / 10) / shards)),
    },
  };
}

export interface TakeRequest {
  now: number;
  callerKey: string;
  caller: Bucket;
  /** Pool shards to try, in order. */
  poolKeys: string[];
  pool: Bucket;
}

export interface TakeResult {
  allowed: boolean;
  scope: 'caller' | 'global';
  /** The caller's tat after this request (its tat before, when refused). */
  callerTat: number;
  /** When refused by the caller bucket: the earliest time the caller is admitted again. */
  callerAllowAt?: number;
  /** Pool shards that refused, with the time each would admit again. */
  poolAllowAt: Record<string, number>;
}

/** Where the buckets live: Firestore for the service, memory for the in-instance fallback and tests. */
export interface RateLimitStore {
  take(req: TakeRequest): Promise<TakeResult>;
}

function decide(
  r: TakeRequest,
  callerTat: number | undefined,
  poolTats: (number | undefined)[],
): { result: TakeResult; poolKey?: string; poolTat?: number } {
  const c = gcra(callerTat, r.now, r.caller);
  if (!c.allowed) {
    return {
      result: {
        allowed: false,
        scope: 'caller',
        callerTat: callerTat ?? r.now,
        callerAllowAt: c.allowAt,
        poolAllowAt: {},
      },
    };
  }
  const poolAllowAt: Record<string, number> = {};
  for (const [i, key] of r.poolKeys.entries()) {
    const p = gcra(poolTats[i], r.now, r.pool);
    if (p.allowed)
      return {
        result: { allowed: true, scope: 'caller', callerTat: c.tat, poolAllowAt },
        poolKey: key,
        poolTat: p.tat,
      };
    poolAllowAt[key] = p.allowAt;
  }
  return { result: { allowed: false, scope: 'global', callerTat: callerTat ?? r.now, poolAllowAt } };
}

export class MemoryRateLimitStore implements RateLimitStore {
  private readonly tats = new Map<string, number>();

  take(r: TakeRequest): Promise<TakeResult> {
    const d = decide(
      r,
      this.tats.get(r.callerKey),
      r.poolKeys.map((k) => this.tats.get(k)),
    );
    if (d.result.allowed && d.poolKey !== undefined && d.poolTat !== undefined) {
      this.tats.set(r.callerKey, d.result.callerTat);
      this.tats.set(d.poolKey, d.poolTat);
      if (this.tats.size > 50_000) this.sweep(r.now);
    }
    return Promise.resolve(d.result);
  }

  /** Buckets whose tat has passed are full again: the same as absent. */
  private sweep(now: number): void {
    for (const [k, tat] of this.tats) if (tat <= now) this.tats.delete(k);
  }
}

export class FirestoreRateLimitStore implements RateLimitStore {
  private readonly db: Firestore;
  constructor(db: Firestore) {
    this.db = db;
  }

  take(r: TakeRequest): Promise<TakeResult> {
    const col = this.db.collection(rateLimitCollection);
    const callerRef = col.doc(r.callerKey);
    const poolRefs = r.poolKeys.map((k) => col.doc(k));
    return this.db.runTransaction(async (tx) => {
      const [callerSnap, ...poolSnaps] = await tx.getAll(callerRef, ...poolRefs);
      const tatOf = (s: FirebaseFirestore.DocumentSnapshot | undefined): number | undefined => {
        const v: unknown = s?.get('tat');
        return typeof v === 'number' ? v : undefined;
      };
      const d = decide(r, tatOf(callerSnap), poolSnaps.map(tatOf));
      if (d.result.allowed && d.poolKey !== undefined && d.poolTat !== undefined) {
        // expiresAt: a Firestore TTL policy deletes buckets that are full again (README-security.md).
        tx.set(callerRef, { tat: d.result.callerTat, expiresAt: Timestamp.fromMillis(d.result.callerTat) });
        tx.set(col.doc(d.poolKey), { tat: d.poolTat, expiresAt: Timestamp.fromMillis(d.poolTat) });
      }
      return d.result;
    });
  }
}

export interface RateLimiterOptions {
  now?: () => number;
  /** A store answer slower than this is abandoned for the in-instance decision. */
  timeoutMs?: number;
  /** Called once per store failure (the middleware logs it). */
  onStoreError?: (e: unknown) => void;
}

export class RateLimiter {
  readonly config: RateLimitConfig;
  private readonly store: RateLimitStore | undefined;
  private readonly fallback = new MemoryRateLimitStore();
  private readonly now: () => number;
  private readonly timeoutMs: number;
  private readonly onStoreError: (e: unknown) => void;
  /** key -> time before which a request is certain to be refused. */
  private readonly refusedUntil = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<unknown>>();

  /** `store` undefined: the in-instance limiter only (tests, local tools). */
  constructor(store: RateLimitStore | undefined, config: RateLimitConfig, opts: RateLimiterOptions = {}) {
    this.store = store;
    this.config = config;
    this.now = opts.now ?? Date.now;
    this.timeoutMs = opts.timeoutMs ?? 2_000;
    this.onStoreError = opts.onStoreError ?? (() => undefined);
  }

  /** Store keys: `u_{uid}`, `ip_{sha256(address)}`; pools `pool_{class}_{shard}`. */
  static callerKey(cls: CallerClass, id: string): string {
    if (cls === 'user') return rateLimitUserKey(id);
    return `ip_${createHash('sha256').update(id).digest('hex').slice(0, 24)}`;
  }

  async hit(cls: CallerClass, id: string): Promise<RateLimitDecision> {
    const callerKey = RateLimiter.callerKey(cls, id);
    for (;;) {
      const pending = this.inFlight.get(callerKey);
      if (pending === undefined) break;
      await pending.catch(() => undefined);
    }
    const cached = this.cachedRefusal(cls, callerKey);
    if (cached) return cached;
    const run = this.decide(cls, callerKey);
    this.inFlight.set(callerKey, run);
    try {
      return await run;
    } finally {
      this.inFlight.delete(callerKey);
    }
  }

  private cachedRefusal(cls: CallerClass, callerKey: string): RateLimitDecision | undefined {
    const now = this.now();
    const l = this.config[cls];
    const until = this.refusedUntil.get(callerKey);
    if (until !== undefined && until > now) return this.refusal('caller', l.perCaller, until - now, 'cache');
    const open = this.poolKeys(cls).filter((k) => (this.refusedUntil.get(k) ?? 0) <= now);
    if (open.length === 0) {
      const soonest = Math.min(...this.poolKeys(cls).map((k) => this.refusedUntil.get(k) ?? now));
      return this.refusal('global', l.pool, soonest - now, 'cache');
    }
    return undefined;
  }

  private async decide(cls: CallerClass, callerKey: string): Promise<RateLimitDecision> {
    const now = this.now();
    const b = buckets(this.config, cls);
    const open = this.poolKeys(cls).filter((k) => (this.refusedUntil.get(k) ?? 0) <= now);
    const req: TakeRequest = { now, callerKey, caller: b.caller, poolKeys: pickTwo(open), pool: b.pool };
    let result: TakeResult;
    let source: RateLimitDecision['source'] = 'store';
    try {
      if (!this.store) throw new Error('no shared rate-limit store');
      result = await withTimeout(this.store.take(req), this.timeoutMs);
      // The fallback mirrors what the store admitted, so it is warm if the store goes away.
      if (result.allowed) await this.fallback.take(req);
    } catch (e) {
      if (this.store) this.onStoreError(e);
      source = 'instance';
      result = await this.fallback.take(req);
    }
    if (result.callerAllowAt !== undefined) this.refuseUntil(callerKey, result.callerAllowAt);
    for (const [k, t] of Object.entries(result.poolAllowAt)) this.refuseUntil(k, t);
    const l = this.config[cls];
    if (!result.allowed) {
      const until =
        result.scope === 'caller'
          ? (result.callerAllowAt ?? now)
          : Math.min(...Object.values(result.poolAllowAt), now + 1000);
      return this.refusal(
        result.scope,
        result.scope === 'caller' ? l.perCaller : l.pool,
        until - now,
        source,
      );
    }
    return {
      allowed: true,
      scope: 'caller',
      limit: l.perCaller,
      remaining: remainingOf(result.callerTat, now, b.caller),
      resetSeconds: Math.max(1, Math.ceil((result.callerTat - now) / 1000)),
      windowSeconds: this.config.windowSeconds,
      source,
    };
  }

  private refuseUntil(key: string, t: number): void {
    if (this.refusedUntil.size > 50_000) {
      const now = this.now();
      for (const [k, u] of this.refusedUntil) if (u <= now) this.refusedUntil.delete(k);
    }
    this.refusedUntil.set(key, Math.max(t, this.refusedUntil.get(key) ?? 0));
  }

  private refusal(
    scope: 'caller' | 'global',
    limit: number,
    waitMs: number,
    source: RateLimitDecision['source'],
  ): RateLimitDecision {
    return {
      allowed: false,
      scope,
      limit,
      remaining: 0,
      resetSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
      windowSeconds: this.config.windowSeconds,
      source,
    };
  }

  private poolKeys(cls: CallerClass): string[] {
    return Array.from({ length: Math.max(1, this.config.poolShards) }, (_, i) => `pool_${cls}_${i}`);
  }
}

function pickTwo(keys: string[]): string[] {
  if (keys.length <= 1) return keys;
  const i = randomInt(keys.length);
  let j = randomInt(keys.length - 1);
  if (j >= i) j++;
  return [keys[i] as string, keys[j] as string];
}

/**
 * The store was slower than RateLimiter's timeout (a cold start's first transaction on a loaded machine, a
 * slow Firestore): the in-instance limiter decided instead. A warning, not an outage.
 */
export class RateLimitStoreTimeout extends Error {
  constructor(ms: number) {
    super(`rate-limit store answered not within ${ms} ms`);
    this.name = 'RateLimitStoreTimeout';
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new RateLimitStoreTimeout(ms)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/**
 * The client address for anonymous limits: `req.ip`, which Express derives from X-Forwarded-For with
 * `trust proxy` set to the number of proxies in front (TRUSTED_PROXY_HOPS; README-security.md): the entry
 * that many hops from the right, which the first trusted proxy appended. Entries further left are whatever
 * the client sent, so keying on them would let anyone pick a fresh key per request.
 */
export function clientIp(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
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
 * The limiter as middleware: per uid once requireUser has verified the caller, otherwise per client
 * address in the anonymous class. 429 with Retry-After when the caller's limit or its class's pool is spent.
 * Runs at most once per request.
 */
export function rateLimitMiddleware(limiter: RateLimiter | undefined): RequestHandler {
  return (req, res, next) => {
    const s = state(req);
    if (!limiter || s.rateLimited) {
      next();
      return;
    }
    s.rateLimited = true;
    const hit = s.caller ? limiter.hit('user', s.caller.uid) : limiter.hit('anon', clientIp(req));
    hit.then(
      (d) => {
        setRateLimitHeaders(res, d);
        if (d.allowed) {
          next();
          return;
        }
        res.setHeader('Retry-After', String(d.resetSeconds));
        if (d.source !== 'cache')
          s.log.warn('api.rate_limited', {
            scope: d.scope,
            limit: d.limit,
            path: req.path,
            source: d.source,
          });
        next(
          new ClarityError(
            'rate_limited',
            d.scope === 'caller'
              ? `too many requests: limit of ${d.limit} per ${d.windowSeconds} s reached; retry after ${d.resetSeconds} s`
              : `the service is at capacity; retry after ${d.resetSeconds} s`,
          ),
        );
      },
      (e: unknown) => next(e),
    );
  };
}
