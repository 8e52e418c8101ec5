/**
 * The per-minute view of each series day document (`minuteSeries`). The stored samples stay the source of
 * truth: a day's minutes are computed with the core's buildMinuteSeries from that day's samples and the day
 * before's (a night of sleep or a step interval can start the evening before). The series writer does it in
 * the same transaction that adds samples to a day; refreshMinuteSeries recomputes the days that samples of an
 * earlier day run into, once the whole batch is written (creating a day document when only spill-over falls
 * on it). Recomputing is idempotent, and transactions make concurrent ingests converge on the latest samples.
 */
import { FieldValue, type Firestore } from 'firebase-admin/firestore';
import {
  addDays,
  buildMinuteSeries,
  isValidTimeZone,
  type MinuteSeriesDoc,
  type SeriesDoc,
} from '@clarity/core';
import { encodedMinuteView } from './minute-arrays.ts';
import { paths } from './paths.ts';
import { assertAccountLive } from './tombstones.ts';
import { samplesOf } from './series-samples.ts';
import { daysAndDaysBefore, readDaysIn } from './series-days.ts';

export interface DayKey {
  metric: string;
  date: string;
}

/** The minute series of one metric on one local day, from the samples of the given series documents. */
export function minuteSeriesOf(
  docs: readonly SeriesDoc[],
  metric: string,
  date: string,
  timezone: string,
): Omit<MinuteSeriesDoc, 'metric' | 'date'> | undefined {
  const day = buildMinuteSeries(samplesOf(docs), { timezone }).find(
    (d) => d.metric === metric && d.date === date,
  );
  if (!day) return undefined;
  const { metric: _m, date: _d, ...rest } = day;
  return rest;
}

/** Days one refresh transaction recomputes at most (each write carries a minute view of up to ~40 KB). */
const refreshDaysPerTransaction = 4;
/** Refresh transactions at once: 8 days in flight, as in the series writer. */
const refreshConcurrency = 2;

/**
 * Recomputes the minute series of `days` from their samples and those of the days before, several days per
 * transaction (a batch of nights, or of step intervals across midnight, spills into as many days). Returns
 * the number of day documents written.
 */
export async function refreshMinuteSeries(
  db: Firestore,
  uid: string,
  days: Iterable<DayKey>,
  timezone: string,
): Promise<number> {
  const unique = new Map<string, DayKey>();
  for (const d of days) unique.set(`${d.metric}_${d.date}`, d);
  const chunks: DayKey[][] = [];
  const all = [...unique.values()];
  for (let i = 0; i < all.length; i += refreshDaysPerTransaction)
    chunks.push(all.slice(i, i + refreshDaysPerTransaction));
  let written = 0;
  const worker = async (): Promise<void> => {
    for (let chunk = chunks.shift(); chunk; chunk = chunks.shift()) {
      const n = await refreshDays(db, uid, chunk, timezone);
      written += n;
    }
  };
  await Promise.all(Array.from({ length: Math.min(refreshConcurrency, chunks.length) }, worker));
  return written;
}

/** One transaction of refreshMinuteSeries: the days and the days before them read at once. */
async function refreshDays(db: Firestore, uid: string, keys: DayKey[], timezone: string): Promise<number> {
  const refs = daysAndDaysBefore(db, uid, keys);
  return db.runTransaction(async (tx) => {
    await assertAccountLive(db, tx, uid);
    const byPath = await readDaysIn(tx, db, uid, refs);
    let did = 0;
    for (const { metric, date } of keys) {
      const prev = byPath.get(paths.seriesDoc(uid, metric, addDays(date, -1)))?.day?.doc;
      const here = byPath.get(paths.seriesDoc(uid, metric, date));
      const target = here?.snap;
      const docs = [prev, here?.day?.doc].filter((d): d is SeriesDoc => d !== undefined);
      const minuteSeries = minuteSeriesOf(docs, metric, date, timezone);
      if (!minuteSeries || !target) continue;
      if (target.exists) tx.update(target.ref, { minuteSeries: encodedMinuteView(minuteSeries) });
      else {
        // Only spill-over minutes fall on this day: a day document with no samples of its own.
        const empty: Omit<SeriesDoc, 'updatedAt'> = {
          metric,
          date,
          unit: minuteSeries.unit,
          samples: {},
          sampleCount: 0,
          sources: [],
        };
        tx.create(target.ref, {
          ...empty,
          minuteSeries: encodedMinuteView(minuteSeries),
          updatedAt: FieldValue.serverTimestamp(),
        });
      }
      did++;
    }
    return did;
  });
}

/** The zone a user's days are cut in: their profile's, else the upload's, else the offset of the data. */
export function dayZone(
  profileZone: string | null,
  uploadZone: string | null,
  offsetMinutes: number | undefined,
): string {
  // Zones come from what users wrote: an unknown name falls through (it would throw in Intl on every
  // redelivery of the event, forever).
  if (profileZone && isValidTimeZone(profileZone)) return profileZone;
  if (uploadZone && isValidTimeZone(uploadZone)) return uploadZone;
  if (offsetMinutes !== undefined && offsetMinutes % 60 === 0) {
    const h = -offsetMinutes / 60; // Etc/GMT zones have the POSIX (inverted) sign
    return h === 0 ? 'UTC' : `Etc/GMT${h > 0 ? '+' : ''}${h}`;
  }
  return 'UTC';
}
