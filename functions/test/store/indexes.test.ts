/**
 * Every collection-group query of the code is backed by firestore.indexes.json (issue 15). The emulator does
 * not enforce indexes, so a missing one would only fail in production: a collection-group query needs an
 * index of COLLECTION_GROUP scope (a field override, or a composite index of that scope), which Firestore
 * does not create by itself. The queries are declared in paths.ts `collectionGroupQueries`; a call of
 * collectionGroup outside the one place that runs them fails here too.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectionGroupQueries } from '../../src/store/paths.ts';

const root = join(import.meta.dirname, '../../..');
const srcDir = join(root, 'functions/src');

interface IndexFile {
  indexes: { collectionGroup: string; queryScope: string; fields: { fieldPath: string }[] }[];
  fieldOverrides: { collectionGroup: string; fieldPath: string; indexes: { queryScope: string }[] }[];
}
const indexes = JSON.parse(readFileSync(join(root, 'firestore.indexes.json'), 'utf8')) as IndexFile;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Whether firestore.indexes.json has a COLLECTION_GROUP index on `field` of `group`. */
function backed(group: string, field: string): boolean {
  const override = indexes.fieldOverrides.some(
    (o) =>
      o.collectionGroup === group &&
      o.fieldPath === field &&
      o.indexes.some((i) => i.queryScope === 'COLLECTION_GROUP'),
  );
  const composite = indexes.indexes.some(
    (i) =>
      i.collectionGroup === group && i.queryScope === 'COLLECTION_GROUP' && i.fields[0]?.fieldPath === field,
  );
  return override || composite;
}

describe('collection-group queries and firestore.indexes.json', () => {
  it('every declared collection-group query has a COLLECTION_GROUP index', () => {
    const missing = Object.entries(collectionGroupQueries)
      .filter(([, q]) => !backed(q.group, q.field))
      .map(([name, q]) => `${name}: ${q.group}.${q.field}`);
    expect(missing, 'add a fieldOverride with queryScope COLLECTION_GROUP to firestore.indexes.json').toEqual(
      [],
    );
    expect(Object.keys(collectionGroupQueries).length).toBeGreaterThan(0);
  });

  it('collectionGroup is called only where the declared queries run (api/routes/system.ts)', () => {
    const callers = sourceFiles(srcDir)
      .filter((f) => /\.collectionGroup\(/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(srcDir, f));
    expect(callers, 'declare the query in paths.ts collectionGroupQueries and index it').toEqual([
      'api/routes/system.ts',
    ]);
    const system = readFileSync(join(srcDir, 'api/routes/system.ts'), 'utf8');
    expect(system.match(/\.collectionGroup\(/g)).toHaveLength(1);
    expect(system).toMatch(/\.collectionGroup\(group\)/);
  });

  it('a query that is not indexed is caught (the check itself)', () => {
    expect(backed('uploads', 'status')).toBe(true);
    expect(backed('uploads', 'createdAt')).toBe(false);
    expect(backed('series', 'samples')).toBe(false);
  });
});
