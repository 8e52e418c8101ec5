/**
 * Dynamic micro-batching. Items from concurrent requests wait in one bounded FIFO queue per model; one batch
 * runs at a time (a session run already uses every intra-op thread, so two in parallel would only contend).
 *
 * Dispatch policy: when the runner is idle, a batch starts as soon as `maxBatch` items wait, or the oldest
 * item has waited `maxWaitMs`, or a lone client is evident: no other request is being received or parsed
 * (`arriving()` is 0) and the previous batch ran one item with nothing queued behind it. When a batch
 * finishes, whatever queued meanwhile starts at once (those items already waited a whole batch).
 * So a lone client pays no batching wait (measured on PAT-S: the fixed 1 ms wait cost it about 1.5 ms per
 * request, timer slack included), while concurrent clients, whose next requests come back a moment apart
 * after a batch answers them all, still wait up to `maxWaitMs` to share one batch: `arriving()` alone cannot
 * see requests still in the socket buffers, and splitting them would make every later batch wait for an
 * extra small one.

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
  /** Whether the last batch showed concurrent clients (more than one item, or items queued behind it). */
  private concurrent = false;

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
    const lone = !this.concurrent && this.options.arriving !== undefined && this.options.arriving() === 0;
    if (this.queue.length >= this.options.maxBatch || this.options.maxWaitMs <= 0 || lone) {
      this.dispatch();
      return;
    }
    if (this.timer) return;
    const oldest = this.queue[0]?.enqueued ?? performance.now();
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
        this.concurrent = batch.length > 1 || this.queue.length > 0;
        // Items that queued during the run already waited; start them immediately.
        if (this.queue.length > 0) this.dispatch();
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
