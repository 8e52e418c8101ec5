/**
 * The analyze stage on device activity counts: a real Actiwatch recording stored as the Storage path
 * stores it (one-minute activity_counts samples) is what sleep scoring and the circadian measures run on,
 * and the provenance says so; steps are the fallback, and counts never feed the step metrics.
 */
import { describe, expect, it } from 'vitest';
import {
  choiNonWear,
  circadianMetrics,
  createEpochSeries,
  epochsToMinutes,
  maskEpochs,
  minuteSamples,
  readAwdFile,
  type CanonicalSample,
  type SeriesDoc,
} from '@clarity/core';
import { sharedData } from '@clarity/core/testing';
import { computeAnalysis } from '../../src/pipeline/analytics.ts';
import { seriesDocsOf } from '../support/series.ts';

const window = { start: '1918-01-24', end: '1918-01-30' };

async function countDocs(source = 'Actiwatch V664055'): Promise<{ docs: SeriesDoc[]; direct: Float64Array }> {
  const { series } = await readAwdFile(sharedData('actigraphy', 'actiwatch_awd', 'example_01.AWD'));
  const conv = epochsToMinutes(series, { timezone: 'UTC' });
  const docs = seriesDocsOf(minuteSamples(conv, { type: 'ClarityActivityCount', source }, 'UTC'));
  // The window's minutes straight from the file: minute k of the window is epoch (k - offset of the start).
  const t0 = Date.parse(`${series.start}Z`);
  const w0 = Date.parse(`${window.start}T00:00:00Z`);
  const direct = new Float64Array(7 * 1440).map(
    (_, k) => series.values[(w0 - t0) / 60_000 + k] ?? Number.NaN,
  );
  return { docs, direct };
}

describe('analysis movement series', () => {
  it('scores sleep and circadian rhythm on activity counts when present, and records it', async () => {
    const { docs, direct } = await countDocs();
    const r = computeAnalysis(docs, window, 'UTC');
    expect(r.metrics.activity).toBeNull(); // counts are not steps
    expect(r.degraded).toContain('no step data in window');
    expect(r.coverage.minutesWithData.activity_counts).toBeGreaterThan(7 * 1440 - 1);

    const sleep = r.metrics.sleep;
    expect(sleep?.basis).toBe('movement_scoring');
    // Actiwatch counts: Oakley, the scorer made for that device.
    expect(sleep?.provenance.parameters).toMatchObject({
      movementSeries: 'activity_counts',
      scorer: expect.stringMatching(/^oakley 1997 \(actiware, medium threshold 40\)/) as string,
      countSources: ['Actiwatch V664055'],
    });
    expect(sleep?.provenance.parameters).not.toHaveProperty('note');
    expect(sleep?.nights).toBeGreaterThanOrEqual(5);

    // Circadian: the same as the core run on the file's own minutes for the window, non-wear masked.
    const series = createEpochSeries({
      start: `${window.start}T00:00:00`,
      epochSeconds: 60,
      values: direct,
      quantity: 'counts',
      source: { format: 'awd' },
    });
    const expected = circadianMetrics(maskEpochs(series, choiNonWear(series).mask));
    expect(r.metrics.circadian?.IS).toBeCloseTo(expected.IS, 12);
    expect(r.metrics.circadian?.IV).toBeCloseTo(expected.IV, 12);
    expect(r.metrics.circadian?.RA).toBeCloseTo(expected.RA, 12);
    expect(r.metrics.circadian?.provenance.parameters).toMatchObject({
      movementSeries: 'activity_counts',
      nonWearMinutes: choiNonWear(series).nonWearEpochs,
    });
    // The 24-h profile the web app charts: per clock hour, the mean of that hour's worn minutes over the 7
    // days, from the same masked minutes.
    const mask = choiNonWear(series).mask;
    const profile = r.metrics.circadian?.hourlyProfile ?? [];
    expect(profile).toHaveLength(24);
    for (const hour of [0, 3, 12, 20]) {
      const worn: number[] = [];
      for (let day = 0; day < 7; day++)
        for (let m = 0; m < 60; m++) {
          const k = day * 1440 + hour * 60 + m;
          if (!mask[k] && Number.isFinite(direct[k])) worn.push(direct[k]!);
        }
      const mean = worn.length ? worn.reduce((a, b) => a + b, 0) / worn.length : null;
      if (mean === null) expect(profile[hour]).toBeNull();
      else expect(profile[hour]).toBeCloseTo(mean, 9);
    }
  });

  it('counts from another device are scored with Cole-Kripke as ActiLife runs it', async () => {
    const { docs } = await countDocs('ActiGraph GT3XPlus NEO1DXXXXXXXX');
    const r = computeAnalysis(docs, window, 'UTC');
    expect(r.metrics.sleep?.provenance.parameters).toMatchObject({
      movementSeries: 'activity_counts',
      scorer: expect.stringMatching(/^cole-kripke \(actilife: counts\/100, cap 300\)/) as string,
    });
  });

  it('prefers counts over steps for sleep and rhythm; steps still give the activity metrics', async () => {
    const { docs } = await countDocs();
    const countsOnly = computeAnalysis(docs, window, 'UTC');
    // A day of steps: one 10-minute sample every hour.
    const steps: CanonicalSample[] = Array.from({ length: 24 * 7 }, (_, h) => {
      const startMs = Date.parse(`${window.start}T00:00:00Z`) + h * 3_600_000;
      return {
        type: 'HKQuantityTypeIdentifierStepCount',
        metric: 'steps',
        startMs,
        endMs: startMs + 600_000,
        offsetMinutes: 0,
        value: 300,
        unit: 'count',
        stage: null,
        source: 'iPhone',
        device: null,
      };
    });
    const both = computeAnalysis([...docs, ...seriesDocsOf(steps)], window, 'UTC');
    expect(both.metrics.activity?.meanDailySteps).toBe(24 * 300);
    expect(both.metrics.circadian).toEqual(countsOnly.metrics.circadian);
    expect(both.metrics.sleep).toEqual(countsOnly.metrics.sleep);

    const stepsOnly = computeAnalysis(seriesDocsOf(steps), window, 'UTC');
    expect(stepsOnly.metrics.circadian?.provenance.parameters.movementSeries).toBe('steps');
  });
});
