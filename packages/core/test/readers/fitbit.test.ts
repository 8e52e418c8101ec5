import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ClarityError } from '../../src/errors.ts';
import {
  compareFitbitTotals,
  parseFitbitDateTime,
  readFitbitDailySteps,
  readFitbitHourlySteps,
  readFitbitMinuteStepsWide,
  type FitbitDisagreement,
} from '../../src/readers/fitbit.ts';
import { sharedData } from '../support/shared-data.ts';

const fitbit = (name: string) => createReadStream(sharedData('fitbit_fitabase', name));

describe('Fitbit Fitabase minuteStepsWide vs Fitbit hourly and daily totals', async () => {
  const minutes = await readFitbitMinuteStepsWide(fitbit('minuteStepsWide_merged.csv'));
  const hourly = await readFitbitHourlySteps(fitbit('hourlySteps_merged.csv'));
  const daily = await readFitbitDailySteps(fitbit('dailySteps_merged.csv'));

  it('reads 33 users, 21 645 user-hours, into 60-s step series with absent hours missing', () => {
    expect(minutes.users).toHaveLength(33);
    expect(minutes.rows).toBe(21645);
    expect(minutes.duplicateRows).toBe(0);
    expect(minutes.users.reduce((s, u) => s + u.hours, 0)).toBe(21645);
    const first = minutes.users[0];
    expect(first?.id).toBe('1503960366');
    expect(first?.series.start).toBe('2016-04-13T00:00:00');
    expect(first?.series.epochSeconds).toBe(60);
    expect(first?.series.quantity).toBe('steps');
    // the first row: 4/13/2016 12:00:00 AM, 4,16,0,0,0,9,...
    expect(Array.from(first?.series.values.subarray(0, 6) ?? [])).toEqual([4, 16, 0, 0, 0, 9]);
    // every epoch is either a present minute or a missing one of an absent hour
    for (const u of minutes.users) {
      let missing = 0;
      for (const m of u.series.missing) missing += m;
      expect(u.series.values.length - missing).toBe(u.hours * 60);
    }
    expect(hourly).toHaveLength(22099);
    expect(daily).toHaveLength(940);
  });

  it('every user-hour present in both files agrees with Fitbit hourly totals', () => {
    const c = compareFitbitTotals(minutes.users, hourly, 'hour');
    console.log(
      `user-hours: compared ${c.compared}, agree ${c.agreeing}, disagree ${c.disagreeing.length}, only in minute file ${c.onlyInMinutes}, only in hourly file ${c.onlyInTotals}`,
    );
    expect(c.compared).toBe(21307);
    expect(c.disagreeing).toEqual([]);
    expect(c.onlyInMinutes).toBe(338);
    expect(c.onlyInTotals).toBe(792);
  });

  it('lists the 156 user-days whose minute sum differs from the Fitbit daily total', () => {
    const c = compareFitbitTotals(minutes.users, daily, 'day');
    const line = (d: FitbitDisagreement) =>
      `${d.id} ${d.time} minutes=${d.minuteSum} daily=${d.fitbitTotal} diff=${d.difference > 0 ? '+' : ''}${d.difference} covered=${d.minutesCovered / 60}h`;
    console.log(
      [
        `user-days: compared ${c.compared}, agree ${c.agreeing}, disagree ${c.disagreeing.length}, only in minute file ${c.onlyInMinutes}, only in daily file ${c.onlyInTotals}`,
        ...c.disagreeing.map(line),
      ].join('\n'),
    );
    expect(c.compared).toBe(903);
    expect(c.disagreeing).toHaveLength(156);
    const full = c.disagreeing.filter((d) => d.minutesCovered === 1440);
    const partial = c.disagreeing.filter((d) => d.minutesCovered < 1440);
    // 13 days the minute file covers only in part; 18 where Fitbit's daily total is SMALLER than the minute
    // sum (16 of them on 2016-05-12, the export's last day, whose daily total was cut short); 128 complete days
    // where the daily total exceeds the minute sum (steps Fitbit credited to the day but to no minute).
    expect(partial).toHaveLength(13);
    const lower = c.disagreeing.filter((d) => d.difference < 0);
    expect(lower).toHaveLength(18);
    expect(lower.filter((d) => d.time === '2016-05-12')).toHaveLength(16);
    expect(full.filter((d) => d.difference > 0)).toHaveLength(128);
    const fullLower = full.filter((d) => d.difference < 0);
    expect(fullLower).toHaveLength(15);
    expect(fullLower.filter((d) => d.time === '2016-05-12')).toHaveLength(13);
    // Example rows checked by hand against the CSV files:
    expect(c.disagreeing).toContainEqual({
      id: '1503960366',
      time: '2016-04-15',
      minuteSum: 9685,
      fitbitTotal: 9762,
      difference: 77,
      minutesCovered: 1440,
    });
    expect(c.disagreeing).toContainEqual({
      id: '8583815059',
      time: '2016-04-16',
      minuteSum: 0,
      fitbitTotal: 5319,
      difference: 5319,
      minutesCovered: 1440,
    });
  });
});

