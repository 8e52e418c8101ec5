/**
 * Writes canonical samples into users/{uid}/series/{metric}_{YYYY-MM-DD}, a few day documents per transaction
 * (planTransactions), a dense day in several.
 * Shared by the JSON-batch ingest and the file import so both count alike:
 *  - a sample already stored by another upload is a duplicate;
 *  - a sample already stored by THIS upload (a retried attempt) counts as accepted again, so counts are
 *    the same however often a stage is redelivered;
 *  - the same sample twice in one call is a duplicate.
 */
import {
  FieldValue,
  type DocumentReference,
  type Firestore,
  type Transaction,
} from 'firebase-admin/firestore';
import {
  addDays,
  localDate,
  maxSamplesPerSeriesDoc,
  sampleId,
  type CanonicalSample,
  type Counts,
  type SeriesDoc,
  type StoredSample,
} from '@clarity/core';
import { encodedMinuteView } from './minute-arrays.ts';
import { minuteSeriesOf, type DayKey } from './minute-series-writer.ts';
import { paths } from './paths.ts';
import { assertAccountLive } from './tombstones.ts';
import { daysAndDaysBefore, placeSamples, readDaysIn, shardRef, type SeriesDay } from './series-days.ts';

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
/**
 * Day documents one series transaction writes at most. Each carries its minute view (3 x 1440 slots for an
 * instant metric), held until the commit answers. Measured through the Storage trigger on the hostile
 * `type-names` export (500 new days of one sample each), when the client still validated every slot and
 * each empty slot was an object of its own: 25 days per transaction peaked at 415-519 MB RSS and 10 at
 * 287 MB, against 218 MB for one. The view now goes encoded (minute-arrays.ts); 4 is kept.
 */
const maxDaysPerTransaction = 4;
/** Day documents written at once by all of a call's transactions together (8, as before batching). */
const maxDaysInFlight = 8;

/**
 * Runs `fn` over `items`, at most `limit` at a time and, together, at most `capacity` of `weight` (always at
 * least one item): day documents in flight are what a transaction holds in memory twice over (read, then
 * serialized for the commit), so many small days per transaction come with fewer transactions at once.
 */
async function runWeighted<T>(
  items: readonly T[],
  limit: number,
  capacity: number,
  weight: (item: T) => number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let load = 0;
  let failed: { error: unknown } | undefined;
  const running = new Set<Promise<void>>();
  for (;;) {
    const item = failed ? undefined : items[next];
    const w = item === undefined ? 0 : weight(item);
    if (item !== undefined && running.size < limit && (running.size === 0 || load + w <= capacity)) {
      next++;
      load += w;
      const p: Promise<void> = fn(item)
        .catch((error: unknown) => void (failed ??= { error }))
        .finally(() => {
          load -= w;
          running.delete(p);
        });
      running.add(p);
      continue;
    }
    if (running.size === 0) break;
    await Promise.race(running);
  }
  // The first failure, once every transaction started has settled (none is left running unobserved).
  if (failed) throw failed.error;
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

interface Item {
  id: string;
  sample: CanonicalSample;
  index: number;
}

/** Samples of one (metric, local day) for one transaction. */
interface DayPart {
  metric: string;
  date: string;
  items: Item[];
  /** The day's counts in this call, shared by the parts of a dense day (added to when a commit succeeds). */
  counts: Counts;
}

/**
 * Merges the samples of several days (distinct documents) in ONE transaction: the tombstone, the days and
 * the days before them are read in one request, and every write goes in one commit. Each day's minute
 * series is recomputed in the same write from its samples and those of the day before (whose intervals may
 * run into it); when the day before is written in the same transaction, its merged samples are used.
 * Adds each part's counts to its day's once the transaction has committed.
 */
async function mergeDays(
  db: Firestore,
  uid: string,
  uploadId: string,
  parts: readonly DayPart[],
  timezone: string,
  status: Uint8Array,
): Promise<void> {
  const order = parts
    .map((p, i) => ({ p, i }))
    .sort((a, b) =>
      a.p.metric !== b.p.metric ? (a.p.metric < b.p.metric ? -1 : 1) : a.p.date < b.p.date ? -1 : 1,
    );
  const refs = daysAndDaysBefore(db, uid, parts);
  const counts = await db.runTransaction(async (tx) => {
    await assertAccountLive(db, tx, uid);
    // A dense day is the head and its shards (series-days.ts): duplicates are judged against all of them.
    const read = await readDaysIn(tx, db, uid, refs);
    const days = new Map<string, SeriesDay | undefined>([...read].map(([k, v]) => [k, v.day]));
    const out: Counts[] = parts.map(() => zeroCounts());
    const ctx: MergeContext = { db, tx, uid, uploadId, timezone, status };
    for (const { p, i } of order) {
      const key = paths.seriesDoc(uid, p.metric, p.date);
      const prev = days.get(paths.seriesDoc(uid, p.metric, addDays(p.date, -1)));
      const merged = mergeOne(ctx, p, refs.get(key) as DocumentReference, days.get(key), prev);
      out[i] = merged.counts;
      // The day as it is after this write: the next day's minute series reads it as its day before.
      if (merged.day) days.set(key, merged.day);
    }
    return out;
  });
  parts.forEach((p, i) => {
    const c = counts[i] ?? zeroCounts();
    p.counts.accepted += c.accepted;
    p.counts.duplicate += c.duplicate;
    p.counts.rejected += c.rejected;
  });
}

interface MergeContext {
  db: Firestore;
  tx: Transaction;
  uid: string;
  uploadId: string;
  timezone: string;
  status: Uint8Array;
}

/** One day's share of mergeDays: judges its samples, writes them, and returns the day as it is now. */
function mergeOne(
  { db, tx, uid, uploadId, timezone, status }: MergeContext,
  p: DayPart,
  ref: DocumentReference,
  day: SeriesDay | undefined,
  prevDay: SeriesDay | undefined,
): { counts: Counts; day: SeriesDay | undefined } {
  const { metric, date, items } = p;
  const existing = day?.doc;
  const counts = zeroCounts();
  const added: Record<string, StoredSample> = {};
  const sources = new Set(existing?.sources ?? []);
  // A day that holds only a neighbour's spill-over minutes (sampleCount 0) takes its unit from its first
  // own samples, as a day created by them would: the import's result must not depend on write order.
  const docUnit =
    existing && existing.sampleCount > 0 ? existing.unit : (items[0]?.sample.unit ?? existing?.unit ?? null);
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
  if (newCount === 0) return { counts, day };
  const unit = docUnit;
  const type = items[0]?.sample.type ?? null;
  const prev = prevDay?.doc;
  const sampleCount = (existing?.sampleCount ?? 0) + newCount;
  const doc: SeriesDoc = {
    ...(existing ?? { metric, date, updatedAt: null }),
    ...(type ? { type } : {}),
    unit,
    sampleCount,
    sources: [...sources].sort(),
    samples: { ...existing?.samples, ...added },
  };
  const minutes = minuteSeriesOf([...(prev ? [prev] : []), doc], metric, date, timezone);
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
      sampleCount,
      sources: doc.sources,
      ...(shards > 0 ? { shards } : {}),
      ...(minutes ? { minuteSeries: encodedMinuteView(minutes) } : {}),
      updatedAt: FieldValue.serverTimestamp(),
    },
    { merge: true },
  );
  const sizes = [...(day?.sizes ?? [0])];
  for (let k = 0; k < parts.length; k++) {
    const part = parts[k] ?? {};
    const n = Object.keys(part).length;
    sizes[k] = (sizes[k] ?? 0) + n;
    if (k === 0 || n === 0) continue;
    tx.set(shardRef(db, uid, metric, date, k), { metric, date, shard: k, samples: part }, { merge: true });
  }
  return { counts, day: { doc, sizes } };
}

