/**
 * Epoch series -> one-minute samples -> per-day minute series (epochsToMinutes, minuteSamples,
 * epochMinuteSeries): summing short epochs, spreading long ones, missing epochs and partly recorded minutes
 * left missing, device vs wall clocks across DST switches, and ActiLife's own 10 s -> 60 s export as an
 * independent reference on real data.
 */
import { describe, expect, it } from 'vitest';
import { createEpochSeries, type EpochSeries } from '../../src/contracts/epoch-series.ts';
import {
  epochMinuteSeries,
  epochsToMinutes,
  minuteSamples,
} from '../../src/importers/device/epoch-minutes.ts';
import { classifyUpload } from '../../src/importers/device/classify.ts';
import { readDeviceUpload } from '../../src/importers/device/read.ts';
import { readActiLifeCsvFile } from '../../src/readers/actilife-csv.ts';
import { dayGrid } from '../../src/importers/minute-series.ts';
import { sharedData } from '../support/shared-data.ts';
import { readFileSync } from 'node:fs';

const MIN = 60_000;

function series(start: string, epochSeconds: number, values: number[]): EpochSeries {
  return createEpochSeries({
    start,
    epochSeconds,
    values: Float64Array.from(values),
    quantity: 'counts',
    source: { format: 'test' },
  });
}

const counts = { type: 'ClarityActivityCount', source: 'test device' } as const;

