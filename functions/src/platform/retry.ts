/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"): attempt n
 * waits a uniform random time in [0, min(maxMs, baseMs * 2^n)], which spreads retries of many callers
 * instead of synchronising them. Only retryable errors are retried (ClarityError.retryable, or the
 * caller's predicate); the last error is rethrown.
 */
import { isClarityError } from '@clarity/core';

export interface RetryOptions {
  /** Total attempts including the first. Default 3. */
  attempts?: number;
  baseMs?: number;
  maxMs?: number;
  isRetryable?: (e: unknown) => boolean;
  /** Injected for tests (deterministic jitter). */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (attempt: number, delayMs: number, e: unknown) => void;
}

export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  return Math.floor(random() * Math.min(maxMs, baseMs * 2 ** attempt));
}

const defaultRetryable = (e: unknown): boolean => (isClarityError(e) ? e.retryable : false);

export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? 3;
  const baseMs = options.baseMs ?? 200;
  const maxMs = options.maxMs ?? 5_000;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const isRetryable = options.isRetryable ?? defaultRetryable;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (attempt + 1 >= attempts || !isRetryable(e)) throw e;
      const delay = backoffDelay(attempt, baseMs, maxMs, random);
      options.onRetry?.(attempt + 1, delay, e);
      await sleep(delay);
    }
  }
}
