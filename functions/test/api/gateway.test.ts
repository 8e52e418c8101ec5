/**
 * Unit tests (no emulators) for the gateway's pure parts: trend aggregation, cursors, input validation,
 * request metrics and the OpenAPI document.
 */
import { describe, expect, it } from 'vitest';
import { addDays, isClarityError, type SeriesDoc } from '@clarity/core';
import { openApiDocument, operations } from '../../src/api/openapi.ts';
import { RequestMetrics } from '../../src/api/request-metrics.ts';
import { decodeCursor, encodeCursor } from '../../src/api/routes/insights.ts';
import {
  addDailyValues,
  aggregateTrend,
  emptyDaily,
  metricSpec,
  trendChunkDays,
  trendFromDaily,
} from '../../src/api/routes/trends.ts';
import { computeAnalysis } from '../../src/pipeline/analytics.ts';
import { insightsQuery, parseInput, trendsQuery } from '../../src/api/schemas.ts';

const minute = 60_000;

/** A series document as ingest stores it. */
function stored(
  metric: string,
  date: string,
  samples: { s: number; e: number; v?: number; st?: string; src?: string }[],
): SeriesDoc {
  return {
    metric,
    date,
    unit: metric === 'sleep' ? null : 'count',
    samples: Object.fromEntries(
      samples.map((x, i) => [
        `s${i}`,
        { s: x.s, e: x.e, v: x.v ?? null, st: x.st ?? null, src: x.src ?? 'Apple Watch', up: 'u1' },
      ]),
    ),
    sampleCount: samples.length,
    sources: [...new Set(samples.map((x) => x.src ?? 'Apple Watch'))],
    updatedAt: null,
  } as SeriesDoc;
}

