import { Router } from 'express';
import { FieldPath } from 'firebase-admin/firestore';
import {
  addDays,
  daysBetween,
  isAsleep,
  mannKendall,
  quantityTypes,
  sleepStages,
  theilSen,
  type SleepStage,
} from '@clarity/core';
import { paths } from '../../store/paths.ts';
import { envelope, state, type ApiDeps } from '../context.ts';
import { requireUser } from '../middleware.ts';
import { auditRead, authorizeRead, callerOf } from '../rbac.ts';
import { parseInput, trendsQuery, type trendsResponse } from '../schemas.ts';
import type { z } from 'zod';

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

interface StoredLike {
  s?: unknown;
  e?: unknown;
  v?: unknown;
  st?: unknown;
}

/** One day's value from a series document's `samples` map; null when nothing usable is stored. */
export function dayValue(
  samples: Record<string, StoredLike>,
  aggregation: Aggregation,
): { value: number | null; n: number } {
  let sum = 0;
  let n = 0;
  for (const smp of Object.values(samples)) {
    if (aggregation === 'asleep_minutes') {
      const st = smp.st;
      if (
        typeof st === 'string' &&
        (sleepStages as readonly string[]).includes(st) &&
        isAsleep(st as SleepStage)
      ) {
        if (typeof smp.s === 'number' && typeof smp.e === 'number' && smp.e > smp.s) {
          sum += (smp.e - smp.s) / 60_000;
          n++;
        }
      }
    } else if (typeof smp.v === 'number' && Number.isFinite(smp.v)) {
      sum += smp.v;
      n++;
    }
  }
  if (n === 0) return { value: null, n: 0 };
  return { value: aggregation === 'mean' ? sum / n : sum, n };
}

/**
 * Daily values over [start, end], then per period: day = the daily value; week = consecutive 7-day blocks
 * from `start`, the mean of the days with data (a week total for steps would penalise missing days).
 * Trend statistics run on the period values in order, missing periods skipped (Theil-Sen keeps their
 * position as x, so gaps do not compress time).
 */
export function aggregateTrend(
  metric: TrendsData['metric'],
  start: string,
  end: string,
  granularity: 'day' | 'week',
  docs: { date: string; samples: Record<string, StoredLike> }[],
): TrendsData {
  const spec = metricSpec(metric);
  const byDate = new Map(docs.map((d) => [d.date, dayValue(d.samples, spec.aggregation)]));
  const days = daysBetween(start, end) + 1;
  const step = granularity === 'day' ? 1 : 7;
  const points: TrendsData['points'] = [];
  for (let i = 0; i < days; i += step) {
    let sum = 0;
    let withData = 0;
    let samples = 0;
    for (let j = i; j < Math.min(i + step, days); j++) {
      const v = byDate.get(addDays(start, j));
      if (v && v.value !== null) {
        sum += v.value;
        withData++;
        samples += v.n;
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

/**
 * GET /v1/health/trends?metric=&start=&end=&granularity=day|week[&uid=]: aggregated series from
 * users/{uid}/series/{metric}_{date} documents (one id-range query) with Theil-Sen and Mann-Kendall.
 */
export function trendRoutes(deps: ApiDeps): Router {
  const r = Router();
  r.get('/trends', requireUser(deps), async (req, res) => {
    const q = parseInput(trendsQuery, req.query, 'query');
    const access = await authorizeRead(deps, callerOf(req), q.uid);
    const snap = await deps.db
      .collection(paths.series(access.uid))
      .where(FieldPath.documentId(), '>=', `${q.metric}_${q.start}`)
      .where(FieldPath.documentId(), '<=', `${q.metric}_${q.end}`)
      .get();
    const docs = snap.docs
      .map((d) => d.data())
      .filter((d) => d.metric === q.metric && typeof d.date === 'string' && typeof d.samples === 'object')
      .map((d) => ({ date: d.date as string, samples: (d.samples ?? {}) as Record<string, StoredLike> }));
    await auditRead(deps, req, access, 'trends.read', paths.series(access.uid));
    res.json(envelope(aggregateTrend(q.metric, q.start, q.end, q.granularity, docs), state(req).requestId));
  });
  return r;
}
