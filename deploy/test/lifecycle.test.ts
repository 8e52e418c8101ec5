import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditRetentionDays, storageLifecycle, ttlPolicies } from '../lifecycle/definitions.ts';
import { deployDir } from '../monitoring/generate.ts';
import { validateTerraform } from '../monitoring/provider-schema.ts';

const dir = join(deployDir, 'lifecycle');
const read = (f: string): unknown => JSON.parse(readFileSync(join(dir, f), 'utf8'));
const functionsSource = (): string => {
  const root = join(deployDir, '../functions/src');
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => readFileSync(join(root, f), 'utf8'))
    .join('\n');
};

describe('deploy/lifecycle', () => {
  it('passes the written-down provider schema', () => {
    const files = Object.fromEntries(
      readdirSync(dir)
        .filter((f) => f.endsWith('.tf.json'))
        .map((f) => [f, read(f)]),
    );
    expect(Object.keys(files).sort()).toEqual(['lifecycle.tf.json', 'main.tf.json']);
    expect(validateTerraform(files)).toEqual([]);
  });

  it('puts a TTL policy on each collection the code writes with expiresAt, unless marked pending', () => {
    const source = functionsSource();
    for (const t of ttlPolicies) {
      if (t.pending) continue;
      expect(source, `${t.collectionGroup}.${t.field}`).toMatch(new RegExp(`\\b${t.field}\\b`));
    }
    // Every collection the code stamps with expiresAt has a policy: the writers found by name.
    const groups = ttlPolicies.map((t) => t.collectionGroup);
    expect(groups).toEqual(expect.arrayContaining(['rateLimits', 'signatureNonces', 'llmCache']));
    // The audit trail never gets a TTL: it is kept at least six years.
    expect(groups).not.toContain('audit');
    expect(auditRetentionDays).toBeGreaterThanOrEqual(6 * 365);
  });

  it('moves raw uploads to a colder class after 30 days and removes stale originals', () => {
    const onDisk = read('storage-lifecycle.json');
    expect(onDisk).toEqual(storageLifecycle);
    const [toNearline, , deleteUploads] = storageLifecycle.rule;
    expect(toNearline).toMatchObject({
      action: { storageClass: 'NEARLINE' },
      condition: { age: 30, matchesPrefix: ['raw/'] },
    });
    expect(deleteUploads).toMatchObject({
      action: { type: 'Delete' },
      condition: { matchesPrefix: ['uploads/'] },
    });
    // Nothing under raw/ is ever deleted by a lifecycle rule (account deletion removes a user's objects).
    for (const r of storageLifecycle.rule) {
      if (r.action.type === 'Delete') expect(r.condition.matchesPrefix).not.toContain('raw/');
    }
  });
});
