/**
 * What the FHIR export of one user is made from (the core's ExportInput), read from Firestore: the stored
 * samples of users/{uid}/series (with their ids and uploads), the uploads, workouts, analyses and insights.
 * `since` keeps what was stored at or after that instant (samples of uploads received since, analyses and
 * insights created since); `start`/`end` keep the series days and analysis windows that overlap the dates.
 */
import {
  FieldPath,
  Timestamp,
  type Firestore,
  type Query,
  type QueryDocumentSnapshot,
} from 'firebase-admin/firestore';
import { z } from 'zod';
import {
  analysisMetricsSchema,
  analysisResults,
  isValidTimeZone,
  zoneOffsetMinutes,
  type ExportInput,
  type ExportInsight,
  type ExportSample,
  type ExportUpload,
  type ExportWorkout,
} from '@clarity/core';
import { readSnapshot, seriesConverter } from './converters.ts';
import { paths } from './paths.ts';
import { exportPageSize } from './account-export.ts';
import { samplesOf } from './series-samples.ts';
import { seriesSampleFields, withShards } from './series-days.ts';
import { listUploadFields } from './uploads.ts';

export interface ExportFilter {
  /** Epoch ms: only what was stored at or after it. */
  sinceMs?: number;
  /** YYYY-MM-DD: only series days and analysis windows from/to these dates. */
  start?: string;
  end?: string;
}

const ms = (v: unknown): number | undefined => (v instanceof Timestamp ? v.toMillis() : undefined);

const storedAnalysis = z.object({
  window: z.object({ start: z.string(), end: z.string() }),
  timezone: z.string(),
  metrics: analysisMetricsSchema,
});
const storedInsight = z.object({
  narrative: z.string(),
  keyInsights: z.array(z.object({ title: z.string(), detail: z.string() })),
  recommendations: z.array(z.string()),
  disclaimer: z.string(),
  locale: z.string(),
});
const storedWorkout = z.object({
  activityType: z.string(),
  startMs: z.number(),
  endMs: z.number(),
  offsetMinutes: z.number(),
  distanceM: z.number().nullable(),
  energyKcal: z.number().nullable(),
  source: z.string(),
  uploadId: z.string(),
});

/**
 * The stored samples of the series days in the filter's dates, read a page of days at a time with a field
 * mask (not the minute views), each dense day with its shards (store/series-days.ts): only the samples are
 * kept, never more than a page of documents.
 */
async function storedSamples(db: Firestore, uid: string, filter: ExportFilter): Promise<ExportSample[]> {
  let series = db.collection(paths.series(uid)) as Query;
  if (filter.start) series = series.where('date', '>=', filter.start);
  if (filter.end) series = series.where('date', '<=', filter.end);
  const ordered = series
    .orderBy('date')
    .orderBy(FieldPath.documentId())
    .select(...seriesSampleFields)
    .limit(exportPageSize.series);
  const out: ExportSample[] = [];
  for (let page = await ordered.get(); ;) {
    const heads = page.docs.map((d) => readSnapshot(seriesConverter, d));
    const days = await withShards((...refs) => db.getAll(...refs), db, uid, heads);
    for (const s of samplesOf(days)) out.push(s);
    const last = page.docs[page.docs.length - 1];
    if (page.size < exportPageSize.series || !last) return out;
    page = await ordered.startAfter(last).get();
  }
}

export async function readExportInput(
  db: Firestore,
  uid: string,
  filter: ExportFilter,
  nowMs: number,
): Promise<ExportInput> {
  const [user, stored, uploadsSnap, analysesSnap, insightsSnap, workoutsSnap] = await Promise.all([
    db.doc(paths.user(uid)).get(),
    storedSamples(db, uid, filter),
    listUploadFields(db, uid),
    db.collection(paths.analyses(uid)).get(),
    db.collection(paths.insights(uid)).get(),
    db.collection(paths.workouts(uid)).get(),
  ]);
  const tzField: unknown = user.get('timezone');
  const timezone = typeof tzField === 'string' && isValidTimeZone(tzField) ? tzField : 'UTC';
  const since = filter.sinceMs ?? -Infinity;
  const uploads: ExportUpload[] = uploadsSnap.map(({ id, fields }) => ({
    id,
    source: typeof fields.source === 'string' ? fields.source : 'unknown',
    format: typeof fields.format === 'string' ? fields.format : 'other',
    receivedMs: ms(fields.createdAt) ?? nowMs,
  }));
  const recent = new Set(uploads.filter((u) => u.receivedMs >= since).map((u) => u.id));
  const samples = stored
    .filter((s) => filter.sinceMs === undefined || (s.uploadId !== undefined && recent.has(s.uploadId)))
    .map((s) => ({ ...s, offsetMinutes: zoneOffsetMinutes(s.startMs, timezone) }))
    .sort((a, b) => a.startMs - b.startMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const created = (d: QueryDocumentSnapshot): number => ms(d.get('createdAt')) ?? nowMs;
  const inDates = (start: string, end: string): boolean =>
    (!filter.end || start <= filter.end) && (!filter.start || end >= filter.start);
  const analyses = analysesSnap.docs.flatMap((d) => {
    const a = storedAnalysis.safeParse(d.data());
    if (!a.success || created(d) < since || !inDates(a.data.window.start, a.data.window.end)) return [];
    return analysisResults({ id: d.id, ...a.data });
  });
  const insights: ExportInsight[] = insightsSnap.docs.flatMap((d) => {
    const i = storedInsight.safeParse(d.data());
    return i.success && created(d) >= since ? [{ id: d.id, createdMs: created(d), ...i.data }] : [];
  });
  const workouts: ExportWorkout[] = workoutsSnap.docs.flatMap((d) => {
    const w = storedWorkout.safeParse(d.data());
    return w.success && recent.has(w.data.uploadId) ? [{ id: d.id, ...w.data }] : [];
  });
  return {
    subject: { id: uid, system: 'uid' },
    timezone,
    samples,
    uploads: uploads.filter((u) => recent.has(u.id)),
    analyses,
    workouts,
    insights,
    generatedMs: nowMs,
  };
}
