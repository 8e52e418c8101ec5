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
import { readSnapshot, seriesConverter } from './converters.ts';
import { paths } from './paths.ts';
import { assertAccountLive } from './tombstones.ts';
import { samplesOf } from './series-samples.ts';
import { withShards } from './series-days.ts';

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

export async function refreshMinuteSeries(
  db: Firestore,
  uid: string,
  days: Iterable<DayKey>,
  timezone: string,
): Promise<number> {
  let written = 0;
  const unique = new Map<string, DayKey>();
  for (const d of days) unique.set(`${d.metric}_${d.date}`, d);
  const queue = [...unique.values()];
  const worker = async (): Promise<void> => {
    for (let key = queue.shift(); key; key = queue.shift()) {
      const { metric, date } = key;
      const refs = [-1, 0].map((k) => db.doc(paths.seriesDoc(uid, metric, addDays(date, k))));
      const did = await db.runTransaction(async (tx) => {
        await assertAccountLive(db, tx, uid);
        const snaps = await tx.getAll(...refs);
        const days = await withShards(
          (...r) => tx.getAll(...r),
          db,
          uid,
          snaps.map((s) => readSnapshot(seriesConverter, s)),
        );
        const minuteSeries = minuteSeriesOf(days, metric, date, timezone);
        const target = snaps[1];
        if (!minuteSeries || !target) return false;
        if (target.exists) tx.update(target.ref, { minuteSeries });
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
          tx.create(target.ref, { ...empty, minuteSeries, updatedAt: FieldValue.serverTimestamp() });
        }
        return true;
      });
      if (did) written++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, queue.length) }, worker));
  return written;
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
