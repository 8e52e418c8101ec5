/**
 * The minute-series refresh on the Firestore emulator (issue 15): the days that a batch's samples spill into
 * (a night of sleep, a step interval across midnight) are recomputed several per transaction, not one
 * transaction per day, and each gets the spill-over of the day before. Transactions are counted on the real
 * Firestore client (a pass-through spy).
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CanonicalSample } from '@clarity/core';
import { refreshMinuteSeries } from '../../src/store/minute-series-writer.ts';
import { writeSamples } from '../../src/store/series-writer.ts';
import { adminDb } from '../support/emulators.ts';

const project = 'demo-clarity-minute-series';
const db = () => adminDb(project);
afterEach(() => vi.restoreAllMocks());

const dayMs = 86_400_000;
const nights = 100;

/** 600 steps from 23:30 to 00:30 on each of 100 nights: 300 of them fall on the next day. */
function lateWalks(): CanonicalSample[] {
  const first = Date.parse('2026-01-01T23:30:00Z');
  return Array.from({ length: nights }, (_, i) => ({
    type: 'HKQuantityTypeIdentifierStepCount',
    metric: 'steps',
    startMs: first + i * dayMs,
    endMs: first + i * dayMs + 3_600_000,
    offsetMinutes: 0,
    value: 600,
    unit: 'count',
    stage: null,
    source: 'Watch',
    device: null,
  }));
}

describe('refreshMinuteSeries', () => {
  it('recomputes 100 spill-over days in at most 25 transactions, each with the night before', async () => {
    const uid = `minutes-${randomUUID().slice(0, 8)}`;
    const written = await writeSamples(db(), uid, 'up-a', lateWalks(), 'UTC');
    expect(written.counts.accepted).toBe(nights);
    expect(written.spillDays).toHaveLength(nights);

    const spy = vi.spyOn(db(), 'runTransaction');
    const t = performance.now();
    const refreshed = await refreshMinuteSeries(db(), uid, written.spillDays, 'UTC');
    const seconds = (performance.now() - t) / 1000;
    console.log(`${nights} spill-over days: ${spy.mock.calls.length} transactions, ${seconds.toFixed(2)} s`);
    expect(refreshed).toBe(nights);
    // 4 days per transaction (one transaction per day was 100).
    expect(spy.mock.calls.length).toBeLessThanOrEqual(25);

    const docs = await db().collection(`users/${uid}/series`).get();
    expect(docs.size).toBe(nights + 1);
    const totals = new Map(
      docs.docs.map((d) => {
        const values = (d.get('minuteSeries') as { values: (number | null)[] }).values;
        return [d.id, values.reduce<number>((a, v) => a + (v ?? 0), 0)];
      }),
    );
    // The first day has its own 300 steps before midnight; the last (a spill-over day only) the 300 after;
    // every day between has both.
    expect(totals.get('steps_2026-01-01')).toBeCloseTo(300, 6);
    expect(totals.get('steps_2026-04-11')).toBeCloseTo(300, 6);
    expect(docs.docs.find((d) => d.id === 'steps_2026-04-11')?.get('sampleCount')).toBe(0);
    for (const [id, total] of totals)
      if (id !== 'steps_2026-01-01' && id !== 'steps_2026-04-11') expect(total, id).toBeCloseTo(600, 6);
  }, 600_000);
});
