/**
 * Writes canonical samples into users/{uid}/series/{metric}_{YYYY-MM-DD}, one transaction per day document.
 * Shared by the JSON-batch ingest and the file import so both count alike:
 *  - a sample already stored by another upload is a duplicate;
 *  - a sample already stored by THIS upload (a retried attempt) counts as accepted again, so counts are
 *    the same however often a stage is redelivered;
 *  - the same sample twice in one call is a duplicate.
 */
import { FieldValue, type Firestore } from 'firebase-admin/firestore';
import {
  addDays,
  localDate,
  maxSamplesPerSeriesDoc,
  sampleId,
  type CanonicalSample,
  type Counts,
  type StoredSample,
} from '@clarity/core';
import { minuteSeriesOf, type DayKey } from './minute-series-writer.ts';
import { readSnapshot, seriesConverter } from './converters.ts';
import { paths } from './paths.ts';
import { assertAccountLive } from './tombstones.ts';
import { placeSamples, shardRef, withShardSizes } from './series-days.ts';

export function zeroCounts(): Counts {
  return { accepted: 0, duplicate: 0, rejected: 0 };
}

export function addCounts(a: Counts, b: Counts): Counts {
  return {
    accepted: a.accepted + b.accepted,
    duplicate: a.duplicate + b.duplicate,
    rejected: a.rejected + b.rejected,
  };
}

export interface WriteResult {
  counts: Counts;
  byType: Record<string, Counts>;
  seriesDocs: number;
  /** The (metric, local day) documents written to, for the minute-series refresh. */
  /**
   * Days after a written day that its samples run into (a night of sleep, a step interval across midnight):
   * their minute series must be refreshed once every day of the batch is written (refreshMinuteSeries).
   */
  spillDays: DayKey[];
  /**
   * Per input sample, parallel to the input: 1 = accepted (stored now or by this upload before),
   * 2 = duplicate (stored by another upload, or repeated within the call).
   */
  status: Uint8Array;
}

export const sampleStatus = { accepted: 1, duplicate: 2 } as const;

const seriesConcurrency = 8;
/** Samples one series transaction writes at most (about 400 bytes each in a commit request). */
const maxSamplesPerTransaction = 2 * maxSamplesPerSeriesDoc;

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function toStored(s: CanonicalSample, uploadId: string, docUnit: string | null): StoredSample {
  return {
    s: s.startMs,
    e: s.endMs,
    v: s.value,
    st: s.stage,
    src: s.source,
    up: uploadId,
    ...(s.category !== undefined && s.category !== null ? { c: s.category } : {}),
    ...(s.unit !== docUnit && s.unit !== null ? { u: s.unit } : {}),
  };
}

/**
 * Merges one day's samples into its document and, in the same write, recomputes the day's minute series
 * from its samples and those of the day before (whose intervals may run into this day).
 */
