/**
 * The flood test (`npm run test:flood`, through scripts/flood.ts, inside `firebase emulators:exec`, with
 * the params file that scripts/flood.ts writes: small limits, so a 2-core machine can flood at 10x the
 * global limit): the API exactly as the `api` function builds it from its params (apiFromParams), in its
 * own Node process on a loopback port (flood-server.ts), on the Auth and Firestore emulators. Not through the Functions emulator's own URL: it runs one request per worker process
 * and starts a new worker (seconds each) for every concurrent request, so it carried under 1 request a
 * second here, which cannot flood anything.
 *
 * For 30 s one anonymous client floods GET /v1/system/health at 10x RATE_LIMIT_GLOBAL with autocannon,
 * while 5 signed-in users make normal requests (GET /v1/health/insights, together 2 a second) with a second
 * autocannon. It passes when the users get no 429 at all and the anonymous client was admitted at its own
 * per-client rate (RATE_LIMIT_ANON_PER_CLIENT, with its small burst) within +-10 %. Everything asserted is a
 * ratio of counts measured in the same run, never an absolute speed: the machine's speed moves two-fold
 * between runs. The figures are written as one JSON object to the file named by --out (scripts/flood.ts
 * prints it as the last line, after the emulators have stopped).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { signUp } from './emulators.ts';
import { readParams, startApiProcess, stopApiProcess } from './api-process.ts';
import { runTimed } from './load.ts';

const durationSeconds = 30;
const users = 5;
/** Requests a second from all users together: 120 a minute, well under their pool and per-user limits. */
const userRate = 2;

function intParam(p: Map<string, string>, name: string): number {
  const v = Number(p.get(name));
  if (!Number.isInteger(v) || v <= 0) throw new Error(`flood params: ${name} is not set`);
  return v;
}

export interface FloodFigures {
  userRequests: number;
  userRefusals: number;
  anonAllowedPerMin: number;
  anonLimitPerMin: number;
}

async function main(paramsFile: string, out: string): Promise<number> {
  const server = await startApiProcess(paramsFile);
  try {
    return await flood(server.origin, readParams(paramsFile), out);
  } finally {
    await stopApiProcess(server);
  }
}

async function flood(origin: string, p: Map<string, string>, out: string): Promise<number> {
  const window = intParam(p, 'RATE_LIMIT_WINDOW_SECONDS');
  const perMin = (n: number): number => (n * 60) / window;
  const globalPerMin = perMin(intParam(p, 'RATE_LIMIT_GLOBAL'));
  const anonLimitPerMin = perMin(intParam(p, 'RATE_LIMIT_ANON_PER_CLIENT'));
  const floodRate = Math.ceil((10 * globalPerMin) / 60);

  const tokens = await Promise.all(
    Array.from({ length: users }, (_, i) => signUp(`flood-user-${i}-${Date.now()}@example.com`)),
  );
  const userRequests = tokens.map((t) => ({
    method: 'GET',
    path: '/v1/health/insights',
    headers: { authorization: `Bearer ${t.idToken}` },
  }));
  // The first call pays the cold start; made by a user, so the anonymous budget starts full.
  for (let i = 0; ; i++) {
    const res = await fetch(`${origin}/v1/health/insights`, {
      headers: { authorization: `Bearer ${tokens[0]?.idToken ?? ''}` },
    });
    if (res.status === 200) break;
    if (i >= 30) throw new Error(`the api function did not answer 200 (last ${res.status})`);
    await new Promise((r) => setTimeout(r, 1000));
  }

  const [anon, user] = await Promise.all([
    runTimed({
      url: origin,
      duration: durationSeconds,
      // Enough connections to offer the full rate while the machine is slow to answer.
      connections: 25,
      overallRate: floodRate,
      requests: [{ method: 'GET', path: '/v1/system/health' }],
    }),
    runTimed({
      url: origin,
      duration: durationSeconds,
      connections: users,
      overallRate: userRate,
      requests: userRequests,
    }),
  ]);
  const anonAllowed = anon.admitted;
  const figures: FloodFigures = {
    userRequests: user.statuses.length,
    userRefusals: user.limited,
    anonAllowedPerMin: Math.round(((anonAllowed * 60) / anon.durationSeconds) * 10) / 10,
    anonLimitPerMin,
  };
  const anonSentPerMin = (anon.statuses.length * 60) / anon.durationSeconds;
  console.error(
    `flood: anonymous sent ${anon.statuses.length} in ${anon.durationSeconds.toFixed(1)} s ` +
      `(${Math.round(anonSentPerMin)}/min, target ${floodRate * 60}/min = 10x the global ${globalPerMin}/min), ` +
      `admitted ${anonAllowed}, 429 ${anon.limited}, other ${anon.other}, errors ${anon.errors}; ` +
      `users sent ${user.statuses.length}, 429 ${user.limited}, other ${user.other}, errors ${user.errors}`,
  );
  writeFileSync(out, JSON.stringify(figures));

  const failures: string[] = [];
  if (figures.userRefusals !== 0) failures.push(`users got ${figures.userRefusals} rate-limit refusals`);
  if (user.other !== 0 || user.errors !== 0)
    failures.push(`users got ${user.other} other non-2xx answers and ${user.errors} errors`);
  if (user.statuses.length < durationSeconds * userRate * 0.5)
    failures.push(`users made only ${user.statuses.length} requests`);
  const ratio = figures.anonAllowedPerMin / anonLimitPerMin;
  if (Math.abs(ratio - 1) > 0.1)
    failures.push(`anonymous client admitted at ${ratio.toFixed(3)}x its configured rate (allowed +-10 %)`);
  // A flood is only a flood if it offered far more than the client's limit (measured, whatever the speed).
  if (anonSentPerMin < 5 * anonLimitPerMin)
    failures.push(`the flood offered only ${Math.round(anonSentPerMin)}/min: not 5x the anonymous limit`);
  if (anon.other !== 0) failures.push(`anonymous client got ${anon.other} answers other than 200 and 429`);
  for (const f of failures) console.error(`flood: FAILED: ${f}`);
  return failures.length === 0 ? 0 : 1;
}

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const paramsArg = arg('--params');
const outArg = arg('--out');
if (!paramsArg || !outArg) {
  console.error('usage: node functions/test/support/flood.ts --params <params.env> --out <figures.json>');
  process.exitCode = 2;
} else {
  process.exitCode = await main(path.resolve(paramsArg), path.resolve(outArg));
}
