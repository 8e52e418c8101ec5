/**
 * A series day as one document. The backend keeps a metric-day in users/{uid}/series/{metric}_{date}; a dense
 * day (more than `maxSamplesPerSeriesDoc` samples: continuous 5-s heart rate is 17 280) keeps the rest of its
 * samples in shard documents users/{uid}/series/{metric}_{date}/shards/{1..n}, and the head's `shards` says
 * how many (functions/src/store/series-days.ts). Reading the head alone would show a dense day's first 1 500
 * samples only: `readSeriesDay` reads the head and its shards and merges them, so an app sees one logical
 * day, as every reader of the backend does. firestore.rules let the owner read both.
 */
import { doc, getDoc, type Firestore } from 'firebase/firestore';
import type { SeriesDoc, StoredSample } from '@clarity/core';
import { withMillis, type Millis } from './documents.ts';

/** One metric on one local day, with every sample of the day (head and shards merged). */
export type SeriesDay = Omit<SeriesDoc, 'updatedAt'> & { id: string; updatedAt: Millis };

/** The day, or undefined when the user has no data of that metric on that date. */
export async function readSeriesDay(
  db: Firestore,
  uid: string,
  metric: string,
  date: string,
): Promise<SeriesDay | undefined> {
  const id = `${metric}_${date}`;
  const head = await getDoc(doc(db, 'users', uid, 'series', id));
  if (!head.exists()) return undefined;
  const data = withMillis(head.data({ serverTimestamps: 'estimate' })) as Omit<SeriesDay, 'id'>;
  const shards = data.shards ?? 0;
  if (shards === 0) return { ...data, id };
  const parts = await Promise.all(
    Array.from({ length: shards }, (_, k) =>
      getDoc(doc(db, 'users', uid, 'series', id, 'shards', String(k + 1))),
    ),
  );
  const samples: Record<string, StoredSample> = { ...data.samples };
  for (const p of parts) Object.assign(samples, (p.get('samples') ?? {}) as Record<string, StoredSample>);
  return { ...data, id, samples };
}
