import { readFileSync } from 'node:fs';
import { sharedData } from './shared-data.ts';

/** Reads one of ActiLife's exports in the GT3X+ fixture as rows of named string cells. */
export function readReferenceCsv(name: string): Record<string, string>[] {
  const text = readFileSync(sharedData('actigraphy', 'actilife_gt3xplus', name), 'utf8');
  const [head = '', ...lines] = text.trim().split(/\r?\n/);
  const cols = head.split(',');
  return lines.map((l) => {
    const cells = l.split(',');
    return Object.fromEntries(cols.map((c, i) => [c, cells[i] ?? '']));
  });
}

/** `2012-06-28T00:03:00Z` (local device time marked Z) -> `2012-06-28T00:03:00`. */
export function local(ts: string): string {
  return ts.replace(/Z$/, '').slice(0, 19);
}

export const GT3X = (suffix: string) => `GT3XPlus-RawData-Day01${suffix}`;
