/**
 * Circuit breakers (opossum) around the services the pipeline depends on: inference-run and the LLM.
 * One breaker per dependency per process; after `volumeThreshold` calls with more than
 * `errorThresholdPercentage` failures it opens and calls fail fast with `unavailable` until `resetTimeout`
 * lets one trial call through. Callers degrade (analytics-only, rules insight) rather than wait.
 */
import CircuitBreaker from 'opossum';
import { ClarityError } from '@clarity/core';

export interface BreakerOptions {
  timeoutMs: number;
  resetTimeoutMs?: number;
  errorThresholdPercentage?: number;
  volumeThreshold?: number;
}

export interface Breaker {
  readonly name: string;
  fire<T>(fn: () => Promise<T>): Promise<T>;
  readonly opened: boolean;
  shutdown(): void;
}

export function createBreaker(name: string, options: BreakerOptions): Breaker {
  const cb = new CircuitBreaker(<T>(fn: () => Promise<T>) => fn(), {
    timeout: options.timeoutMs,
    resetTimeout: options.resetTimeoutMs ?? 30_000,
    errorThresholdPercentage: options.errorThresholdPercentage ?? 50,
    volumeThreshold: options.volumeThreshold ?? 5,
    name,
  });
  return {
    name,
    async fire<T>(fn: () => Promise<T>): Promise<T> {
      try {
        return (await cb.fire(fn)) as T;
      } catch (e) {
        if (cb.opened && !(e instanceof ClarityError)) {
          throw new ClarityError('unavailable', `${name} circuit open`, { cause: e });
        }
        const err = e as { code?: string } | undefined;
        if (err?.code === 'ETIMEDOUT') {
          throw new ClarityError('deadline_exceeded', `${name} timed out`, { cause: e });
        }
        if (err?.code === 'EOPENBREAKER') {
          throw new ClarityError('unavailable', `${name} circuit open`, { cause: e });
        }
        throw e;
      }
    },
    get opened() {
      return cb.opened;
    },
    shutdown: () => cb.shutdown(),
  };
}

const registry = new Map<string, Breaker>();

/** The process-wide breaker of a dependency. */
export function breakerFor(name: string, options: BreakerOptions): Breaker {
  let b = registry.get(name);
  if (!b) registry.set(name, (b = createBreaker(name, options)));
  return b;
}
