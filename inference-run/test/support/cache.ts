/** Generated test models live under the OS temp dir, one folder per test file run. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `clarity-${prefix}-`));
}