/**
 * The transactions of one call: a day with more samples than one transaction takes goes alone, in several
 * transactions one after the other; the other days are packed together, up to `maxSamplesPerTransaction`
 * samples and `maxDaysPerTransaction` documents each. (An export of 500 distinct types, or a year of one
 * daily value, is 500 days of one sample each: one transaction per day was 500 transactions, 4 days per
 * transaction is 125.)
 */
function planTransactions(parts: readonly DayPart[]): DayPart[][][] {
  const jobs: DayPart[][][] = [];
  let chunk: DayPart[] = [];
  let samples = 0;
  for (const p of parts) {
    if (p.items.length > maxSamplesPerTransaction) {
      const steps: DayPart[][] = [];
      for (let i = 0; i < p.items.length; i += maxSamplesPerTransaction)
        steps.push([{ ...p, items: p.items.slice(i, i + maxSamplesPerTransaction) }]);
      jobs.push(steps);
      continue;
    }
    if (chunk.length >= maxDaysPerTransaction || samples + p.items.length > maxSamplesPerTransaction) {
      jobs.push([chunk]);
      chunk = [];
      samples = 0;
    }
    chunk.push(p);
    samples += p.items.length;
  }
  if (chunk.length > 0) jobs.push([chunk]);
  return jobs;
}

export async function writeSamples(
  db: Firestore,
  uid: string,
  uploadId: string,
  samples: readonly (CanonicalSample & { id?: string })[],
  timezone: string,
): Promise<WriteResult> {
  const groups = new Map<string, DayPart & { type: string }>();
  const status = new Uint8Array(samples.length);
  for (const [index, sample] of samples.entries()) {
    const date = localDate(sample.startMs, sample.offsetMinutes);
    const key = `${sample.metric}_${date}`;
    let g = groups.get(key);
    if (!g)
      groups.set(
        key,
        (g = { metric: sample.metric, date, type: sample.type, items: [], counts: zeroCounts() }),
      );
    g.items.push({ id: sample.id ?? sampleId(uid, sample), sample, index });
  }
  const parts: DayPart[] = [...groups.values()].map((g) => {
    // The same sample twice in one call is a duplicate (judged here, before a dense day is split).
    const seen = new Set<string>();
    const unique = g.items.filter((x) => {
      if (!seen.has(x.id)) return seen.add(x.id);
      status[x.index] = sampleStatus.duplicate;
      g.counts.duplicate++;
      return false;
    });
    return { ...g, items: unique };
  });
  // Jobs side by side; the transactions of one job (a dense day's) one after the other.
  const weight = (steps: DayPart[][]) => Math.max(...steps.map((c) => c.length));
  await runWeighted(planTransactions(parts), seriesConcurrency, maxDaysInFlight, weight, async (steps) => {
    for (const chunk of steps) await mergeDays(db, uid, uploadId, chunk, timezone, status);
  });
  let counts = zeroCounts();
  const byType: Record<string, Counts> = {};
  for (const g of groups.values()) {
    counts = addCounts(counts, g.counts);
    byType[g.type] = addCounts(byType[g.type] ?? zeroCounts(), g.counts);
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
