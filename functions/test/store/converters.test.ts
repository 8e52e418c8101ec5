/** Typed reads: the store's converters check what the code branches on, and no source file casts a read. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { QueryDocumentSnapshot } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import { readSnapshot, seriesConverter, uploadConverter } from '../../src/store/converters.ts';

const srcDir = join(import.meta.dirname, '../../src');
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const snap = (id: string, data: Record<string, unknown> | undefined) =>
  ({ id, exists: data !== undefined, data: () => data }) as unknown as QueryDocumentSnapshot;

describe('store converters', () => {
  it('returns an upload as stored and refuses one with an unknown status', () => {
    const doc = { status: 'received', format: 'json', extra: 1 };
    expect(readSnapshot(uploadConverter, snap('u', doc))).toEqual(doc);
    expect(readSnapshot(uploadConverter, snap('u', undefined))).toBeUndefined();
    expect(() => readSnapshot(uploadConverter, snap('u', { status: 'lost' }))).toThrow(
      /stored upload document u does not match its schema/,
    );
  });

  it('keeps every field of a series document (minuteSeries too) and checks its day', () => {
    const doc = { metric: 'steps', date: '2026-01-02', samples: {}, minuteSeries: { unit: 'count' } };
    expect(readSnapshot(seriesConverter, snap('s', doc))).toEqual(doc);
    expect(() => readSnapshot(seriesConverter, snap('s', { ...doc, date: '2026-1-2' }))).toThrow();
    expect(() => readSnapshot(seriesConverter, snap('s', { ...doc, samples: [] }))).toThrow();
  });

  it('is how functions/src reads documents: no `.data() as` casts of stored documents', () => {
    const casts = sourceFiles(srcDir).flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .flatMap((line, i) =>
          /\.data\(\)\s+as\s/.test(line) ? [`${relative(srcDir, f)}:${i + 1}: ${line.trim()}`] : [],
        ),
    );
    expect(casts).toEqual([]);
  });
});
