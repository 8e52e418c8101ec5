import { describe, expect, it } from 'vitest';
import type { CanonicalSample } from '../../src/contracts/healthkit-upload.ts';
import type { SleepStage } from '../../src/contracts/health-types.ts';
import {
  buildMinuteSeries,
  dayGrid,
  minuteSeriesDocSchema,
  seriesDocId,
  type MinuteSeriesDoc,
} from '../../src/importers/apple-health/index.ts';

const NY = 'America/New_York';
const at = (iso: string): number => Date.parse(iso);

function steps(
  source: string,
  start: string,
  end: string,
  value: number,
  device: string | null = null,
): CanonicalSample {
  return {
    type: 'HKQuantityTypeIdentifierStepCount',
    metric: 'steps',
    startMs: at(start),
    endMs: at(end),
    offsetMinutes: 0,
    value,
    unit: 'count',
    stage: null,
    source,
    device,
  };
}
function hr(source: string, t: string, value: number): CanonicalSample {
  return {
    type: 'HKQuantityTypeIdentifierHeartRate',
    metric: 'heart_rate',
    startMs: at(t),
    endMs: at(t),
    offsetMinutes: 0,
    value,
    unit: 'count/min',
    stage: null,
    source,
    device: null,
  };
}
function sleep(source: string, start: string, end: string, stage: SleepStage): CanonicalSample {
  return {
    type: 'HKCategoryTypeIdentifierSleepAnalysis',
    metric: 'sleep',
    startMs: at(start),
    endMs: at(end),
    offsetMinutes: 0,
    value: null,
    unit: null,
    stage,
    source,
    device: null,
  };
}
function one<K extends MinuteSeriesDoc['kind']>(
  docs: MinuteSeriesDoc[],
  metric: string,
  date: string,
  kind: K,
): Extract<MinuteSeriesDoc, { kind: K }> {
  const d = docs.find((x) => x.metric === metric && x.date === date);
  expect(d, `${metric} ${date}`).toBeDefined();
  expect(d!.kind).toBe(kind);
  expect(minuteSeriesDocSchema.safeParse(d).success).toBe(true);
  return d as Extract<MinuteSeriesDoc, { kind: K }>;
}
const total = (xs: (number | null)[]): number => xs.reduce<number>((a, b) => a + (b ?? 0), 0);

describe('day grids in an IANA zone', () => {
  it('America/New_York: 1440 on ordinary days, 1380 on the spring-forward day, 1500 on the fall-back day', () => {
    expect(dayGrid('2024-03-09', NY)).toEqual({ startMs: at('2024-03-09T05:00:00Z'), minutes: 1440 });
    expect(dayGrid('2024-03-10', NY)).toEqual({ startMs: at('2024-03-10T05:00:00Z'), minutes: 1380 });
    expect(dayGrid('2024-03-11', NY)).toEqual({ startMs: at('2024-03-11T04:00:00Z'), minutes: 1440 });
    expect(dayGrid('2024-11-03', NY)).toEqual({ startMs: at('2024-11-03T04:00:00Z'), minutes: 1500 });
    expect(dayGrid('2024-07-01', 'Europe/London').minutes).toBe(1440);
    expect(dayGrid('2024-10-06', 'Australia/Lord_Howe').minutes).toBe(1410);
  });
});

describe('cumulative metrics', () => {
  it('spreads an interval over the minutes it covers, proportionally to the overlap', () => {
    // 10:00:30 to 10:03:00 local (EST, -05:00): 150 s; 30 s in minute 600, 60 s in 601 and 602.
    const docs = buildMinuteSeries([steps('Watch', '2024-01-15T15:00:30Z', '2024-01-15T15:03:00Z', 150)], {
      timezone: NY,
    });
    const d = one(docs, 'steps', '2024-01-15', 'sum');
    expect(d.values.slice(599, 604)).toEqual([null, 30, 60, 60, null]);
    expect(d.coverage).toBe(3);
    expect(d.unit).toBe('count');
    expect(seriesDocId('steps', d.date)).toBe('steps_2024-01-15');
  });

  it('splits a sample that crosses local midnight between the two day documents', () => {
    const docs = buildMinuteSeries([steps('Watch', '2024-01-16T04:58:00Z', '2024-01-16T05:02:00Z', 400)], {
      timezone: NY,
    });
    const a = one(docs, 'steps', '2024-01-15', 'sum');
    const b = one(docs, 'steps', '2024-01-16', 'sum');
    expect(a.values.slice(1438)).toEqual([100, 100]);
    expect(b.values.slice(0, 2)).toEqual([100, 100]);
  });

  it('resolves overlapping sources per minute by priority: Watch over iPhone over third-party apps, configurable', () => {
    const samples = [
      steps(
        'Jane’s iPhone',
        '2024-01-15T15:00:00Z',
        '2024-01-15T15:10:00Z',
        1000,
        '<<HKDevice>, name:iPhone>',
      ),
      steps('Jane’s Apple Watch', '2024-01-15T15:05:00Z', '2024-01-15T15:07:00Z', 300),
      steps('Pedometer++', '2024-01-15T15:00:00Z', '2024-01-15T15:20:00Z', 2000),
    ];
    const d = one(buildMinuteSeries(samples, { timezone: NY }), 'steps', '2024-01-15', 'sum');
    // 600-604 phone (100/min), 605-606 watch (150/min), 607-609 phone, 610-619 third-party (100/min).
    expect(d.values.slice(600, 620)).toEqual([
      100,
      100,
      100,
      100,
      100,
      150,
      150,
      100,
      100,
      100,
      ...new Array<number>(10).fill(100),
    ]);
    expect(total(d.values)).toBe(800 + 300 + 1000);
    expect(d.sources).toEqual(['Jane’s Apple Watch', 'Jane’s iPhone', 'Pedometer++']);
    // A user who trusts the third-party app most.
    const custom = one(
      buildMinuteSeries(samples, { timezone: NY, rankSource: (s) => (s === 'Pedometer++' ? 0 : 1) }),
      'steps',
      '2024-01-15',
      'sum',
    );
    expect(total(custom.values)).toBe(2000);
    expect(custom.sources).toEqual(['Pedometer++']);
    // Without priority, adding everything up would double count: 3300.
    expect(samples.reduce((a, s) => a + (s.value ?? 0), 0)).toBe(3300);
  });

  it('DST days: a spring-forward day has 1380 slots, a fall-back day 1500, and every minute of data lands in one', () => {
    // Steps every hour for the whole local day, one sample per hour 00:00-00:10 local.
    for (const [date, minutes] of [
      ['2024-03-10', 1380],
      ['2024-11-03', 1500],
    ] as const) {
      const { startMs } = dayGrid(date, NY);
      const samples: CanonicalSample[] = [];
      for (let t = startMs; t < startMs + minutes * 60_000; t += 3600_000) {
        samples.push(steps('Watch', new Date(t).toISOString(), new Date(t + 600_000).toISOString(), 10));
      }
      const d = one(buildMinuteSeries(samples, { timezone: NY }), 'steps', date, 'sum');
      expect(d.minutes).toBe(minutes);
      expect(d.values).toHaveLength(minutes);
      expect(d.coverage).toBe((minutes / 60) * 10);
      expect(total(d.values)).toBeCloseTo((minutes / 60) * 10, 9);
    }
  });
});

