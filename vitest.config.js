// Three projects: `unit` (no emulators, fast), `integration` (run inside `firebase emulators:exec` by
// scripts/emulators.ts; files named *.int.test.ts, *.e2e.test.ts and, with a small case count, the
// *.fuzz.test.ts API fuzzers) and `fuzz` (npm run test:fuzz: the fuzzers with 10 000 cases per endpoint;
// starts the emulators itself when they are not running).
import { defineConfig } from 'vitest/config';

const integrationGlobs = ['**/*.int.test.ts', '**/*.e2e.test.ts', '**/*.fuzz.test.ts'];
const exclude = ['**/node_modules/**', '**/dist/**', '**/lib/**', '.cache/**', '.tools/**'];

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
          ],
          exclude: [...exclude, ...integrationGlobs],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: integrationGlobs.map((g) => `functions/test/${g}`),
          exclude,
          testTimeout: 60_000,
          hookTimeout: 60_000,
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