async function mergeDay(
  db: Firestore,
  uid: string,
  uploadId: string,
  metric: string,
  date: string,
  items: { id: string; sample: CanonicalSample; index: number }[],
  timezone: string,
  status: Uint8Array,
): Promise<Counts> {
  const ref = db.doc(paths.seriesDoc(uid, metric, date));
  const prevRef = db.doc(paths.seriesDoc(uid, metric, addDays(date, -1)));
  return db.runTransaction(async (tx) => {
    await assertAccountLive(db, tx, uid);
    const [snap, prevSnap] = await tx.getAll(ref, prevRef);
    // A dense day is the head and its shards (series-days.ts): duplicates are judged against all of them.
    const [day, prevDay] = await withShardSizes((...refs) => tx.getAll(...refs), db, uid, [
      readSnapshot(seriesConverter, snap),
      readSnapshot(seriesConverter, prevSnap),
    ]);
    const existing = day?.doc;
    const counts = zeroCounts();
    const added: Record<string, StoredSample> = {};
    const sources = new Set(existing?.sources ?? []);
    // A day that holds only a neighbour's spill-over minutes (sampleCount 0) takes its unit from its first
    // own samples, as a day created by them would: the import's result must not depend on write order.
    const docUnit =
      existing && existing.sampleCount > 0
        ? existing.unit
        : (items[0]?.sample.unit ?? existing?.unit ?? null);
    for (const { id, sample, index } of items) {
      const prior = existing?.samples[id];
      let dup = false;
      if (prior) {
        dup = prior.up !== uploadId;
      } else if (added[id]) {
        dup = true;
      } else {
        added[id] = toStored(sample, uploadId, docUnit);
        sources.add(sample.source);
      }
      if (dup) counts.duplicate++;
      else counts.accepted++;
      // A retried transaction runs this again: the last run's verdict is the one that committed.
      status[index] = dup ? sampleStatus.duplicate : sampleStatus.accepted;
    }
    const newCount = Object.keys(added).length;
    if (newCount > 0) {
      const unit = docUnit;
      const type = items[0]?.sample.type ?? null;
      const prev = prevDay?.doc;
      const docs = [
        ...(prev ? [prev] : []),
        {
          ...(existing ?? { metric, date, unit, sampleCount: 0, sources: [], updatedAt: null }),
          ...(type ? { type } : {}),
          samples: { ...existing?.samples, ...added },
        },
      ];
      const minutes = minuteSeriesOf(docs, metric, date, timezone);
      const { parts, shards } = placeSamples(day?.sizes ?? [0], added, maxSamplesPerSeriesDoc);
      // merge: adds the new keys to the samples maps without rewriting the others.
      tx.set(
        ref,
        {
          metric,
          ...(type ? { type } : {}),
          date,
          unit,
          // Only when the head takes some: merging an empty map would REPLACE the head's samples.
          ...(Object.keys(parts[0] ?? {}).length > 0 ? { samples: parts[0] } : {}),
          sampleCount: (existing?.sampleCount ?? 0) + newCount,
          sources: [...sources].sort(),
          ...(shards > 0 ? { shards } : {}),
          ...(minutes ? { minuteSeries: minutes } : {}),
          updatedAt: FieldValue.serverTimestamp(),
        },
        { merge: true },
      );
      for (let k = 1; k < parts.length; k++) {
        const part = parts[k] ?? {};
        if (Object.keys(part).length === 0) continue;
        tx.set(
          shardRef(db, uid, metric, date, k),
          { metric, date, shard: k, samples: part },
          { merge: true },
        );
      }
    }
    return counts;
  });
}

export async function writeSamples(
  db: Firestore,
  uid: string,
  uploadId: string,
  samples: readonly (CanonicalSample & { id?: string })[],
  timezone: string,
): Promise<WriteResult> {
  const groups = new Map<
    string,
    {
      metric: string;
      date: string;
      type: string;
      items: { id: string; sample: CanonicalSample; index: number }[];
    }
  >();
  const status = new Uint8Array(samples.length);
  for (const [index, sample] of samples.entries()) {
    const date = localDate(sample.startMs, sample.offsetMinutes);
    const key = `${sample.metric}_${date}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { metric: sample.metric, date, type: sample.type, items: [] }));
    g.items.push({ id: sample.id ?? sampleId(uid, sample), sample, index });
  }
  const perGroup = await mapLimit([...groups.values()], seriesConcurrency, async (g) => {
    // The same sample twice in one call is a duplicate (judged here, before a dense day is split).
    const seen = new Set<string>();
    let c = zeroCounts();
    const unique = g.items.filter((x) => {
      if (!seen.has(x.id)) return seen.add(x.id);
      status[x.index] = sampleStatus.duplicate;
      c.duplicate++;
      return false;
    });
    // A dense day goes in several transactions, each well under a commit's size (the emulator refuses
    // requests over 4 MiB; a 5-s heart-rate day is about 7 MB of writes).
    for (let i = 0; i < unique.length; i += maxSamplesPerTransaction) {
      const part = unique.slice(i, i + maxSamplesPerTransaction);
      c = addCounts(c, await mergeDay(db, uid, uploadId, g.metric, g.date, part, timezone, status));
    }
    return { g, c };
  });
  let counts = zeroCounts();
  const byType: Record<string, Counts> = {};
  for (const { g, c } of perGroup) {
    counts = addCounts(counts, c);
    byType[g.type] = addCounts(byType[g.type] ?? zeroCounts(), c);
  }
  return {
    counts,
    byType,
    seriesDocs: groups.size,
    spillDays: [...groups.values()]
      .filter((g) => g.items.some((x) => localDate(x.sample.endMs - 1, x.sample.offsetMinutes) > g.date))
      .map((g) => ({ metric: g.metric, date: addDays(g.date, 1) })),
    status,
  };
}
