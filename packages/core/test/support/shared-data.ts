import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Absolute path of a file in the real reference data (`../shared/data` beside the repository, or
 * $CLARITY_SHARED_DATA). Tests read it there at run time and never copy it; a missing file is a test
 * failure with a clear message, not a skip.
 */
export function sharedData(...parts: string[]): string {
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
  const root = process.env.CLARITY_SHARED_DATA ?? path.resolve(repoRoot, '../shared/data');
  const file = path.join(root, ...parts);
  if (!existsSync(file)) {
    throw new Error(
      `reference data not found: ${file} (expected ../shared/data beside the repository, or set CLARITY_SHARED_DATA)`,
    );
  }
  return file;
}