describe('instant metrics and sleep', () => {
  it('heart rate becomes per-minute mean, min and max', () => {
    const docs = buildMinuteSeries(
      [
        hr('Watch', '2024-11-03T05:30:10Z', 60),
        hr('Watch', '2024-11-03T05:30:50Z', 80),
        hr('Strap', '2024-11-03T05:30:30Z', 70),
        hr('Watch', '2024-11-03T06:30:10Z', 90),
      ],
      { timezone: NY },
    );
    // 05:30Z is 01:30 EDT (slot 90); 06:30Z is 01:30 EST again, the repeated hour (slot 150).
    const d = one(docs, 'heart_rate', '2024-11-03', 'stats');
    expect(d.minutes).toBe(1500);
    expect([d.mean[90], d.min[90], d.max[90]]).toEqual([70, 60, 80]);
    expect([d.mean[150], d.min[150], d.max[150]]).toEqual([90, 90, 90]);
    expect(d.coverage).toBe(2);
    expect(d.sources).toEqual(['Strap', 'Watch']);
  });

  it('sleep stages become per-minute states; stages win over inBed, all six values are kept', () => {
    const samples = [
      sleep('iPhone', '2024-01-16T03:00:00Z', '2024-01-16T04:00:00Z', 'inBed'),
      sleep('Apple Watch', '2024-01-16T03:10:00Z', '2024-01-16T03:20:00Z', 'asleepCore'),
      sleep('Apple Watch', '2024-01-16T03:20:00Z', '2024-01-16T03:30:00Z', 'asleepDeep'),
      sleep('Apple Watch', '2024-01-16T03:30:00Z', '2024-01-16T03:40:00Z', 'asleepREM'),
      sleep('Apple Watch', '2024-01-16T03:40:00Z', '2024-01-16T03:45:00Z', 'awake'),
      sleep('AutoSleep', '2024-01-16T03:45:00Z', '2024-01-16T03:50:00Z', 'asleepUnspecified'),
      // A third-party app that disagrees with the watch: the watch wins.
      sleep('AutoSleep', '2024-01-16T03:10:00Z', '2024-01-16T03:20:00Z', 'awake'),
    ];
    const d = one(buildMinuteSeries(samples, { timezone: NY }), 'sleep', '2024-01-15', 'state');
    const slot = (hhmm: number): number | null | undefined => d.states[hhmm];
    // 03:00Z = 22:00 EST = slot 1320.
    expect(slot(1320)).toBe(0); // inBed
    expect(slot(1330)).toBe(3); // asleepCore
    expect(slot(1340)).toBe(4); // asleepDeep
    expect(slot(1350)).toBe(5); // asleepREM
    expect(slot(1360)).toBe(2); // awake
    expect(slot(1365)).toBe(1); // asleepUnspecified
    expect(slot(1370)).toBe(0); // inBed again
    expect(slot(1380)).toBeNull();
    expect(slot(1319)).toBeNull();
    expect(d.coverage).toBe(60);
    expect(d.stateLabels).toEqual([
      'inBed',
      'asleepUnspecified',
      'awake',
      'asleepCore',
      'asleepDeep',
      'asleepREM',
    ]);
  });

  it('documents validate against the zod schema, stay far below 1 MiB, and bad shapes are refused', () => {
    const samples: CanonicalSample[] = [];
    const { startMs } = dayGrid('2024-11-03', NY);
    for (let i = 0; i < 1500; i++)
      samples.push(hr('Watch', new Date(startMs + i * 60_000 + 1000).toISOString(), 60 + (i % 50)));
    const d = one(buildMinuteSeries(samples, { timezone: NY }), 'heart_rate', '2024-11-03', 'stats');
    expect(d.coverage).toBe(1500);
    expect(JSON.stringify(d).length).toBeLessThan(64 * 1024);
    expect(minuteSeriesDocSchema.safeParse({ ...d, mean: d.mean.slice(1) }).success).toBe(false);
    expect(minuteSeriesDocSchema.safeParse({ ...d, minutes: 1600 }).success).toBe(false);
    expect(minuteSeriesDocSchema.safeParse({ ...d, date: '2024-11-3' }).success).toBe(false);
  });
});