describe('trend aggregation', () => {
  it('chooses sum for cumulative, mean for instantaneous metrics and asleep minutes for sleep', () => {
    expect(metricSpec('steps')).toEqual({ aggregation: 'sum', unit: 'count' });
    expect(metricSpec('active_energy').aggregation).toBe('sum');
    expect(metricSpec('heart_rate')).toEqual({ aggregation: 'mean', unit: 'count/min' });
    expect(metricSpec('hrv_sdnn')).toEqual({ aggregation: 'mean', unit: 'ms' });
    expect(metricSpec('sleep')).toEqual({ aggregation: 'asleep_minutes', unit: 'min' });
  });

  it('counts only asleep stages for sleep, and skips samples without a value', () => {
    const t = Date.UTC(2026, 10, 1, 23);
    const sleep = stored('sleep', '2026-11-01', [
      { s: t, e: t + 30 * minute, st: 'inBed', src: 'Watch' },
      { s: t, e: t + 90 * minute, st: 'asleepCore', src: 'Watch' },
      { s: t + 90 * minute, e: t + 100 * minute, st: 'awake', src: 'Watch' },
      { s: t + 100 * minute, e: t + 145 * minute, st: 'asleepREM', src: 'Watch' },
    ]);
    // The night crosses midnight: dated by the morning (Nov 2), one night.
    const night = aggregateTrend('sleep', '2026-11-01', '2026-11-02', 'day', [sleep]);
    expect(night.points.map((p) => p.value)).toEqual([null, 135]);
    const noon = Date.UTC(2026, 10, 1, 12);
    const hr = stored('heart_rate', '2026-11-01', [
      { s: noon, e: noon, v: 10 },
      { s: noon + 2 * minute, e: noon + 2 * minute, v: 20 },
    ]);
    expect(aggregateTrend('heart_rate', '2026-11-01', '2026-11-01', 'day', [hr]).points[0]?.value).toBe(15);
    expect(aggregateTrend('steps', '2026-11-01', '2026-11-01', 'day', []).points[0]?.value).toBeNull();
  });

  it('gives exact daily points, weekly means of days with data, and the trend of a decreasing series', () => {
    const docs = [1, 2, 3, 5, 8, 9].map((d) => {
      const t = Date.UTC(2026, 2, d, 12);
      return stored('resting_heart_rate', `2026-03-${String(d).padStart(2, '0')}`, [
        { s: t, e: t, v: 100 - 10 * d },
      ]);
    });
    const daily = aggregateTrend('resting_heart_rate', '2026-03-01', '2026-03-09', 'day', docs);
    expect(daily.points.map((p) => p.value)).toEqual([90, 80, 70, null, 50, null, null, 20, 10]);
    expect(daily.statistics.theilSen.slopePerPeriod).toBe(-10);
    expect(daily.statistics.theilSen.n).toBe(6);
    expect(daily.statistics.mannKendall).toMatchObject({ S: -15, trend: 'decreasing', n: 6, tau: -1 });
    const weekly = aggregateTrend('resting_heart_rate', '2026-03-01', '2026-03-09', 'week', docs);
    expect(weekly.points).toEqual([
      { period: '2026-03-01', value: (90 + 80 + 70 + 50) / 4, days: 4, samples: 4 },
      { period: '2026-03-08', value: 15, days: 2, samples: 2 },
    ]);
  });

  it('resolves sources and splits midnight as the analysis does: a Watch and an iPhone on one walk, two-source sleep', () => {
    const zone = 'Europe/Berlin';
    // Berlin is UTC+1 in November: local 23:50 on Nov 10 is 22:50Z.
    const walk = Date.UTC(2026, 10, 10, 22, 50);
    const morning = Date.UTC(2026, 10, 11, 8);
    const steps = [
      // One walk across local midnight, counted by both: the Watch's 1200 win, split 600/600.
      stored('steps', '2026-11-10', [
        { s: walk, e: walk + 20 * minute, v: 1200, src: 'Apple Watch' },
        { s: walk, e: walk + 20 * minute, v: 1100, src: 'iPhone' },
      ]),
      // A morning walk only the phone recorded counts in full.
      stored('steps', '2026-11-11', [{ s: morning, e: morning + 10 * minute, v: 300, src: 'iPhone' }]),
    ];
    // Night of Nov 11 (local 22:30 -> 06:30): the Watch scores 480 asleep minutes, the iPhone 'asleep'
    // inside the same span; in bed from 22:00 on the phone.
    const bed = Date.UTC(2026, 10, 10, 21, 0);
    const sleep = [
      stored('sleep', '2026-11-10', [
        { s: bed, e: bed + 540 * minute, st: 'inBed', src: 'iPhone' },
        { s: bed + 30 * minute, e: bed + 510 * minute, st: 'asleepCore', src: 'Apple Watch' },
        { s: bed + 45 * minute, e: bed + 495 * minute, st: 'asleepUnspecified', src: 'iPhone' },
      ]),
    ];
    const window = { start: '2026-11-10', end: '2026-11-12' };
    const analysis = computeAnalysis([...steps, ...sleep], window, zone).metrics;
    const stepTrend = aggregateTrend('steps', window.start, window.end, 'day', steps, zone);
    expect(stepTrend.points.map((p) => p.value)).toEqual([600, 900, null]);
    expect(stepTrend.points.map((p) => p.value)).toEqual(analysis.activity?.dailySteps.map((d) => d.value));
    const sleepTrend = aggregateTrend('sleep', window.start, window.end, 'day', sleep, zone);
    expect(sleepTrend.points.map((p) => p.value)).toEqual([null, 480, null]);
    expect(sleepTrend.points[1]?.value).toBe(
      analysis.sleep?.nightly.find((n) => n.date === '2026-11-11')?.value,
    );
  });

  it('reading the window a week at a time (the route, finding 6) gives the same numbers as all at once', () => {
    const zone = 'Europe/Berlin';
    const start = '2026-10-20';
    const days = 20; // across the end of summer time (Oct 25)
    const docs: SeriesDoc[] = [];
    for (let d = -1; d <= days; d++) {
      const date = addDays(start, d);
      const t = Date.parse(`${date}T21:50:00Z`);
      // A walk across local midnight every evening, and a night's sleep from 22:00 to 06:30 local.
      docs.push(stored('steps', date, [{ s: t, e: t + 30 * minute, v: 1000 + d * 10 }]));
      docs.push(stored('sleep', date, [{ s: t, e: t + 500 * minute, st: 'asleepCore' }]));
    }
    const end = addDays(start, days - 1);
    for (const metric of ['steps', 'sleep'] as const) {
      const whole = aggregateTrend(metric, start, end, 'week', docs, zone);
      const acc = emptyDaily();
      for (let from = start; from <= end; from = addDays(from, trendChunkDays)) {
        const to = [addDays(from, trendChunkDays - 1), end].sort()[0] as string;
        // The route's query: one day either side of the part (without them this test fails).
        const part = docs.filter((x) => x.date >= addDays(from, -1) && x.date <= addDays(to, 1));
        addDailyValues(acc, metric, { start: from, end: to }, part, zone);
      }
      expect(trendFromDaily(metric, start, end, 'week', acc)).toEqual(whole);
      expect(whole.points.every((p) => p.value !== null)).toBe(true);
    }
  });

  it('reports null statistics, not NaN, when there is no data', () => {
    const empty = aggregateTrend('steps', '2026-03-01', '2026-03-03', 'day', []);
    expect(empty.statistics.theilSen).toMatchObject({ slopePerPeriod: null, n: 0 });
    expect(empty.statistics.mannKendall).toMatchObject({ p: null, tau: null, trend: 'no trend' });
    expect(JSON.stringify(empty)).not.toContain('NaN');
  });
});