describe('epochsToMinutes', () => {
  it('sums 30-s epochs into their minute', () => {
    const values = [3, 4, 0, 10, 7, 1];
    const conv = epochsToMinutes(series('2026-01-05T08:00:00', 30, values), { timezone: 'UTC' });
    expect(conv.minuteStarts).toEqual([0, 1, 2].map((k) => Date.UTC(2026, 0, 5, 8, k)));
    expect(conv.values).toEqual([3 + 4, 0 + 10, 7 + 1]);
    expect(conv.firstEpoch).toEqual([0, 2, 4]);
    expect(conv.lastEpoch).toEqual([1, 3, 5]);
    expect(conv.incompleteEpochs).toBe(0);
  });

  it('keeps 60-s epochs as they are, placed in the zone', () => {
    const values = [5, 0, 12];
    const conv = epochsToMinutes(series('2026-07-01T23:59:00', 60, values), {
      timezone: 'Europe/Berlin',
    });
    // 23:59 CEST = 21:59 UTC
    expect(conv.minuteStarts[0]).toBe(Date.UTC(2026, 6, 1, 21, 59));
    expect(conv.values).toEqual(values);
    const samples = minuteSamples(conv, counts, 'Europe/Berlin');
    expect(samples.map((s) => s.offsetMinutes)).toEqual([120, 120, 120]);
    expect(samples[0]).toMatchObject({
      metric: 'activity_counts',
      unit: 'count',
      endMs: samples[0]!.startMs + MIN,
    });
    // The first minute is the last of 1 July, the others fall on 2 July (local days).
    const days = epochMinuteSeries(series('2026-07-01T23:59:00', 60, values), {
      ...counts,
      timezone: 'Europe/Berlin',
    });
    expect(days.map((d) => [d.date, d.coverage])).toEqual([
      ['2026-07-01', 1],
      ['2026-07-02', 2],
    ]);
  });

  it('spreads 120-s epochs evenly over their two minutes', () => {
    const values = [10, 3, 0];
    const conv = epochsToMinutes(series('2026-01-05T08:00:00', 120, values), { timezone: 'UTC' });
    expect(conv.values).toEqual(values.flatMap((v) => [v / 2, v / 2]));
    expect(conv.firstEpoch).toEqual([0, 0, 1, 1, 2, 2]);
  });

  it('leaves missing epochs missing: a minute with any missing part is not emitted, never 0', () => {
    // 30-s epochs: minute 0 complete, minute 1 half missing, minute 2 missing, minute 3 complete
    const values = [1, 2, 5, NaN, NaN, NaN, 0, 0];
    const s = series('2026-01-05T08:00:00', 30, values);
    const conv = epochsToMinutes(s, { timezone: 'UTC' });
    expect(conv.minuteStarts).toEqual([0, 3].map((k) => Date.UTC(2026, 0, 5, 8, k)));
    expect(conv.values).toEqual([3, 0]);
    expect(conv.missingEpochs).toBe(3);
    expect(conv.epochsWithData).toBe(5);
    expect(conv.incompleteEpochs).toBe(1); // the 5 next to the gap
    const [day] = epochMinuteSeries(s, { ...counts, timezone: 'UTC' });
    if (day?.kind !== 'sum') throw new Error('expected a sum series');
    expect(day.values.slice(480, 485)).toEqual([3, null, null, 0, null]);
    expect(day.coverage).toBe(2);
  });

  it('an unaligned recording: minutes fully covered get their shares, the partial first and last minutes are missing', () => {
    const values = [60, 120, 30];
    const conv = epochsToMinutes(series('2026-01-05T08:00:30', 60, values), { timezone: 'UTC' });
    expect(conv.minuteStarts).toEqual([1, 2].map((k) => Date.UTC(2026, 0, 5, 8, k)));
    expect(conv.values).toEqual([30 + 60, 60 + 15]);
    expect(conv.incompleteEpochs).toBe(0);
  });

  it('device clock across spring-forward: epochs stay consecutive instants, the day has 1380 minutes', () => {
    // New York, 8 March 2026: 02:00 EST -> 03:00 EDT. 5 h of 60-s epochs from 23:00 local on the 7th.
    const values = Array.from({ length: 300 }, (_, i) => i + 1);
    const s = series('2026-03-07T23:00:00', 60, values);
    const days = epochMinuteSeries(s, { ...counts, timezone: 'America/New_York' });
    const day = days.find((d) => d.date === '2026-03-08');
    if (day?.kind !== 'sum') throw new Error('expected 8 March');
    expect(day.minutes).toBe(1380);
    expect(dayGrid('2026-03-08', 'America/New_York').minutes).toBe(1380);
    // Epoch 60 is local midnight (slot 0); the device's 02:00 (epoch 180) is 03:00 EDT: slot 120, no gap.
    expect(day.values[0]).toBe(values[60]);
    expect(day.values[119]).toBe(values[179]);
    expect(day.values[120]).toBe(values[180]);
    expect(day.values.slice(0, 240).every((v) => v !== null)).toBe(true);
    expect(day.coverage).toBe(240);
  });

  it('wall clock across spring-forward: the skipped local hour has no epochs, 03:00 lands on slot 120', () => {
    // A Fitbit-style series in naive local time; 02:00-02:59 does not exist and is missing.
    const values = Array.from({ length: 240 }, (_, i) => (i >= 120 && i < 180 ? NaN : i));
    const s = series('2026-03-08T00:00:00', 60, values);
    const [day] = epochMinuteSeries(s, { ...counts, timezone: 'America/New_York', clock: 'wall' });
    if (day?.kind !== 'sum') throw new Error('expected a sum series');
    expect(day.minutes).toBe(1380);
    expect(day.values[119]).toBe(119); // 01:59 EST
    expect(day.values[120]).toBe(180); // 03:00 EDT
    expect(day.values[179]).toBe(239);
    expect(day.coverage).toBe(180);
  });

  it('fall-back day has 1500 minutes; a wall-clock series leaves the repeated hour missing', () => {
    // New York, 1 November 2026: 02:00 EDT -> 01:00 EST.
    const values = Array.from({ length: 240 }, (_, i) => i);
    const device = epochMinuteSeries(series('2026-11-01T00:00:00', 60, values), {
      ...counts,
      timezone: 'America/New_York',
    })[0];
    const wall = epochMinuteSeries(series('2026-11-01T00:00:00', 60, values), {
      ...counts,
      timezone: 'America/New_York',
      clock: 'wall',
    })[0];
    if (device?.kind !== 'sum' || wall?.kind !== 'sum') throw new Error('expected sum series');
    expect(device.minutes).toBe(1500);
    expect(device.values.slice(0, 240)).toEqual(values);
    // Wall clock: 01:00-01:59 is placed at its first occurrence, 02:00 local is 60 min after the second.
    expect(wall.values.slice(60, 120)).toEqual(values.slice(60, 120));
    expect(wall.values.slice(120, 180).every((v) => v === null)).toBe(true);
    expect(wall.values[180]).toBe(120);
  });
});

