/**
 * After an ingest, each touched series day document carries its per-minute view (`minuteSeries`), computed
 * by the core from the stored samples in the user's time zone, with DST days of 1380/1500 minutes and
 * interval samples spread over the days they cover.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/platform/logger.ts';
import { ingestUpload } from '../../src/pipeline/ingest.ts';
import { FsBlobStore } from '../../src/store/blob-store.ts';
import { adminDb } from '../support/emulators.ts';
import { seedReceivedUpload } from '../support/uploads.ts';

const project = 'demo-clarity-minutes';
const db = () => adminDb(project);

const sample = (type: string, value: number | string, start: string, end: string, unit?: string) => ({
  type,
  value,
  ...(unit ? { unit } : {}),
  startDate: start,
  endDate: end,
  sourceName: 'Apple Watch',
});

describe('minute series in the series day documents', () => {
  it('heart rate per-minute stats on a fall-back day of 1500 minutes, steps spread across midnight', async () => {
    const uid = `min-${randomUUID().slice(0, 8)}`;
    const blobs = new FsBlobStore(mkdtempSync(path.join(tmpdir(), 'clarity-min-')));
    await db().doc(`users/${uid}`).set({ timezone: 'America/New_York' });
    await seedReceivedUpload(db(), blobs, uid, 'm1', {
      timezone: 'America/New_York',
      samples: [
        // 2026-11-01 is the US fall-back day: local midnight is 04:00Z, 07:00 EST is 12:00Z = slot 480.
        sample(
          'HKQuantityTypeIdentifierHeartRate',
          60,
          '2026-11-01T07:00:05-05:00',
          '2026-11-01T07:00:05-05:00',
          'count/min',
        ),
        sample(
          'HKQuantityTypeIdentifierHeartRate',
          70,
          '2026-11-01T07:00:40-05:00',
          '2026-11-01T07:00:40-05:00',
          'count/min',
        ),
        // 100 steps over 23:50-00:10 local: 10 minutes on each side of midnight, 5 steps a minute.
        sample(
          'HKQuantityTypeIdentifierStepCount',
          100,
          '2026-10-31T23:50:00-04:00',
          '2026-11-01T00:10:00-04:00',
          'count',
        ),
      ],
    });
    const out = await ingestUpload(
      { uid, uploadId: 'm1' },
      { db: db(), blobs, log: createLogger({ test: 'minutes' }), now: Date.now },
    );
    expect(out).toMatchObject({ status: 'ingested', counts: { accepted: 3 } });

    const hr = (await db().doc(`users/${uid}/series/heart_rate_2026-11-01`).get()).get('minuteSeries') as {
      minutes: number;
      kind: string;
      mean: (number | null)[];
      min: (number | null)[];
      max: (number | null)[];
      timezone: string;
    };
    expect(hr).toMatchObject({ minutes: 1500, kind: 'stats', timezone: 'America/New_York' });
    expect([hr.mean[480], hr.min[480], hr.max[480]]).toEqual([65, 60, 70]);
    expect(hr.mean.filter((v) => v !== null)).toHaveLength(1);

    const before = (await db().doc(`users/${uid}/series/steps_2026-10-31`).get()).get('minuteSeries') as {
      minutes: number;
      values: (number | null)[];
    };
    const after = (await db().doc(`users/${uid}/series/steps_2026-11-01`).get()).get('minuteSeries') as {
      minutes: number;
      values: (number | null)[];
    };
    expect(before.minutes).toBe(1440);
    expect(before.values.slice(1430)).toEqual(new Array(10).fill(5));
    expect(after.values.slice(0, 10)).toEqual(new Array(10).fill(5));
    const total = [...before.values, ...after.values].reduce<number>((s, v) => s + (v ?? 0), 0);
    expect(total).toBe(100);
  });
});
