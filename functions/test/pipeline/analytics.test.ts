/**
 * The analyze stage's computation on a week of real actigraphy (example_01.AWD) stored as ingest stores it.
 * The step totals are checked against sums taken straight from the file; sleep, rhythm and trends against
 * the core functions run on the same minutes.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  circadianMetrics,
  createEpochSeries,
  readAwdFile,
  validateHealthKitUpload,
  type SeriesDoc,
} from '@clarity/core';
import { computeAnalysis, stepMinutes, windowMinutes } from '../../src/pipeline/analytics.ts';
import { weekOfMinutes } from '../../src/pipeline/infer.ts';
import { seriesDocsOf } from '../support/series.ts';
import { blockMinutes, countsPerStep, weekBatch } from '../support/week-batch.ts';

const awd = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../../shared/data/actigraphy/actiwatch_awd/example_01.AWD',
);

/** Series documents exactly as ingest writes them (validated as an upload, then one per metric and day). */
function storeAsIngest(samples: unknown[]): SeriesDoc[] {
  const v = validateHealthKitUpload({ samples, timezone: 'UTC' }, Date.parse('2026-11-25T12:00:00Z'));
  expect(v.issues).toEqual([]);
  return seriesDocsOf(v.samples);
}

describe('analysis of a real actigraphy week', () => {
  it('computes daily steps, sleep, rhythm and heart rate with provenance', async () => {
    expect(existsSync(awd), `reference data missing: ${awd}`).toBe(true);
    const rec = await readAwdFile(awd);
    const week = weekBatch(rec, '2026-11-24');
    expect(week.window).toEqual({ start: '2026-11-18', end: '2026-11-24' });
    const docs = storeAsIngest(week.samples);
    const result = computeAnalysis(docs, week.window, 'UTC');
    const a = result.metrics.activity;

    // Independent: per-day sums of the AWD counts over the complete 5-minute blocks.
    const first =
      (1440 - (Number(rec.header.start.slice(11, 13)) * 60 + Number(rec.header.start.slice(14, 16)))) % 1440;
    const daily: number[] = [];
    for (let d = 0; d < 7; d++) {
      let total = 0;
      for (let b = 0; b < 1440 / blockMinutes; b++) {
        let sum = 0;
        let ok = true;
        for (let i = 0; i < blockMinutes; i++) {
          const x = rec.series.values[first + d * 1440 + b * blockMinutes + i] as number;
          if (Number.isNaN(x)) ok = false;
          else sum += x;
        }
        if (ok) total += Math.round(sum / countsPerStep);
      }
      daily.push(total);
    }
    expect(a?.validDays).toBe(7);
    a?.dailySteps.forEach((d, i) => expect(d.value).toBeCloseTo(daily[i] as number, 6));
    expect(a?.meanDailySteps).toBeCloseTo(daily.reduce((x, y) => x + y, 0) / 7, 6);
    expect(a?.provenance.algorithm).toMatch(/activity/i);

    const w = windowMinutes(docs, week.window, 'UTC');
    const minutes = stepMinutes(w);
    expect(minutes.length).toBe(7 * 1440);
    const c = circadianMetrics(
      createEpochSeries({
        start: '2026-11-18T00:00:00',
        epochSeconds: 60,
        values: minutes,
        quantity: 'steps',
        source: { format: 'x' },
      }),
    );
    expect(result.metrics.circadian?.IS).toBe(c.IS);
    expect(result.metrics.circadian?.M10Start).toBe(c.M10Start);

    const s = result.metrics.sleep;
    expect(s?.basis).toBe('movement_scoring');
    expect(s?.nights).toBeGreaterThanOrEqual(5);
    expect(s?.nights).toBeLessThanOrEqual(7);
    expect(s?.meanTotalSleepMinutes).toBeGreaterThan(240);
    expect(s?.meanTotalSleepMinutes).toBeLessThan(720);
    expect(result.metrics.heartRate?.meanBpm).toBeGreaterThan(55);
    expect(result.metrics.hrv?.meanSdnnMs).toBeGreaterThan(39);
    expect(result.metrics.trends.map((t) => t.metric)).toEqual(['steps', 'sleep']);
    expect(result.metrics.anomalies).toEqual([]); // no baseline yet
    expect(result.coverage.minutesWithData.steps).toBe(7 * 1440);

    const seq = weekOfMinutes(minutes);
    expect(seq).toHaveLength(10_080);
    expect(seq.filter((x) => x === null)).toHaveLength(0);
  });

  it('flags an unusual day against the baseline of earlier analyses', () => {
    const rec = { dailySteps: Array.from({ length: 21 }, (_, i) => 8000 + (i % 5) * 100), nightlySleep: [] };
    const samples = [] as Record<string, unknown>[];
    for (let d = 0; d < 7; d++) {
      const date = `2026-11-${String(18 + d).padStart(2, '0')}`;
      samples.push({
        type: 'HKQuantityTypeIdentifierStepCount',
        value: d === 6 ? 500 : 8200,
        unit: 'count',
        startDate: `${date}T09:00:00+00:00`,
        endDate: `${date}T10:00:00+00:00`,
        sourceName: 'Watch',
      });
    }
    const r = computeAnalysis(storeAsIngest(samples), { start: '2026-11-18', end: '2026-11-24' }, 'UTC', rec);
    // Only minutes 9-10 have steps; days are still valid (absence of step samples = no steps).
    expect(r.metrics.anomalies).toHaveLength(1);
    expect(r.metrics.anomalies[0]).toMatchObject({ metric: 'steps', date: '2026-11-24', direction: 'low' });
    expect(r.metrics.anomalies[0]?.value).toBeCloseTo(500, 6);
  });
});
