/**
 * The upload lifecycle has one owner: store/uploads.ts writes every upload status (and statusTimes), and
 * its transitions are the ones the pipeline relies on.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { DocumentReference, Transaction } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import { uploadStatuses, type UploadDoc } from '@clarity/core';
import {
  canTransition,
  claimExisting,
  finishedStatus,
  leaseMs,
  uploadTransitions,
} from '../../src/store/uploads.ts';

const srcDir = join(import.meta.dirname, '../../src');
const owner = 'store/uploads.ts';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Ways to reach an upload document for writing, or to spell its status bookkeeping. */
const offenders: { what: string; re: RegExp }[] = [
  { what: 'upload document reference', re: /\.(?:doc|collection)\(\s*paths\.uploads?\(/ },
  { what: 'upload trigger document written', re: /event\.data\??\.(?:after|before)\??\.ref/ },
  { what: 'statusTimes written', re: /statusTimes/ },
];

function findOffences(file: string, text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
  return code
    .split('\n')
    .flatMap((line, i) => offenders.filter((o) => o.re.test(line)).map((o) => `${file}:${i + 1} ${o.what}`));
}

describe('upload lifecycle module', () => {
  it('is the only file of functions/src that writes an upload document', () => {
    const found = sourceFiles(srcDir)
      .map((f) => [relative(srcDir, f).replaceAll('\\', '/'), f] as const)
      .filter(([rel]) => rel !== owner)
      .flatMap(([rel, f]) => findOffences(rel, readFileSync(f, 'utf8')));
    expect(found).toEqual([]);
  });

  it('catches an upload status written by hand', () => {
    expect(findOffences('x.ts', 'const ref = deps.db.doc(paths.upload(uid, uploadId));')).not.toEqual([]);
    expect(findOffences('x.ts', "  'statusTimes.rejected': FieldValue.serverTimestamp(),")).not.toEqual([]);
    expect(findOffences('x.ts', 'await event.data?.after.ref.update({ status })')).not.toEqual([]);
    expect(findOffences('x.ts', 'resource: paths.upload(uid, uploadId),')).toEqual([]);
  });

  it('allows only received -> parsing -> finished, and a lease takeover of parsing', () => {
    expect(Object.keys(uploadTransitions).sort()).toEqual([...uploadStatuses].sort());
    expect(canTransition('received', 'parsing')).toBe(true);
    expect(canTransition('parsing', 'parsing')).toBe(true);
    for (const s of ['ingested', 'partial', 'rejected'] as const) {
      expect(canTransition('parsing', s)).toBe(true);
      expect(canTransition('received', s)).toBe(false);
      for (const to of uploadStatuses) expect(canTransition(s, to)).toBe(false);
    }
  });

  it('ends partial when some samples were rejected and rejected when all were', () => {
    expect(finishedStatus({ accepted: 3, duplicate: 0, rejected: 0 })).toBe('ingested');
    expect(finishedStatus({ accepted: 0, duplicate: 0, rejected: 0 })).toBe('ingested');
    expect(finishedStatus({ accepted: 0, duplicate: 2, rejected: 1 })).toBe('partial');
    expect(finishedStatus({ accepted: 0, duplicate: 0, rejected: 4 })).toBe('rejected');
  });

  it('claims received uploads and expired leases, refuses finished ones and live claims', () => {
    const updates: Record<string, unknown>[] = [];
    const tx = {
      update: (_ref: unknown, data: Record<string, unknown>) => updates.push(data),
    } as unknown as Transaction;
    const ref = {} as DocumentReference;
    const doc = (status: UploadDoc['status'], updatedMs = 0) =>
      ({ status, updatedAt: { toMillis: () => updatedMs } }) as unknown as UploadDoc;
    const now = 10 * leaseMs;

    expect(claimExisting(tx, ref, doc('received'), now)).toMatchObject({ status: 'received' });
    expect(Object.keys(updates[0] ?? {}).sort()).toEqual([
      'attempts',
      'status',
      'statusTimes.parsing',
      'updatedAt',
    ]);
    expect(updates[0]?.status).toBe('parsing');
    expect(claimExisting(tx, ref, doc('parsing', now - leaseMs - 1), now)).toMatchObject({
      status: 'parsing',
    });
    expect(updates).toHaveLength(2);
    expect(() => claimExisting(tx, ref, doc('parsing', now - 1000), now)).toThrow(/another attempt/);
    for (const s of ['ingested', 'partial', 'rejected'] as const)
      expect(claimExisting(tx, ref, doc(s), now)).toBe(`upload already ${s}`);
    expect(updates).toHaveLength(2);
  });
});
