import { Router } from 'express';
import { FieldPath } from 'firebase-admin/firestore';
import {
  addDays,
  daysBetween,
  isValidTimeZone,
  mannKendall,
  quantityTypes,
  seriesDocSchema,
  theilSen,
  type SeriesDoc,
} from '@clarity/core';
import { dailyMetricValues, windowMinutes } from '../../pipeline/analytics.ts';
import { paths } from '../../store/paths.ts';
import { seriesSampleFields, withShards } from '../../store/series-days.ts';
import { envelope, state, type ApiDeps } from '../context.ts';
import { requireUser } from '../middleware.ts';
import { auditRead, authorizeRead, callerOf } from '../rbac.ts';
import { parseInput, trendsQuery, type trendsResponse } from '../schemas.ts';
import { z } from 'zod';

type Aggregation = 'sum' | 'mean' | 'asleep_minutes';
type TrendsData = z.infer<typeof trendsResponse>;

interface MetricSpec {
  aggregation: Aggregation;
  unit: string | null;
}

/**
 * How a day of one metric becomes one number: cumulative quantities (steps, energy, distance) are summed,
 * instantaneous ones (heart rate, HRV, SpO2) averaged over their samples, sleep is the minutes spent in an
 * asleep stage. From the HealthKit type table, so it matches how samples were validated.
 */
export function metricSpec(metric: string): MetricSpec {
  if (metric === 'sleep') return { aggregation: 'asleep_minutes', unit: 'min' };
  const spec = Object.values(quantityTypes).find((t) => t.metric === metric);
  if (!spec) return { aggregation: 'mean', unit: null };
  return { aggregation: spec.aggregation === 'cumulative' ? 'sum' : 'mean', unit: spec.canonicalUnit };
}

/**
 * Daily values over [start, end], computed as the analysis computes them (dailyMetricValues: one source per
 * minute by priority, so a Watch and an iPhone counting the same walk are not added up; samples crossing
 * midnight split across the days; sleep as noon-to-noon nights dated by the morning), in the user's zone.
 * Then per period: day = the daily value; week = consecutive 7-day blocks from `start`, the mean of the days
 * with data (a week total for steps would penalise missing days). `samples` counts the stored samples filed
 * under the period's days. Trend statistics run on the period values in order, missing periods skipped
 * (Theil-Sen keeps their position as x, so gaps do not compress time).
 */
export function aggregateTrend(
  metric: TrendsData['metric'],
  start: string,
  end: string,
  granularity: 'day' | 'week',
  docs: readonly SeriesDoc[],
  timezone = 'UTC',
): TrendsData {
  const acc = emptyDaily();
  addDailyValues(acc, metric, { start, end }, docs, timezone);
  return trendFromDaily(metric, start, end, granularity, acc);
}

/** Daily values and stored sample counts by date, filled a part of the window at a time. */
export interface DailyValues {
  byDate: Map<string, number | null>;
  stored: Map<string, number>;
}

export const emptyDaily = (): DailyValues => ({ byDate: new Map(), stored: new Map() });

/**
 * Adds the days of `part` to `acc`, from the series documents of part.start - 1 .. part.end + 1 (a sample is
 * filed under its own offset's date, a night starts the evening before): the same numbers as over the
 * whole window at once, so the route can read a long window a few days at a time.
 */
export function addDailyValues(
  acc: DailyValues,
  metric: string,
  part: { start: string; end: string },
  docs: readonly SeriesDoc[],
  timezone: string,
): void {
  const zone = isValidTimeZone(timezone) ? timezone : 'UTC';
  const mine = docs.filter((d) => d.metric === metric);
  for (const d of dailyMetricValues(windowMinutes(mine, part, zone), metric)) acc.byDate.set(d.date, d.value);
  for (const d of mine) {
    if (d.date < part.start || d.date > part.end) continue;
    acc.stored.set(d.date, (acc.stored.get(d.date) ?? 0) + Object.keys(d.samples).length);
  }
}

