/**
 * Prints the combined result of `npm test` from the Vitest JSON reports, and exits non-zero when a test or
 * a step failed or when no test ran at all. The last line is "tests: N passed, N failed, N skipped".
 * Usage: node scripts/test-summary.ts RESULTS_DIR [FAILED_STEP...]
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults: { assertionResults: { status: string; fullName: string }[] }[];
}

const [dir = '.cache/test-results', ...failedSteps] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
const skippedNames: string[] = [];
// The steps of scripts/test.sh that write a report, then any other report found there (a new step).
const expected = ['unit', 'integration', 'live'];
const found = existsSync(dir)
  ? readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -'.json'.length))
  : [];
for (const phase of [...expected, ...found.filter((f) => !expected.includes(f)).sort()]) {
  const file = path.join(dir, `${phase}.json`);
  if (!existsSync(file)) {
    console.log(`${phase}: no report (the step did not run its tests)`);
    continue;
  }
  const r = JSON.parse(readFileSync(file, 'utf8')) as VitestJson;
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + r.numTodoTests;
  for (const t of r.testResults.flatMap((f) => f.assertionResults)) {
    if (t.status === 'skipped' || t.status === 'pending' || t.status === 'todo')
      skippedNames.push(t.fullName);
  }
  console.log(
    `${phase}: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`,
  );
}
for (const name of skippedNames) console.log(`skipped (not counted as passed): ${name}`);
if (failedSteps.length > 0) console.log(`failed steps: ${failedSteps.join(', ')}`);
if (passed === 0) console.log('no test ran');
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exitCode = failedSteps.length > 0 || failed > 0 || passed === 0 ? 1 : 0;