describe('real files', () => {
  it("10-s ActiGraph counts summed to minutes equal ActiLife's own 60-s export", async () => {
    const dir = ['actigraphy', 'actilife_gt3xplus'];
    const ten = await readDeviceUpload(sharedData(...dir, 'GT3XPlus-RawData-Day01.agd'), 'agd');
    const stream = ten.streams[0]!;
    expect(stream).toMatchObject({ key: 'agd.axis1', metric: 'activity_counts', clock: 'device' });
    const conv = epochsToMinutes(stream.series, { timezone: 'UTC' });
    const sixty = (await readActiLifeCsvFile(sharedData(...dir, 'GT3XPlus-RawData-Day01-10sec60sec.csv')))
      .series;
    expect(stream.series.epochSeconds).toBe(10);
    expect(sixty.epochSeconds).toBe(60);
    // The 10-s file ends 5 epochs into its last minute: that minute is not emitted (ActiLife sums it).
    expect(stream.series.values.length % 6).toBe(5);
    expect(conv.minuteStarts.length).toBe(sixty.values.length - 1);
    expect(conv.incompleteEpochs).toBe(5);
    expect(conv.values).toEqual(Array.from(sixty.values.subarray(0, sixty.values.length - 1)));
  });

  it('a Fitbit participant is chosen by subject; several participants without one is an error', async () => {
    const file = sharedData('fitbit_fitabase', 'minuteStepsWide_merged.csv');
    await expect(readDeviceUpload(file, 'fitbit-minute')).rejects.toThrow(/33 Fitbit participants/);
    await expect(readDeviceUpload(file, 'fitbit-minute', { subject: '42' })).rejects.toThrow(
      /not in the file/,
    );
    const r = await readDeviceUpload(file, 'fitbit-minute', { subject: '1503960366' });
    expect(r.subject).toEqual({ id: '1503960366', of: 33 });
    expect(r.streams[0]).toMatchObject({ metric: 'steps', source: 'fitbit', clock: 'wall' });
  });

  it('classifyUpload dispatches by content and name', () => {
    const head = (parts: string[]) => readFileSync(sharedData(...parts)).subarray(0, 4096);
    expect(classifyUpload('x.AWD', head(['actigraphy', 'actiwatch_awd', 'example_01.AWD']))).toBe('awd');
    expect(classifyUpload('data', head(['actigraphy', 'actiwatch_awd', 'example_01.AWD']))).toBe('awd');
    expect(
      classifyUpload('data', head(['actigraphy', 'actilife_gt3xplus', 'GT3XPlus-RawData-Day01.agd'])),
    ).toBe('agd');
    expect(
      classifyUpload('d.csv', head(['actigraphy', 'actilife_gt3xplus', 'GT3XPlus-RawData-Day01.csv'])),
    ).toBe('actilife-csv');
    expect(classifyUpload('s.csv', head(['fitbit_fitabase', 'minuteStepsWide_merged.csv']))).toBe(
      'fitbit-minute',
    );
    expect(classifyUpload('s.csv', head(['fitbit_fitabase', 'dailySteps_merged.csv']))).toBe('fitbit-daily');
    expect(classifyUpload('export.xml', head(['apple_health', 'tdda_export6s3sample.xml']))).toBe(
      'apple-xml',
    );
    expect(classifyUpload('x.bin', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0]))).toBe('apple-zip');
    expect(classifyUpload('x.bin', Buffer.from('hello world\nnot data\n'))).toBeUndefined();
  });
});
