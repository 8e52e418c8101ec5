/**
 * `npm run test:heavy`: the heavy-user memory test (functions/test/support/heavy.ts, finding 6) at full
 * size: 20 users, each with 365 daily heart-rate series documents (96 samples a day and the 1 440-minute
 * view), all asking at once for their streamed GDPR export and a year of daily and weekly trends, against the
 * API in its own process on the Auth/Firestore emulators. HEAVY_USERS, HEAVY_DAYS and HEAVY_SAMPLES_PER_DAY
 * change the size. Prints the figures as the LAST line, one JSON object
 * {"users":…,"days":…,…,"peakRssMiB":…,"peakHeapUsedMiB":…,"limitMiB":512,…,"passed":…}; exit status 0 only
 * when every answer was complete and the process's peak resident set stayed under the function's 512 MiB.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, runLoadTest } from './load-test.ts';

const dir = path.join(repoRoot, '.cache', 'heavy');
mkdirSync(dir, { recursive: true });
process.exitCode = await runLoadTest(
  'functions/test/support/heavy.ts',
  path.join(repoRoot, 'functions', '.env.demo-clarity'),
  path.join(dir, 'figures.json'),
);