describe('cursors and input validation', () => {
  it('round-trips a cursor and refuses anything else as invalid_input on query.cursor', () => {
    const c = encodeCursor(1_790_000_000_123, 'ins-06');
    expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(c)).toEqual({ createdAtMs: 1_790_000_000_123, id: 'ins-06' });
    for (const bad of [
      '',
      'abc',
      Buffer.from('[1,2]').toString('base64url'),
      Buffer.from('{"a":1}').toString('base64url'),
    ]) {
      try {
        decodeCursor(bad);
        expect.unreachable(`accepted ${bad}`);
      } catch (e) {
        expect(isClarityError(e) && e.code === 'invalid_input' && e.details?.[0]?.path).toEqual([
          'query',
          'cursor',
        ]);
      }
    }
  });

  it('names every bad field with its location and applies defaults', () => {
    expect(parseInput(insightsQuery, {}, 'query')).toEqual({ limit: 20 });
    expect(parseInput(insightsQuery, { limit: '7', locale: 'de' }, 'query')).toEqual({
      limit: 7,
      locale: 'de',
    });
    try {
      parseInput(
        trendsQuery,
        { metric: 'weight', start: '2026-1-1', end: '2026-01-02', extra: '1' },
        'query',
      );
      expect.unreachable();
    } catch (e) {
      if (!isClarityError(e)) throw e;
      expect(e.code).toBe('invalid_input');
      expect(e.details?.map((d) => d.path)).toEqual([['query', 'metric'], ['query', 'start'], ['query']]);
      expect(e.message).not.toContain('weight');
    }
  });
});

describe('request metrics', () => {
  it('keeps counts, mean, p50/p95 and max per method, route and status', () => {
    const m = new RequestMetrics(() => 0, Date.UTC(2026, 0, 1));
    for (let i = 1; i <= 100; i++) m.record('GET', '/v1/health/insights', 200, i);
    m.record('GET', '/v1/health/insights', 403, 5);
    const [ok, denied] = m.snapshot();
    expect(ok).toEqual({
      method: 'GET',
      route: '/v1/health/insights',
      status: 200,
      count: 100,
      latencyMs: { mean: 50.5, p50: 51, p95: 96, max: 100 },
    });
    expect(denied?.count).toBe(1);
  });

  it('bounds the latency reservoir while counting every request', () => {
    const m = new RequestMetrics();
    for (let i = 0; i < 2000; i++) m.record('POST', '/v1/health/upload', 202, i < 1000 ? 1000 : 1);
    const [row] = m.snapshot();
    expect(row?.count).toBe(2000);
    // The last 512 samples are all 1 ms: the percentiles follow recent traffic, the max all of it.
    expect(row?.latencyMs).toMatchObject({ p50: 1, p95: 1, max: 1000 });
  });
});

describe('OpenAPI document', () => {
  const doc = openApiDocument('1.2.3') as {
    openapi: string;
    info: { version: string };
    paths: Record<string, Record<string, Record<string, unknown>>>;
  };

  it('is OpenAPI 3.1 with one entry per operation, each with success and error responses', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.version).toBe('1.2.3');
    const listed = Object.entries(doc.paths).flatMap(([p, ms]) => Object.keys(ms).map((m) => `${m} ${p}`));
    expect(listed.sort()).toEqual(operations.map((o) => `${o.method} ${o.path}`).sort());
    for (const op of operations) {
      const entry = doc.paths[op.path]?.[op.method] as { responses: Record<string, unknown> };
      expect(Object.keys(entry.responses)).toContain(String(op.status));
      expect(entry.responses['400']).toEqual({ $ref: '#/components/responses/Error' });
    }
    expect(JSON.stringify(doc)).not.toContain('"$schema"');
  });

  it('derives parameters and bodies from the zod schemas the routes use', () => {
    const insights = doc.paths['/v1/health/insights']?.get as {
      parameters: { name: string; required: boolean; schema: { maximum?: number; default?: number } }[];
    };
    const limit = insights.parameters.find((p) => p.name === 'limit');
    expect(limit).toMatchObject({ required: false, schema: { maximum: 50, default: 20 } });
    const analyze = doc.paths['/v1/health/analyze']?.post as {
      requestBody: { content: { 'application/json': { schema: { properties: Record<string, unknown> } } } };
    };
    expect(Object.keys(analyze.requestBody.content['application/json'].schema.properties)).toEqual([
      'window',
    ]);
    const del = doc.paths['/v1/account']?.delete as { parameters: { name: string }[] };
    expect(del.parameters.map((p) => p.name)).toEqual([
      'X-Clarity-Timestamp',
      'X-Clarity-Nonce',
      'X-Clarity-Signature',
    ]);
  });
});
