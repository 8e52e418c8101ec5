/**
 * `npm run test:flood`: the rate limiter's flood test (functions/test/support/flood.ts) on its own.
 * Writes .cache/flood/params.env (every param of functions/.env.demo-clarity, with the small rate limits
 * below, so a 2-core machine can offer 10x the global limit), runs the test inside `firebase emulators:exec`
 * (scripts/load-test.ts), then prints the test's figures as the LAST line, one JSON object:
 *   {"userRequests":…,"userRefusals":…,"anonAllowedPerMin":…,"anonLimitPerMin":…}
 * Exit status 0 only when the test passed.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot, runLoadTest } from './load-test.ts';

/** The flood session's params that differ from the emulator project's. */
export const floodOverrides: Record<string, string> = {
  RATE_LIMIT_WINDOW_SECONDS: '60',
  RATE_LIMIT_PER_USER: '120',
  RATE_LIMIT_USER_BURST: '30',
  // Signed-in users' pool: the flood offers 10x this (50 requests a second).
  RATE_LIMIT_GLOBAL: '300',
  RATE_LIMIT_POOL_SHARDS: '2',
  RATE_LIMIT_ANON_PER_CLIENT: '120',
  RATE_LIMIT_ANON_BURST: '2',
  RATE_LIMIT_ANON_GLOBAL: '600',
  // The Functions emulator calls the function directly: no proxy in front.
  TRUSTED_PROXY_HOPS: '0',
};

export function floodParams(base: string): string {
  const seen = new Set<string>();
  const lines = base.split('\n').map((line) => {
    const m = /^([A-Z0-9_]+)=/.exec(line);
    if (!m?.[1] || floodOverrides[m[1]] === undefined) return line;
    seen.add(m[1]);
    return `${m[1]}=${floodOverrides[m[1]]}`;
  });
  for (const [k, v] of Object.entries(floodOverrides)) if (!seen.has(k)) lines.push(`${k}=${v}`);
  return [
    '# Written by scripts/flood.ts (npm run test:flood) from functions/.env.demo-clarity: do not edit.',
    ...lines,
  ].join('\n');
}

async function main(): Promise<number> {
  const dir = path.join(repoRoot, '.cache', 'flood');
  mkdirSync(dir, { recursive: true });
  const params = path.join(dir, 'params.env');
  writeFileSync(
    params,
    floodParams(readFileSync(path.join(repoRoot, 'functions', '.env.demo-clarity'), 'utf8')),
  );
  return runLoadTest('functions/test/support/flood.ts', params, path.join(dir, 'figures.json'));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
