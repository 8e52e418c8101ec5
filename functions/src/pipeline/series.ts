/** Reads of the per-day series documents and earlier analyses that the analyze and infer stages need. */
import type { Firestore } from 'firebase-admin/firestore';
import { addDays, seriesDocSchema, type AnalysisWindow, type SeriesDoc } from '@clarity/core';
import { paths } from '../store/paths.ts';
import { withShards } from '../store/series-days.ts';
import { analysisConverter } from '../store/converters.ts';
import { windowDays, type Baseline } from './analytics.ts';

/** Series documents whose local date lies in the window (a range on `date`; single-field index). */
export async function loadWindowSeries(
  db: Firestore,
  uid: string,
  window: AnalysisWindow,
): Promise<SeriesDoc[]> {
  // One day either side: a sample is filed under its own offset's date, the analysis cuts days in the
  // job's zone, so edge samples may sit in the neighbouring document.
  const start = addDays(window.start, -1);
  const end = addDays(window.end, 1);
  const snap = await db
    .collection(paths.series(uid))
    .where('date', '>=', start)
    .where('date', '<=', end)
    .get();
  const heads = snap.docs.flatMap((d) => {
    const parsed = seriesDocSchema.safeParse(d.data());
    return parsed.success ? [parsed.data] : [];
  });
  return withShards((...refs) => db.getAll(...refs), db, uid, heads);
}

/** The 7 days ending at the newest stored day, or undefined when the user has no series. */
export async function defaultWindow(db: Firestore, uid: string): Promise<AnalysisWindow | undefined> {
  const snap = await db.collection(paths.series(uid)).orderBy('date', 'desc').limit(1).get();
  const end = snap.docs[0]?.get('date') as string | undefined;
  if (!end) return undefined;
  const start = addDays(end, -6);
  return { start, end };
}

/** Daily values of up to `maxAnalyses` earlier analyses (ending before the window), oldest first. */
export async function loadBaseline(
  db: Firestore,
  uid: string,
  window: AnalysisWindow,
  maxAnalyses = 4,
): Promise<{ baseline: Baseline; ids: string[] }> {
  const snap = await db
    .collection(paths.analyses(uid))
    .where('window.end', '<', window.start)
    .orderBy('window.end', 'desc')
    .limit(maxAnalyses)
    .withConverter(analysisConverter)
    .get();
  const docs = snap.docs.reverse();
  const byDate = { steps: new Map<string, number | null>(), sleep: new Map<string, number | null>() };
  for (const d of docs) {
    const a = d.data();
    for (const v of a.metrics.activity?.dailySteps ?? []) byDate.steps.set(v.date, v.value);
    for (const v of a.metrics.sleep?.nightly ?? []) byDate.sleep.set(v.date, v.value);
  }
  const first = docs[0]?.data().window.start;
  const days = first ? windowDays({ start: first, end: window.start }).slice(0, -1) : [];
  return {
    baseline: {
      dailySteps: days.map((d) => byDate.steps.get(d) ?? null),
      nightlySleep: days.map((d) => byDate.sleep.get(d) ?? null),
    },
    ids: docs.map((d) => d.id),
  };
}
