/**
 * The paged GDPR export (store/account-export.ts) against the Firestore emulator: across many pages (more
 * series days and uploads than a page holds, a dense day with shards, endpoints with attempts), it yields
 * every document the recursive walk finds (userDocuments) exactly once, with the same data, shards folded
 * into their day, and no document of another user.
 */
import { Timestamp } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import { toJson, userDocuments } from '../../src/store/account-data.ts';
import { exportedDocuments, exportPageSize, type ExportedDocument } from '../../src/store/account-export.ts';
import { paths } from '../../src/store/paths.ts';
import { adminDb } from '../support/emulators.ts';

const db = adminDb('demo-clarity-export-pages');

async function seed(uid: string): Promise<void> {
  const w = db.bulkWriter();
  void w.set(db.doc(paths.user(uid)), {
    locale: 'en',
    createdAt: Timestamp.fromMillis(Date.UTC(2026, 0, 1)),
  });
  const days = exportPageSize.series * 3 + 1;
  for (let i = 0; i < days; i++) {
    const date = new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10);
    const sample = (k: number) => ({
      s: Date.UTC(2026, 0, 1 + i, 0, k),
      e: Date.UTC(2026, 0, 1 + i, 0, k),
      v: k,
      st: null,
      src: 'Watch',
      up: 'u1',
    });
    const dense = i === 5;
    void w.set(db.doc(paths.seriesDoc(uid, 'heart_rate', date)), {
      metric: 'heart_rate',
      date,
      unit: 'count/min',
      samples: { [`h${i}`]: sample(0) },
      sampleCount: dense ? 3 : 1,
      sources: ['Watch'],
      ...(dense ? { shards: 2 } : {}),
    });
    if (dense) {
      void w.set(db.doc(paths.seriesShard(uid, 'heart_rate', date, 1)), { samples: { s1: sample(1) } });
      void w.set(db.doc(paths.seriesShard(uid, 'heart_rate', date, 2)), { samples: { s2: sample(2) } });
    }
  }
  for (let i = 0; i < exportPageSize.other * 2 + 3; i++) {
    void w.set(db.doc(paths.upload(uid, `up${String(i).padStart(4, '0')}`)), { status: 'complete', n: i });
  }
  for (const id of ['w1', 'w2']) {
    void w.set(db.doc(paths.webhook(uid, id)), { url: 'https://example.com/hook' });
    void w.set(db.doc(paths.webhookAttempts(uid, id) + '/a1'), { status: 200 });
    void w.set(db.doc(paths.webhookDelivery(uid, id, 'm1')), { state: 'delivered' });
  }
  void w.set(db.doc(paths.deadLetter(`dl-${uid}`)), { uid, stage: 'ingest' });
  await w.close();
}

describe('exportedDocuments', () => {
  it('pages through every collection of the user: each document once, as the recursive walk finds it', async () => {
    const uid = `pages-${Date.now()}`;
    const other = `${uid}-other`;
    await seed(uid);
    await seed(other);
    const out: ExportedDocument[] = [];
    for await (const d of exportedDocuments(db, uid)) out.push(d);

    const walked = await userDocuments(db, uid);
    const shard = /\/shards\/\d+$/;
    const expected = [
      ...walked.filter((d) => !shard.test(d.ref.path)).map((d) => d.ref.path),
      `deadLetters/dl-${uid}`,
    ];
    const got = out.map((d) => d.path);
    expect(new Set(got).size).toBe(got.length);
    expect([...got].sort()).toEqual(expected.sort());
    expect(got.filter((p) => p.includes('/uploads/'))).toHaveLength(exportPageSize.other * 2 + 3);
    expect(got.some((p) => p.includes(other))).toBe(false);

    const byPath = new Map(out.map((d) => [d.path, d.data]));
    for (const d of walked) {
      if (shard.test(d.ref.path) || d.ref.path.includes('/series/')) continue;
      expect(byPath.get(d.ref.path), d.ref.path).toEqual(toJson(d.data()));
    }
    // The dense day holds its shards' samples; the others just their own.
    const dense = byPath.get(paths.seriesDoc(uid, 'heart_rate', '2026-01-06')) as { samples: object };
    expect(Object.keys(dense.samples).sort()).toEqual(['h5', 's1', 's2']);
    const plain = byPath.get(paths.seriesDoc(uid, 'heart_rate', '2026-01-07')) as { samples: object };
    expect(Object.keys(plain.samples)).toEqual(['h6']);
    // Each endpoint is followed by its own attempts and deliveries (depth first).
    const w1 = got.indexOf(paths.webhook(uid, 'w1'));
    expect(got.slice(w1, w1 + 4)).toEqual([
      paths.webhook(uid, 'w1'),
      `${paths.webhookAttempts(uid, 'w1')}/a1`,
      paths.webhookDelivery(uid, 'w1', 'm1'),
      paths.webhook(uid, 'w2'),
    ]);
  }, 120_000);
});
