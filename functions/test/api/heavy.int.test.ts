/**
 * The heavy-user memory test (heavy.ts) at a small size, so `npm test` runs it: 3 users x 30 days, each
 * asking at once for the streamed export and daily and weekly trends of the API in its own process; every
 * answer complete, and the process's peak resident set under the function's memory limit. The full size
 * (20 users x 365 days) is `npm run test:heavy`.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, requireEmulators } from '../support/emulators.ts';
import { functionMemoryMiB, runHeavy } from '../support/heavy.ts';

describe('heavy users (small size)', () => {
  it('answers every export and trends request completely, under the memory limit', async () => {
    requireEmulators();
    const figures = await runHeavy({
      users: 3,
      days: 30,
      samplesPerDay: 96,
      paramsFile: path.join(repoRoot, 'functions', '.env.demo-clarity'),
      log: () => undefined,
    });
    expect(figures.failures).toEqual([]);
    expect(figures.exports).toBe(3);
    expect(figures.exportDocumentsPerUser).toEqual([30]);
    expect(figures.trendsRequests).toBe(6);
    expect(functionMemoryMiB).toBe(512);
    expect(figures.peakRssMiB).toBeGreaterThan(0);
    expect(figures.peakRssMiB).toBeLessThan(functionMemoryMiB);
  }, 300_000);
});
