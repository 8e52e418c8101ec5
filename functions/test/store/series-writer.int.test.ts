/**
 * The series writer on the Firestore emulator (issue 15): a call that touches many day documents with a few
 * samples each (an export naming hundreds of types, a year of one daily value) writes them in a few
 * transactions, not one per document. The hostile `type-names` export (500 distinct types, one sample each)
 * took 81 s through the Storage trigger with one transaction per document; the transactions are counted
 * here on the real Firestore client (a pass-through spy), so the bound does not depend on the machine's load.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CanonicalSample } from '@clarity/core';
import { writeSamples } from '../../src/store/series-writer.ts';
import { adminDb } from '../support/emulators.ts';

const project = 'demo-clarity-series-writer';
const db = () => adminDb(project);
afterEach(() => vi.restoreAllMocks());

const t0 = Date.parse('2026-03-01T12:00:00Z');
const dayMs = 86_400_000;

function sample(type: string, metric: string, startMs: number, value: number): CanonicalSample {
  return {
    type,
    metric,
    startMs,
    endMs: startMs,
    offsetMinutes: 0,
    value,
    unit: 'count',
    stage: null,
    source: 'Watch',
    device: null,
  };
}

/** 300 distinct (future HealthKit) types on one day, and 365 days of one daily value: 665 day documents. */
function manyDays(): CanonicalSample[] {
  const types = Array.from({ length: 300 }, (_, i) =>
    sample(`HKQuantityTypeIdentifierX${i}`, `x${i}`, t0, i),
  );
  const daily = Array.from({ length: 365 }, (_, i) =>
    sample('HKQuantityTypeIdentifierRestingHeartRate', 'resting_heart_rate', t0 + i * dayMs, 50 + (i % 20)),
  );
  return [...types, ...daily];
}

describe('series writer: many day documents in one call', () => {
  it('writes 665 day documents in at most 167 transactions, each document whole', async () => {
    const uid = `series-${randomUUID().slice(0, 8)}`;
    const samples = manyDays();
    const spy = vi.spyOn(db(), 'runTransaction');
    const t = performance.now();
    const first = await writeSamples(db(), uid, 'up-a', samples, 'UTC');
    const seconds = (performance.now() - t) / 1000;
    const transactions = spy.mock.calls.length;
    console.log(`665 day documents: ${transactions} transactions, ${seconds.toFixed(2)} s`);
    expect(first.counts).toEqual({ accepted: 665, duplicate: 0, rejected: 0 });
    expect(first.seriesDocs).toBe(665);
    // 4 documents per transaction: ceil(665 / 4) = 167 (one transaction per document was 665).
    expect(transactions).toBeLessThanOrEqual(167);

    const docs = await db().collection(`users/${uid}/series`).get();
    expect(docs.size).toBe(665);
    for (const d of docs.docs) {
      const data = d.data();
      expect(data.sampleCount, d.id).toBe(1);
      expect(Object.keys(data.samples as object), d.id).toHaveLength(1);
      const minutes = data.minuteSeries as { kind: string; coverage: number } | undefined;
      expect(minutes, d.id).toMatchObject({ kind: 'stats', coverage: 1 });
    }
    expect(first.byType['HKQuantityTypeIdentifierRestingHeartRate']).toEqual({
      accepted: 365,
      duplicate: 0,
      rejected: 0,
    });

    // Again by the same upload (a retry): accepted again; by another upload: all duplicates.
    expect((await writeSamples(db(), uid, 'up-a', samples, 'UTC')).counts.accepted).toBe(665);
    expect((await writeSamples(db(), uid, 'up-b', samples, 'UTC')).counts).toEqual({
      accepted: 0,
      duplicate: 665,
      rejected: 0,
    });
  }, 600_000);

  it('gives a day the samples of the day before that run into it, written in the same call', async () => {
    const uid = `series-${randomUUID().slice(0, 8)}`;
    // Steps from 23:30 to 00:30 (half on each day) and a sample at noon of the second day.
    const night = Date.parse('2026-03-01T23:30:00Z');
    const steps = (startMs: number, endMs: number, value: number): CanonicalSample => ({
      ...sample('HKQuantityTypeIdentifierStepCount', 'steps', startMs, value),
      endMs,
    });
    const r = await writeSamples(
      db(),
      uid,
      'up-a',
      [
        steps(night, night + 3_600_000, 600),
        steps(Date.parse('2026-03-02T12:00:00Z'), Date.parse('2026-03-02T12:01:00Z'), 100),
      ],
      'UTC',
    );
    expect(r.counts.accepted).toBe(2);
    const day2 = (await db().doc(`users/${uid}/series/steps_2026-03-02`).get()).data() ?? {};
    const values = (day2.minuteSeries as { values: (number | null)[] }).values;
    const total = values.reduce<number>((a, v) => a + (v ?? 0), 0);
    // 300 spill-over steps from the night before plus the 100 at noon, without a separate refresh.
    expect(total).toBeCloseTo(400, 6);
  });
});
