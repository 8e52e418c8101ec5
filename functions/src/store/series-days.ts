/**
 * One logical series day over its documents. A day with more than `maxSamplesPerSeriesDoc` samples (5-s
 * heart rate: 17 280) keeps the rest in shard documents users/{uid}/series/{metric}_{date}/shards/{k}; the
 * head document keeps the day's metadata (`sampleCount`, `sources`, `minuteSeries`, `shards`). Every reader
 * (the series writer, the minute-series refresh, the analysis window, trends, the GDPR export) reads days
 * through `withShards`, which returns the head with all its shards' samples merged in.
 */
import type { DocumentReference, DocumentSnapshot, Firestore, Transaction } from 'firebase-admin/firestore';
import { addDays, type SeriesDoc, type StoredSample } from '@clarity/core';
import { readSnapshot, seriesConverter } from './converters.ts';
import { paths } from './paths.ts';

/**
 * The fields of a series day document its samples' readers need (field mask): everything but
 * `minuteSeries` (up to 4 arrays of 1440 a day), which the trends and the FHIR export do not read.
 */
export const seriesSampleFields = [
  'metric',
  'type',
  'date',
  'unit',
  'samples',
  'sampleCount',
  'sources',
  'shards',
];

/** Reads several documents at once: `db.getAll` or a transaction's `tx.getAll`. */
export type GetAll = (...refs: DocumentReference[]) => Promise<DocumentSnapshot[]>;

/** A merged day and how many samples each of its documents holds (index 0 the head, k shard k). */
export interface SeriesDay {
  doc: SeriesDoc;
  sizes: number[];
}

function shardRefs(db: Firestore, uid: string, d: Pick<SeriesDoc, 'metric' | 'date' | 'shards'>) {
  return Array.from({ length: d.shards ?? 0 }, (_, i) =>
    db.doc(paths.seriesShard(uid, d.metric, d.date, i + 1)),
  );
}

/** The days with their shards' samples merged in (one read for all shards of all days); absent stay absent. */
export async function withShardSizes(
  getAll: GetAll,
  db: Firestore,
  uid: string,
  heads: readonly (SeriesDoc | undefined)[],
): Promise<(SeriesDay | undefined)[]> {
  const perDay = heads.map((h) => (h ? shardRefs(db, uid, h) : []));
  const refs = perDay.flat();
  const snaps = refs.length > 0 ? await getAll(...refs) : [];
  let next = 0;
  return heads.map((head, i) => {
    if (!head) return undefined;
    const sizes = [Object.keys(head.samples).length];
    const count = perDay[i]?.length ?? 0;
    if (count === 0) return { doc: head, sizes };
    const samples: Record<string, StoredSample> = { ...head.samples };
    for (let k = 0; k < count; k++) {
      const part = (snaps[next++]?.get('samples') ?? {}) as Record<string, StoredSample>;
      sizes.push(Object.keys(part).length);
      Object.assign(samples, part);
    }
    return { doc: { ...head, samples }, sizes };
  });
}

/** The days as readers see them: one document per day with every sample. */
export async function withShards(
  getAll: GetAll,
  db: Firestore,
  uid: string,
  heads: readonly (SeriesDoc | undefined)[],
): Promise<SeriesDoc[]> {
  return (await withShardSizes(getAll, db, uid, heads)).flatMap((d) => (d ? [d.doc] : []));
}

/**
 * Places new samples after those a day holds: the head first, then the shards in order, each up to
 * `capacity`. Returns the samples to add per document (index 0 the head) and the shard count after.
 */
export function placeSamples(
  sizes: readonly number[],
  added: Record<string, StoredSample>,
  capacity: number,
): { parts: Record<string, StoredSample>[]; shards: number } {
  const parts: Record<string, StoredSample>[] = sizes.map(() => ({}));
  const fill = [...sizes];
  let k = 0;
  for (const [id, s] of Object.entries(added)) {
    while ((fill[k] ?? 0) >= capacity) k++;
    fill[k] = (fill[k] ?? 0) + 1;
    (parts[k] ??= {})[id] = s;
  }
  return { parts, shards: Math.max(0, fill.length - 1) };
}

export function shardRef(db: Firestore, uid: string, metric: string, date: string, k: number) {
  return db.doc(paths.seriesShard(uid, metric, date, k));
}

/** The head documents of some (metric, local day) pairs and of the days before them, by path. */
export function daysAndDaysBefore(
  db: Firestore,
  uid: string,
  keys: Iterable<{ metric: string; date: string }>,
): Map<string, DocumentReference> {
  const refs = new Map<string, DocumentReference>();
  for (const { metric, date } of keys)
    for (const d of [addDays(date, -1), date]) {
      const p = paths.seriesDoc(uid, metric, d);
      refs.set(p, db.doc(p));
    }
  return refs;
}

/** Reads days in a transaction, each head with its shards merged in, by path (one request for the heads). */
export async function readDaysIn(
  tx: Transaction,
  db: Firestore,
  uid: string,
  refs: ReadonlyMap<string, DocumentReference>,
): Promise<Map<string, { snap: DocumentSnapshot; day: SeriesDay | undefined }>> {
  const snaps = await tx.getAll(...refs.values());
  const days = await withShardSizes(
    (...r) => tx.getAll(...r),
    db,
    uid,
    snaps.map((s) => readSnapshot(seriesConverter, s)),
  );
  return new Map([...refs.keys()].map((p, k) => [p, { snap: snaps[k] as DocumentSnapshot, day: days[k] }]));
}
