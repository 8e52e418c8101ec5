/**
 * `npm run test:flood`: the rate limiter's flood test (functions/test/security/flood.ts) on its own.
 * Writes functions/.env.demo-clarity-flood (every param of .env.demo-clarity, with the small rate limits
 * below, so a 2-core machine can offer 10x the global limit), runs the test inside `firebase emulators:exec
 * --project demo-clarity-flood` (scripts/emulators.ts: it builds the functions and takes the emulator lock),
 * then prints the test's figures as the LAST line, one JSON object:
 *   {"userRequests":…,"userRefusals":…,"anonAllowedPerMin":…,"anonLimitPerMin":…}
 * Exit status 0 only when the test passed.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

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
    '# Written by scripts/flood.ts (npm run test:flood) from .env.demo-clarity: do not edit.',
    ...lines,
  ].join('\n');
}

async function main(): Promise<number> {
  const functionsDir = path.join(repoRoot, 'functions');
  writeFileSync(
    path.join(functionsDir, '.env.demo-clarity-flood'),
    floodParams(readFileSync(path.join(functionsDir, '.env.demo-clarity'), 'utf8')),
  );
  mkdirSync(path.join(repoRoot, '.cache'), { recursive: true });
  const out = path.join(repoRoot, '.cache', 'flood.json');
  rmSync(out, { force: true });
  const code = await new Promise<number>((resolve) => {
    const child = spawn(
      process.execPath,
      [
        'scripts/emulators.ts',
        'exec',
        '--project',
        'demo-clarity-flood',
        '--',
        'node',
        'functions/test/security/flood.ts',
        '--out',
        out,
      ],
      {
        cwd: repoRoot,
        stdio: 'inherit',
        // On a busy machine loading the functions' definitions takes longer than firebase-tools' 10 s.
        env: { ...process.env, FUNCTIONS_DISCOVERY_TIMEOUT: process.env.FUNCTIONS_DISCOVERY_TIMEOUT ?? '60' },
      },
    );
    child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
  });
  if (!existsSync(out)) {
    console.log(JSON.stringify({ error: `the flood test wrote no figures (exit status ${code})` }));
    return code === 0 ? 1 : code;
  }
  console.log(readFileSync(out, 'utf8').trim());
  return code;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
