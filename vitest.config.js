// Four projects: `unit` (no emulators, fast), `integration` (run inside `firebase emulators:exec` by
// scripts/emulators.ts; files named *.int.test.ts, *.e2e.test.ts and, with a small case count, the
// *.fuzz.test.ts API fuzzers), `live` (functions/test/live: the pipeline's fault scenarios end to end, in a
// second emulator session, project demo-clarity-live, whose params point at a model server and a Vertex
// stand-in; scripts/test.sh runs it with `node scripts/emulators.ts exec --project demo-clarity-live -- node
// node_modules/vitest/vitest.mjs run --project live`) and `fuzz` (npm run test:fuzz: the fuzzers with 10 000 cases per endpoint;
// starts the emulators itself when they are not running).
import { defineConfig } from 'vitest/config';

const integrationGlobs = ['**/*.int.test.ts', '**/*.e2e.test.ts', '**/*.fuzz.test.ts'];
const exclude = ['**/node_modules/**', '**/dist/**', '**/lib/**', '.cache/**', '.tools/**'];
const liveGlob = 'functions/test/live/**/*.e2e.test.ts';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'packages/*/test/**/*.test.ts',
            'functions/test/**/*.test.ts',
            'inference-run/test/**/*.test.ts',
            'scripts/test/**/*.test.ts',
            'deploy/test/**/*.test.ts',
            'web/test/**/*.test.ts',
          ],
          exclude: [...exclude, ...integrationGlobs],
          testTimeout: 30_000,
          // Hooks start servers (inference-run, loopback stand-ins); on a loaded 2-core machine that took
          // over 10 s (vitest's default), which failed a suite that asserts nothing about time.
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: [
            ...integrationGlobs.map((g) => `functions/test/${g}`),
            'packages/client/test/**/*.e2e.test.ts',
            'web/test/**/*.e2e.test.ts',
          ],
          exclude: [...exclude, liveGlob],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'live',
          include: [liveGlob],
          exclude,
          // The first scenario pays the cold start of every emulated function (20-40 s measured here).
          testTimeout: 150_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'fuzz',
          include: ['functions/test/fuzz/**/*.fuzz.test.ts'],
          exclude,
          globalSetup: ['functions/test/fuzz/emulators.setup.ts'],
          env: { FUZZ_RUNS: process.env.FUZZ_RUNS ?? '10000' },
          testTimeout: 30 * 60_000,
          hookTimeout: 10 * 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