describe('Fitbit readers: formats and errors', () => {
  it('parses Fitbit local times (12 AM is midnight, 12 PM noon)', () => {
    expect(new Date(parseFitbitDateTime('4/12/2016 12:00:00 AM')).toISOString()).toBe(
      '2016-04-12T00:00:00.000Z',
    );
    expect(new Date(parseFitbitDateTime('4/12/2016 12:00:00 PM')).toISOString()).toBe(
      '2016-04-12T12:00:00.000Z',
    );
    expect(new Date(parseFitbitDateTime('12/31/2016 11:00:00 PM')).toISOString()).toBe(
      '2016-12-31T23:00:00.000Z',
    );
    expect(new Date(parseFitbitDateTime('5/1/2016')).toISOString()).toBe('2016-05-01T00:00:00.000Z');
    expect(parseFitbitDateTime('2/30/2016')).toBeNaN();
    expect(parseFitbitDateTime('4/12/2016 13:00:00 PM')).toBeNaN();
  });

  const header = `Id,ActivityHour,${Array.from({ length: 60 }, (_, i) => `Steps${String(i).padStart(2, '0')}`).join(',')}`;
  const row = (id: string, time: string, v: number) =>
    `${id},${time},${Array.from({ length: 60 }, () => v).join(',')}`;

  it('keeps absent hours missing (not 0) and tolerates unsorted rows and CRLF', async () => {
    const text = [header, row('1', '4/12/2016 3:00:00 AM', 2), row('1', '4/12/2016 1:00:00 AM', 1), ''].join(
      '\r\n',
    );
    const r = await readFitbitMinuteStepsWide(Readable.from([text.slice(0, 100), text.slice(100)]));
    const s = r.users[0]?.series;
    expect(s?.start).toBe('2016-04-12T01:00:00');
    expect(s?.values.length).toBe(180);
    expect(s?.values[0]).toBe(1);
    expect(s?.values[60]).toBeNaN();
    expect(s?.missing[60]).toBe(1);
    expect(s?.values[120]).toBe(2);
  });

  it('names the line of a malformed row', async () => {
    const bad = [header, row('1', '4/12/2016 1:00:00 AM', 1), row('1', '4/12/2016 2:30:00 AM', 1)].join('\n');
    await expect(readFitbitMinuteStepsWide(Readable.from([bad]))).rejects.toThrow(/line 3: ActivityHour/);
    const neg = [header, row('1', '4/12/2016 1:00:00 AM', -1)].join('\n');
    await expect(readFitbitMinuteStepsWide(Readable.from([neg]))).rejects.toThrow(ClarityError);
    const conflict = [header, row('1', '4/12/2016 1:00:00 AM', 1), row('1', '4/12/2016 1:00:00 AM', 2)].join(
      '\n',
    );
    await expect(readFitbitMinuteStepsWide(Readable.from([conflict]))).rejects.toThrow(/different values/);
    await expect(readFitbitDailySteps(Readable.from(['Id,ActivityHour,StepTotal\n']))).rejects.toThrow(
      /line 1: expected the header/,
    );
  });
});
