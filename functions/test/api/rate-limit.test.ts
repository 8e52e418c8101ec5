/**
 * The rate limiter's logic on a virtual clock (no emulators): GCRA rate and burst, refused requests that
 * consume nothing, separate anonymous and signed-in pools, sharded pools, the in-instance fallback when the
 * shared store fails or hangs, the in-instance memory of certain refusals, and the client address taken
 * from the configured proxy hop. The same limiter on Firestore: security.int.test.ts and the flood test.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { describe, expect, it } from 'vitest';
import {
  MemoryRateLimitStore,
  RateLimiter,
  RateLimitStoreTimeout,
  clientIp,
  type RateLimitConfig,
  type RateLimitStore,
  type TakeRequest,
  type TakeResult,
} from '../../src/api/rate-limit.ts';

const config = (over: Partial<RateLimitConfig> = {}): RateLimitConfig => ({
  windowSeconds: 60,
  user: { perCaller: 60, burst: 5, pool: 6000 },
  anon: { perCaller: 30, burst: 2, pool: 600 },
  poolShards: 4,
  ...over,
});

class Clock {
  t = Date.UTC(2030, 0, 1);
  now = (): number => this.t;
}

/** A store that counts calls and remembers the keys it was asked about. */
class SpyStore implements RateLimitStore {
  calls = 0;
  keys: string[] = [];
  private readonly inner = new MemoryRateLimitStore();
  take(r: TakeRequest): Promise<TakeResult> {
    this.calls++;
    this.keys.push(...r.poolKeys);
    return this.inner.take(r);
  }
}

async function hammer(
  limiter: RateLimiter,
  clock: Clock,
  who: ['user' | 'anon', string],
  perSecond: number,
  seconds: number,
): Promise<{ admitted: number; refused: number }> {
  let admitted = 0;
  let refused = 0;
  for (let i = 0; i < perSecond * seconds; i++) {
    clock.t += 1000 / perSecond;
    const d = await limiter.hit(...who);
    if (d.allowed) admitted++;
    else refused++;
  }
  return { admitted, refused };
}

