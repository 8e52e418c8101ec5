/**
 * A bounded autocannon run (loopback only) that records every response status in arrival order, so a test
 * can say where 429s begin. autocannon ships no types: the few options used here are typed locally.
 */
import { createRequire } from 'node:module';

interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
}
interface AutocannonOptions extends AutocannonRequest {
  url: string;
  amount?: number;
  duration?: number;
  /** Requests a second over all connections. */
  overallRate?: number;
  connections: number;
  pipelining?: number;
  timeout?: number;
  requests?: AutocannonRequest[];
}
interface AutocannonInstance {
  on(event: 'response', cb: (client: unknown, statusCode: number) => void): void;
}
interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  requests: { average: number; total: number };
}
type Autocannon = (
  opts: AutocannonOptions,
  cb: (err: Error | null, result: AutocannonResult) => void,
) => AutocannonInstance;

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export interface LoadResult {
  statuses: number[];
  /** Successful (2xx) responses that arrived before the first 429. */
  admittedBeforeFirst429: number;
  admitted: number;
  limited: number;
  other: number;
  errors: number;
  durationSeconds: number;
}

export function runLoad(
  opts: Omit<AutocannonOptions, 'pipelining' | 'timeout'> & { amount: number },
): Promise<LoadResult> {
  return run(opts);
}

/** A run of a fixed duration (seconds), optionally at a fixed overall rate; durationSeconds is measured. */
export function runTimed(
  opts: Omit<AutocannonOptions, 'pipelining' | 'timeout' | 'amount'> & { duration: number },
): Promise<LoadResult> {
  return run(opts);
}

function run(opts: Omit<AutocannonOptions, 'pipelining' | 'timeout'>): Promise<LoadResult> {
  if (!/^http:\/\/127\.0\.0\.1:\d+/.test(opts.url)) throw new Error('load runs against loopback only');
  return new Promise((resolve, reject) => {
    const statuses: number[] = [];
    const t0 = performance.now();
    const instance = autocannon({ ...opts, pipelining: 1, timeout: 20 }, (err, result) => {
      if (err) {
        reject(err);
        return;
      }
      const first = statuses.indexOf(429);
      const before = first < 0 ? statuses : statuses.slice(0, first);
      resolve({
        statuses,
        admittedBeforeFirst429: before.filter((s) => s >= 200 && s < 300).length,
        admitted: statuses.filter((s) => s >= 200 && s < 300).length,
        limited: statuses.filter((s) => s === 429).length,
        other: statuses.filter((s) => s !== 429 && (s < 200 || s >= 300)).length,
        errors: result.errors + result.timeouts,
        durationSeconds: opts.duration === undefined ? result.duration : (performance.now() - t0) / 1000,
      });
    });
    instance.on('response', (_client, statusCode) => statuses.push(statusCode));
  });
}
