/**
 * Workouts and daily activity summaries from Apple Health exports, one document each:
 * users/{uid}/workouts/{id} (id = the importer's deterministic workout hash) and
 * users/{uid}/activitySummaries/{YYYY-MM-DD}. Counted like samples: already stored by another upload =
 * duplicate; stored by this upload (a retried attempt) = accepted again, so redelivery changes nothing.
 * A summary of the same day with other values (an export taken later that day has fuller rings) replaces
 * the stored one and counts as accepted.
 */
import { FieldValue, type Firestore } from 'firebase-admin/firestore';
import {
  localDate,
  type ActivitySummaryDoc,
  type Counts,
  type ImportedActivitySummary,
  type ImportedWorkout,
  type WorkoutDoc,
} from '@clarity/core';
import { activitySummaryConverter, readSnapshot } from './converters.ts';
import { paths } from './paths.ts';
import { assertAccountLive } from './tombstones.ts';
import { zeroCounts } from './series-writer.ts';

/** Firestore's getAll/transaction sizes stay far below the 500-write limit. */
const chunk = 200;

export async function writeWorkouts(
  db: Firestore,
  uid: string,
  uploadId: string,
  workouts: readonly ImportedWorkout[],
): Promise<Counts> {
  const counts = zeroCounts();
  for (let i = 0; i < workouts.length; i += chunk) {
    const part = workouts.slice(i, i + chunk);
    const c = await db.runTransaction(async (tx) => {
      await assertAccountLive(db, tx, uid);
      const refs = part.map((w) => db.doc(paths.workout(uid, w.id)));
      const snaps = await tx.getAll(...refs);
      const out = zeroCounts();
      const seen = new Set<string>();
      part.forEach((w, k) => {
        const snap = snaps[k];
        if (seen.has(w.id) || (snap?.exists && snap.get('uploadId') !== uploadId)) {
          out.duplicate++;
          return;
        }
        seen.add(w.id);
        out.accepted++;
        if (snap?.exists) return;
        const doc: WorkoutDoc = {
          activityType: w.activityType,
          startMs: w.startMs,
          endMs: w.endMs,
          offsetMinutes: w.offsetMinutes,
          date: localDate(w.startMs, w.offsetMinutes),
          durationMin: w.durationMin,
          distanceM: w.distanceM,
          energyKcal: w.energyKcal,
          source: w.source,
          device: w.device,
          timeZone: w.timeZone,
          uploadId,
          createdAt: FieldValue.serverTimestamp(),
        };
        tx.create(refs[k]!, doc);
      });
      return out;
    });
    counts.accepted += c.accepted;
    counts.duplicate += c.duplicate;
  }
  return counts;
}

const summaryFields = [
  'activeEnergyKcal',
  'activeEnergyGoalKcal',
  'exerciseMin',
  'exerciseGoalMin',
  'standHours',
  'standHoursGoal',
] as const;

export async function writeActivitySummaries(
  db: Firestore,
  uid: string,
  uploadId: string,
  summaries: readonly ImportedActivitySummary[],
): Promise<Counts> {
  const counts = zeroCounts();
  // One per date: a later element of the same date in one file wins (it is the fuller day).
  const byDate = new Map<string, ImportedActivitySummary>();
  for (const s of summaries) {
    if (byDate.has(s.date)) counts.duplicate++;
    byDate.set(s.date, s);
  }
  const list = [...byDate.values()];
  for (let i = 0; i < list.length; i += chunk) {
    const part = list.slice(i, i + chunk);
    const c = await db.runTransaction(async (tx) => {
      await assertAccountLive(db, tx, uid);
      const refs = part.map((s) => db.doc(paths.activitySummary(uid, s.date)));
      const snaps = await tx.getAll(...refs);
      const out = zeroCounts();
      part.forEach((s, k) => {
        const snap = snaps[k];
        const stored = readSnapshot(activitySummaryConverter, snap);
        const same = stored !== undefined && summaryFields.every((f) => stored[f] === s[f]);
        if (same && stored.uploadId !== uploadId) {
          out.duplicate++;
          return;
        }
        out.accepted++;
        if (same) return;
        const doc: ActivitySummaryDoc = { ...s, uploadId, updatedAt: FieldValue.serverTimestamp() };
        tx.set(refs[k]!, doc);
      });
      return out;
    });
    counts.accepted += c.accepted;
    counts.duplicate += c.duplicate;
  }
  return counts;
}
