/**
 * Dynamic micro-batching. Items from concurrent requests wait in one bounded FIFO queue per model; one batch
 * runs at a time (a session run already uses every intra-op thread, so two in parallel would only contend).
 *
 * Dispatch policy, when the runner is idle and items wait. A batch starts at once when
 *  - `maxBatch` items wait; or
 *  - a lone client is evident: no other request is being received or parsed (`arriving()` is 0) and the last
 *    round had one client (one item, nothing queued behind it). Measured on PAT-S: a fixed 1 ms wait cost a
 *    lone client about 1.5 ms per request, timer slack included; or
 *  - as many items wait as the last round had clients (its batch plus what queued behind it, at most
 *    `maxBatch`): closed-loop clients answered together come back together; or
 *  - `maxWaitMs` passed since the oldest item queued, or since the last batch finished if that is later.
 * The last two rules heal split rounds. Clients answered together send their next requests a moment apart,
 * and `arriving()` cannot see requests still in the socket buffers; if a batch started with the first few,
 * the rest would queue behind it and, were queued items started the moment a batch ends, the split would
 * repeat every round (each request waiting a whole extra batch: the p99 at 8 clients). Waiting briefly after a
 * batch for its clients to return merges the groups again, at the price of at most `maxWaitMs` while no
 * batch runs.

 * Back-pressure: a submit that would take the queue past `maxQueue` items fails at once with `unavailable`
 * (503 + Retry-After). An item whose deadline passes while queued is dropped with `deadline_exceeded` before it
 * costs compute.
 */
import { ClarityError } from '@clarity/core';

export interface BatchStats {
  size: number;
  durationMs: number;
}

export interface MicroBatcherOptions<I, O> {
  maxBatch: number;
  maxWaitMs: number;
  maxQueue: number;
  run: (items: I[]) => Promise<O[]>;
  onBatch?: (stats: BatchStats) => void;
  onQueueDepth?: (depth: number) => void;
  /** Requests received but not yet submitted (the server's count); default: unknown, always wait. */
  arriving?: () => number;
}

interface Pending<I, O> {
  item: I;
  deadline: number;
  enqueued: number;
  resolve: (o: O) => void;
  reject: (e: unknown) => void;
}

export class MicroBatcher<I, O> {
  private readonly options: MicroBatcherOptions<I, O>;
  private readonly queue: Pending<I, O>[] = [];
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  /** Clients seen in the last round: its batch plus the items queued behind it, at most maxBatch. */
  private lastRound = 0;
  /** When the last batch finished (performance.now()). */
  private lastFinish = 0;

  constructor(options: MicroBatcherOptions<I, O>) {
    if (options.maxBatch < 1 || options.maxQueue < 1)
      throw new Error('maxBatch and maxQueue must be at least 1');
    this.options = options;
  }

  get depth(): number {
    return this.queue.length;
  }

  /** Submits several items as one unit: all are queued or none (so a request is never half-admitted). */
  submitAll(items: I[], deadline: number): Promise<O>[] {
    if (this.closed) throw new ClarityError('unavailable', 'server is shutting down', { retryable: true });
    if (this.queue.length + items.length > this.options.maxQueue) {
      throw new ClarityError('unavailable', 'inference queue is full; retry later', { retryable: true });
    }
    const now = performance.now();
    const promises = items.map(
      (item) =>
        new Promise<O>((resolve, reject) => {
          this.queue.push({ item, deadline, enqueued: now, resolve, reject });
        }),
    );
    this.options.onQueueDepth?.(this.queue.length);
    this.schedule();
    return promises;
  }

  /** Stops accepting work; resolves once everything queued or running has finished. */
  async drain(): Promise<void> {
    this.closed = true;
    if (!this.running && this.queue.length === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Re-checks the dispatch policy; the server calls it when a request it counted as arriving went away. */
  poke(): void {
    this.schedule();
  }

  private schedule(): void {
    if (this.running || this.queue.length === 0) return;
    const waiting = this.queue.length;
    const lone = this.lastRound <= 1 && this.options.arriving !== undefined && this.options.arriving() === 0;
    const roundBack = this.lastRound > 0 && waiting >= this.lastRound;
    if (waiting >= this.options.maxBatch || this.options.maxWaitMs <= 0 || this.closed || lone || roundBack) {
      this.dispatch();
      return;
    }
    if (this.timer) return;
    const oldest = Math.max(this.queue[0]?.enqueued ?? 0, this.lastFinish);
    const wait = Math.max(0, oldest + this.options.maxWaitMs - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.dispatch();
    }, wait);
  }

  private dispatch(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.running) return;
    const now = performance.now();
    const batch: Pending<I, O>[] = [];
    while (batch.length < this.options.maxBatch && this.queue.length > 0) {
      const p = this.queue.shift()!;
      if (p.deadline <= now)
        p.reject(new ClarityError('deadline_exceeded', 'request timed out while queued'));
      else batch.push(p);
    }
    this.options.onQueueDepth?.(this.queue.length);
    if (batch.length === 0) {
      this.settle();
      return;
    }
    this.running = true;
    const started = performance.now();
    this.options
      .run(batch.map((p) => p.item))
      .then(
        (outs) => {
          this.options.onBatch?.({ size: batch.length, durationMs: performance.now() - started });
          batch.forEach((p, i) => {
            const o = outs[i];
            if (o === undefined)
              p.reject(new ClarityError('internal', 'model returned fewer outputs than inputs'));
            else p.resolve(o);
          });
        },
        (e: unknown) => {
          for (const p of batch) p.reject(e);
        },
      )
      .finally(() => {
        this.running = false;
        this.lastRound = Math.min(this.options.maxBatch, batch.length + this.queue.length);
        this.lastFinish = performance.now();
        if (this.queue.length > 0) this.schedule();
        else this.settle();
      });
  }

  private settle(): void {
    if (this.running || this.queue.length > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
