// Two projects: `unit` (no emulators, fast) and `integration` (run inside `firebase emulators:exec` by
// scripts/emulators.ts; files named *.int.test.ts or *.e2e.test.ts).
import { defineConfig } from 'vitest/config';

const integrationGlobs = ['**/*.int.test.ts', '**/*.e2e.test.ts'];
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
    ],
  },
});