/** Periods and trend statistics from the daily values (see aggregateTrend). */
export function trendFromDaily(
  metric: TrendsData['metric'],
  start: string,
  end: string,
  granularity: 'day' | 'week',
  { byDate, stored }: DailyValues,
): TrendsData {
  const spec = metricSpec(metric);
  const days = daysBetween(start, end) + 1;
  const step = granularity === 'day' ? 1 : 7;
  const points: TrendsData['points'] = [];
  for (let i = 0; i < days; i += step) {
    let sum = 0;
    let withData = 0;
    let samples = 0;
    for (let j = i; j < Math.min(i + step, days); j++) {
      const date = addDays(start, j);
      const v = byDate.get(date);
      if (v !== undefined && v !== null) {
        sum += v;
        withData++;
        samples += stored.get(date) ?? 0;
      }
    }
    points.push({
      period: addDays(start, i),
      value: withData > 0 ? sum / withData : null,
      days: withData,
      samples,
    });
  }
  const values = points.map((p) => (p.value === null ? Number.NaN : p.value));
  const ts = theilSen(values);
  const mk = mannKendall(values);
  const finite = (x: number) => (Number.isFinite(x) ? x : null);
  return {
    metric,
    unit: spec.unit,
    aggregation: spec.aggregation,
    granularity,
    points,
    statistics: {
      theilSen: {
        slopePerPeriod: finite(ts.slope),
        lowSlope: finite(ts.lowSlope),
        highSlope: finite(ts.highSlope),
        confidence: ts.confidence,
        n: ts.n,
      },
      mannKendall: { S: mk.S, Z: mk.Z, p: finite(mk.p), tau: finite(mk.tau), trend: mk.trend, n: mk.n },
    },
  };
}

/** Days of series documents one trends request holds at a time (plus one either side). */
export const trendChunkDays = 7;

/** What the trend reads of a series document (written by the backend; bookkeeping fields may be absent). */
const storedDay = seriesDocSchema.extend({
  sampleCount: z.number().int().nonnegative().default(0),
  sources: z.array(z.string()).default([]),
});

/**
 * GET /v1/health/trends?metric=&start=&end=&granularity=day|week[&uid=]: aggregated series from
 * users/{uid}/series/{metric}_{date} documents (one id-range query, one day either side: a sample is filed
 * under its own offset's date and a night starts the evening before) with Theil-Sen and Mann-Kendall, cut
 * into days in the profile's zone (UTC when it has none).
 */
export function trendRoutes(deps: ApiDeps): Router {
  const r = Router();
  r.get('/trends', requireUser(deps), async (req, res) => {
    const q = parseInput(trendsQuery, req.query, 'query');
    const access = await authorizeRead(deps, callerOf(req), q.uid);
    const profile = await deps.db.doc(paths.user(access.uid)).get();
    const tz: unknown = profile.get('timezone');
    const zone = typeof tz === 'string' ? tz : 'UTC';
    // A long window is read a few days at a time, only the fields the daily values need (not the stored
    // minute series): what a request holds is bounded by trendChunkDays, whatever the window.
    const acc = emptyDaily();
    for (let from = q.start; from <= q.end; from = addDays(from, trendChunkDays)) {
      const to = [addDays(from, trendChunkDays - 1), q.end].sort()[0] as string;
      const snap = await deps.db
        .collection(paths.series(access.uid))
        .where(FieldPath.documentId(), '>=', `${q.metric}_${addDays(from, -1)}`)
        .where(FieldPath.documentId(), '<=', `${q.metric}_${addDays(to, 1)}`)
        .select(...seriesSampleFields)
        .get();
      const heads = snap.docs.flatMap((d) => {
        const parsed = storedDay.safeParse({ updatedAt: null, ...d.data() });
        return parsed.success && parsed.data.metric === q.metric ? [parsed.data] : [];
      });
      // A dense day's samples are spread over shard documents (store/series-days.ts): one logical day.
      const docs = await withShards((...refs) => deps.db.getAll(...refs), deps.db, access.uid, heads);
      addDailyValues(acc, q.metric, { start: from, end: to }, docs, zone);
    }
    await auditRead(deps, req, access, 'trends.read', paths.series(access.uid));
    res.json(envelope(trendFromDaily(q.metric, q.start, q.end, q.granularity, acc), state(req).requestId));
  });
  return r;
}