describe('rate limiter (GCRA on a virtual clock)', () => {
  it('admits a client hammering at 10x its rate at exactly its rate plus its burst', async () => {
    const clock = new Clock();
    const limiter = new RateLimiter(new MemoryRateLimitStore(), config(), { now: clock.now });
    // 30 a minute, burst 2; offered 5 a second for 60 s.
    const r = await hammer(limiter, clock, ['anon', '203.0.113.7'], 5, 60);
    expect(r.admitted).toBeGreaterThanOrEqual(30);
    expect(r.admitted).toBeLessThanOrEqual(32);
    expect(r.refused).toBe(300 - r.admitted);
  });

  it('a refused request consumes no budget: after one interval the caller is admitted again', async () => {
    const clock = new Clock();
    const limiter = new RateLimiter(new MemoryRateLimitStore(), config(), { now: clock.now });
    for (let i = 0; i < 5; i++) expect((await limiter.hit('user', 'u1')).allowed).toBe(true);
    // 100 refused requests in the same instant...
    for (let i = 0; i < 100; i++) expect((await limiter.hit('user', 'u1')).allowed).toBe(false);
    // ...and yet one interval (60 s / 60) later the next one passes, and exactly one.
    clock.t += 1000;
    expect((await limiter.hit('user', 'u1')).allowed).toBe(true);
    expect((await limiter.hit('user', 'u1')).allowed).toBe(false);
  });

  it('anonymous callers, however many, cannot spend the signed-in users’ pool', async () => {
    const clock = new Clock();
    const cfg = config({
      user: { perCaller: 60, burst: 5, pool: 40, poolBurst: 40 },
      anon: { perCaller: 30, burst: 2, pool: 40, poolBurst: 40 },
    });
    const limiter = new RateLimiter(new SpyStore(), cfg, { now: clock.now });
    // 500 anonymous addresses, each within its own limit, spend the whole anonymous pool...
    let anonAdmitted = 0;
    for (let i = 0; i < 500; i++) if ((await limiter.hit('anon', `198.51.100.${i}`)).allowed) anonAdmitted++;
    expect(anonAdmitted).toBeLessThanOrEqual(40);
    const refusedAnon = await limiter.hit('anon', '192.0.2.1');
    expect(refusedAnon).toMatchObject({ allowed: false, scope: 'global' });
    // ...while every signed-in user is still admitted.
    for (let i = 0; i < 5; i++) expect((await limiter.hit('user', `user-${i}`)).allowed).toBe(true);
  });

  it('spreads each pool over its shards (no single hot document)', async () => {
    const clock = new Clock();
    const store = new SpyStore();
    const limiter = new RateLimiter(store, config({ poolShards: 8 }), { now: clock.now });
    for (let i = 0; i < 200; i++) {
      clock.t += 10;
      await limiter.hit('user', `u-${i}`);
    }
    const used = new Set(store.keys);
    expect([...used].every((k) => /^pool_user_[0-7]$/.test(k))).toBe(true);
    expect(used.size).toBe(8);
  });

  it('a refused caller is refused from memory, without a store round trip, until it may pass', async () => {
    const clock = new Clock();
    const store = new SpyStore();
    const limiter = new RateLimiter(store, config(), { now: clock.now });
    for (let i = 0; i < 3; i++) await limiter.hit('anon', '203.0.113.9');
    const calls = store.calls;
    for (let i = 0; i < 50; i++) expect((await limiter.hit('anon', '203.0.113.9')).source).toBe('cache');
    expect(store.calls).toBe(calls);
    clock.t += 2000;
    expect(await limiter.hit('anon', '203.0.113.9')).toMatchObject({ allowed: true, source: 'store' });
  });

  it('concurrent requests of one caller make one store call at a time', async () => {
    let inFlight = 0;
    let most = 0;
    const inner = new MemoryRateLimitStore();
    const store: RateLimitStore = {
      async take(r) {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((res) => setTimeout(res, 5));
        inFlight--;
        return inner.take(r);
      },
    };
    const limiter = new RateLimiter(store, config());
    const all = await Promise.all(Array.from({ length: 20 }, () => limiter.hit('anon', '203.0.113.10')));
    expect(most).toBe(1);
    expect(all.filter((d) => d.allowed)).toHaveLength(2);
  });

  it('when the store fails, the in-instance limiter still bounds each caller', async () => {
    const clock = new Clock();
    const errors: unknown[] = [];
    const failing: RateLimitStore = { take: () => Promise.reject(new Error('UNAVAILABLE')) };
    const limiter = new RateLimiter(failing, config(), {
      now: clock.now,
      onStoreError: (e) => errors.push(e),
    });
    const r = await hammer(limiter, clock, ['user', 'u-outage'], 10, 60);
    expect(r.admitted).toBeGreaterThanOrEqual(60);
    expect(r.admitted).toBeLessThanOrEqual(65);
    expect(errors.length).toBeGreaterThan(0);
    expect((await limiter.hit('user', 'u-outage')).source).not.toBe('store');
  });

  it('a store that hangs is abandoned after timeoutMs for the in-instance decision', async () => {
    const hanging: RateLimitStore = { take: () => new Promise<TakeResult>(() => undefined) };
    const errors: unknown[] = [];
    const limiter = new RateLimiter(hanging, config(), {
      timeoutMs: 50,
      onStoreError: (e) => errors.push(e),
    });
    const t0 = Date.now();
    const d = await limiter.hit('user', 'u-slow');
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(d).toMatchObject({ allowed: true, source: 'instance' });
    // A timeout is told apart from a failure (the function logs it as a warning, not an error).
    expect(errors[0]).toBeInstanceOf(RateLimitStoreTimeout);
  });
});

describe('client address from the configured proxy hop', () => {
  async function ipWith(hops: number | false, xff?: string): Promise<string> {
    const app = express();
    app.set('trust proxy', hops);
    app.get('/', (req, res) => {
      res.send(clientIp(req));
    });
    const server = createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, {
        headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
      });
      return await res.text();
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  }

  it('takes the entry the trusted proxies appended, never one the client wrote', async () => {
    // Direct Cloud Functions URL: Google's front end appends the client address (1 hop).
    expect(await ipWith(1, '6.6.6.6, 203.0.113.5')).toBe('203.0.113.5');
    // Behind Firebase Hosting or an HTTPS load balancer: client, then the proxy's own address (2 hops).
    expect(await ipWith(2, '6.6.6.6, 203.0.113.5, 35.191.0.1')).toBe('203.0.113.5');
    // No proxy (emulator, tests): the socket address; a forged header changes nothing.
    expect(await ipWith(false, '6.6.6.6')).toBe('127.0.0.1');
  });
});
