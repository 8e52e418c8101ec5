/**
 * Keeps the per-minute view of each series day document up to date. The stored samples stay the source of
 * truth; after an ingest, every (metric, local day) it touched is recomputed from the samples of that day
 * and the day before (a night of sleep or a step interval can start the evening before) with the core's
 * buildMinuteSeries, and written to the day document's `minuteSeries` field inside a transaction (creating
 * the next day's document when only spill-over data falls on it), so concurrent ingests for the same user
 * converge on the latest samples. Recomputing is idempotent.
 */
import { FieldValue, type Firestore } from 'firebase-admin/firestore';
import { buildMinuteSeries, type SeriesDoc } from '@clarity/core';
import { paths } from './paths.ts';
import { samplesOf } from './series-samples.ts';

function shiftDate(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export interface DayKey {
  metric: string;
  date: string;
}

export async function refreshMinuteSeries(
  db: Firestore,
  uid: string,
  days: Iterable<DayKey>,
  timezone: string,
): Promise<number> {
  let written = 0;
  const unique = new Map<string, DayKey>();
  // A sample stored under its start day can run into the next day (a night, a step interval).
  for (const d of days) {
    for (const date of [d.date, shiftDate(d.date, 1)])
      unique.set(`${d.metric}_${date}`, { metric: d.metric, date });
  }
  const queue = [...unique.values()];
  const worker = async (): Promise<void> => {
    for (let key = queue.shift(); key; key = queue.shift()) {
      const { metric, date } = key;
      const refs = [-1, 0].map((k) => db.doc(paths.seriesDoc(uid, metric, shiftDate(date, k))));
      const did = await db.runTransaction(async (tx) => {
        const snaps = await tx.getAll(...refs);
        const samples = samplesOf(snaps.filter((s) => s.exists).map((s) => s.data() as SeriesDoc));
        const day = buildMinuteSeries(samples, { timezone }).find(
          (d) => d.metric === metric && d.date === date,
        );
        const target = snaps[1];
        if (!day || !target) return false;
        const { metric: _m, date: _d, ...minuteSeries } = day;
        if (target.exists) tx.update(target.ref, { minuteSeries });
        else {
          // Only spill-over minutes fall on this day: a day document with no samples of its own.
          const empty: Omit<SeriesDoc, 'updatedAt'> = {
            metric,
            date,
            unit: day.unit,
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
  if (profileZone) return profileZone;
  if (uploadZone) return uploadZone;
  if (offsetMinutes !== undefined && offsetMinutes % 60 === 0) {
    const h = -offsetMinutes / 60; // Etc/GMT zones have the POSIX (inverted) sign
    return h === 0 ? 'UTC' : `Etc/GMT${h > 0 ? '+' : ''}${h}`;
  }
  return 'UTC';
}
