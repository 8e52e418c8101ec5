import { describe, expect, it } from 'vitest';
import {
  addDays,
  daysBetween,
  parseInstant,
  localDate,
  zoneOffsetMinutes,
} from '../../src/contracts/time.ts';
import {
  earliestPlausibleDay,
  sampleId,
  validateHealthKitUpload,
} from '../../src/contracts/healthkit-upload.ts';
import { parseSleepStage, quantityTypes } from '../../src/contracts/health-types.ts';

const now = Date.parse('2026-11-25T12:00:00Z');
const hr = (over: Record<string, unknown> = {}) => ({
  type: 'HKQuantityTypeIdentifierHeartRate',
  value: 62,
  unit: 'count/min',
  startDate: '2026-11-20T07:01:00-05:00',
  endDate: '2026-11-20T07:01:00-05:00',
  sourceName: 'Apple Watch',
  ...over,
});

describe('calendar days', () => {
  it('adds days across month, year and leap-day boundaries, and counts them back', () => {
    expect(addDays('2026-11-30', 1)).toBe('2026-12-01');
    expect(addDays('2027-01-01', -1)).toBe('2026-12-31');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-03-08', 0)).toBe('2026-03-08');
    expect(daysBetween('2026-11-20', '2026-11-27')).toBe(7);
    expect(daysBetween('2026-11-27', '2026-11-20')).toBe(-7);
    expect(daysBetween('2028-02-28', addDays('2028-02-28', 366))).toBe(366);
  });
});

describe('parseInstant', () => {
  it('reads ISO 8601 with offsets and Apple export dates to the same instant', () => {
    const a = parseInstant('2026-11-20T07:01:00-05:00');
    const b = parseInstant('2026-11-20 07:01:00 -0500');
    const c = parseInstant('2026-11-20T12:01:00.000Z');
    expect(a).toEqual({ ms: Date.parse('2026-11-20T12:01:00Z'), offsetMinutes: -300 });
    expect(b?.ms).toBe(a?.ms);
    expect(c).toEqual({ ms: a?.ms, offsetMinutes: 0 });
  });
  it('refuses times without an offset and impossible dates', () => {
    expect(parseInstant('2026-11-20T07:01:00')).toBeUndefined();
    expect(parseInstant('2026-02-31T07:01:00Z')).toBeUndefined();
    expect(parseInstant('2026-11-20T25:01:00Z')).toBeUndefined();
    expect(parseInstant('yesterday')).toBeUndefined();
  });
  it('assigns local days by the offset, and by IANA zone across DST', () => {
    const late = parseInstant('2026-11-20T23:30:00-05:00');
    expect(late && localDate(late.ms, late.offsetMinutes)).toBe('2026-11-20');
    expect(zoneOffsetMinutes(Date.parse('2026-07-01T12:00:00Z'), 'America/New_York')).toBe(-240);
    expect(zoneOffsetMinutes(Date.parse('2026-12-01T12:00:00Z'), 'America/New_York')).toBe(-300);
    expect(zoneOffsetMinutes(Date.parse('2026-07-01T12:00:00Z'), 'Asia/Kolkata')).toBe(330);
  });
});

describe('validateHealthKitUpload', () => {
  it('accepts every supported type in canonical units', () => {
    const r = validateHealthKitUpload(
      {
        samples: [
          hr(),
          hr({ type: 'HKQuantityTypeIdentifierRestingHeartRate', value: 55 }),
          hr({ type: 'HKQuantityTypeIdentifierHeartRateVariabilitySDNN', value: 48.2, unit: 'ms' }),
          hr({
            type: 'HKQuantityTypeIdentifierStepCount',
            value: 120,
            unit: 'count',
            endDate: '2026-11-20T07:11:00-05:00',
          }),
          hr({
            type: 'HKQuantityTypeIdentifierActiveEnergyBurned',
            value: 41.84,
            unit: 'kJ',
            endDate: '2026-11-20T07:11:00-05:00',
          }),
          hr({ type: 'HKQuantityTypeIdentifierOxygenSaturation', value: 0.97, unit: '%' }),
          hr({ type: 'HKQuantityTypeIdentifierRespiratoryRate', value: 14, unit: 'count/min' }),
          ...['inBed', 'asleepUnspecified', 'awake', 'asleepCore', 'asleepDeep', 'asleepREM'].map((stage) =>
            hr({
              type: 'HKCategoryTypeIdentifierSleepAnalysis',
              value: stage,
              unit: undefined,
              endDate: '2026-11-20T07:31:00-05:00',
            }),
          ),
        ],
      },
      now,
    );
    expect(r.issues).toEqual([]);
    expect(r.samples).toHaveLength(13);
    expect(r.samples[4]).toMatchObject({ metric: 'active_energy', unit: 'kcal' });
    expect(r.samples[4]?.value).toBeCloseTo(10, 10);
    expect(r.samples[5]).toMatchObject({ metric: 'oxygen_saturation', value: 0.97, unit: 'fraction' });
    expect(r.samples.slice(7).map((s) => s.stage)).toEqual([
      'inBed',
      'asleepUnspecified',
      'awake',
      'asleepCore',
      'asleepDeep',
      'asleepREM',
    ]);
  });

  it('reports every invalid sample with its path and reason', () => {
    const r = validateHealthKitUpload(
      {
        samples: [
          hr(),
          hr({ value: 400 }),
          hr({ unit: 'Hz' }),
          hr({ startDate: '2026-11-20 07:01' }),
          hr({ type: 'HKQuantityTypeIdentifierOxygenSaturation', value: 97, unit: '%' }),
          hr({ type: 'NotAHealthKitType' }),
          hr({
            type: 'HKCategoryTypeIdentifierSleepAnalysis',
            value: 'napping',
            unit: undefined,
            endDate: '2026-11-20T08:00:00-05:00',
          }),
          hr({ endDate: '2026-11-20T06:00:00-05:00' }),
          { type: 'HKQuantityTypeIdentifierHeartRate' },
          hr({ startDate: '2027-11-20T07:01:00-05:00', endDate: '2027-11-20T07:01:00-05:00' }),
        ],
      },
      now,
    );
    expect(r.samples).toHaveLength(1);
    expect(r.rejectedIndexes).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const byIndex = (i: number) =>
      r.issues.filter((x) => x.path[1] === i).map((x) => `${x.path.slice(2).join('.')}: ${x.message}`);
    expect(byIndex(1)).toEqual(['value: is outside the plausible range 20-250 count/min']);
    expect(byIndex(2)[0]).toMatch(/^unit: "Hz" is not a unit of HKQuantityTypeIdentifierHeartRate/);
    expect(byIndex(3)[0]).toMatch(/^startDate: must be an ISO 8601 date-time with a UTC offset/);
    expect(byIndex(4)[0]).toMatch(/fraction: 0.97 for 97 %/);
    expect(byIndex(5)[0]).toMatch(/^type: unsupported type "NotAHealthKitType"/);
    expect(byIndex(6)[0]).toMatch(/^value: must be a sleep stage/);
    expect(byIndex(7)).toEqual(['endDate: must not be before startDate']);
    expect(
      byIndex(8)
        .map((m) => m.split(':')[0])
        .sort(),
    ).toEqual(['endDate', 'sourceName', 'startDate', 'value']);
    expect(byIndex(9)).toEqual(['endDate: is in the future']);
  });

  it('refuses a body without samples, too many samples, or a bad time zone', () => {
    expect(validateHealthKitUpload({}, now).issues[0]?.path).toEqual(['samples']);
    expect(validateHealthKitUpload({ samples: [] }, now).issues[0]?.message).toMatch(/at least one sample/);
    expect(validateHealthKitUpload({ samples: new Array(10_001).fill(hr()) }, now).issues[0]?.path).toEqual([
      'samples',
    ]);
    expect(validateHealthKitUpload({ samples: [hr()], timezone: 'Mars/Olympus' }, now).issues).toEqual([
      { path: ['timezone'], message: 'is not an IANA time zone name' },
    ]);
  });

  it('is strict: an unknown field in the body or in a sample is refused, naming it (as login and analyze do)', () => {
    const top = validateHealthKitUpload({ samples: [hr()], extra: 1 }, now);
    expect(top.samples).toEqual([]);
    expect(top.issues).toEqual([{ path: [], message: expect.stringMatching(/"extra"/) as string }]);
    const client = validateHealthKitUpload({ samples: [hr()], client: { app: 'a', build: 7 } }, now);
    expect(client.issues).toEqual([
      { path: ['client'], message: expect.stringMatching(/"build"/) as string },
    ]);
    const sample = validateHealthKitUpload({ samples: [hr(), hr({ bogus: true })] }, now);
    expect(sample.issues).toEqual([
      { path: ['samples', 1], message: expect.stringMatching(/"bogus"/) as string },
    ]);
    expect(sample.rejectedIndexes).toEqual([1]);
    // Every documented optional field is still accepted.
    const full = hr({ sourceVersion: '17.1', device: 'Watch7,1', uuid: 'u-1', metadata: { k: 1 } });
    expect(
      validateHealthKitUpload({ samples: [full], timezone: 'UTC', client: { app: 'a', version: '1' } }, now)
        .issues,
    ).toEqual([]);
  });

  it('bounds dates to the plausible: nothing before 1900-01-01 (the earliest day a window may name)', () => {
    const old = (d: string) => hr({ startDate: d, endDate: d });
    expect(validateHealthKitUpload({ samples: [old('1850-06-01T10:00:00Z')] }, now).issues).toEqual([
      { path: ['samples', 0, 'startDate'], message: 'must not be before 1900-01-01' },
    ]);
    expect(validateHealthKitUpload({ samples: [old('1899-12-31T23:59:59-01:00')] }, now).issues).toEqual([]);
    expect(validateHealthKitUpload({ samples: [old('1899-12-31T23:59:59Z')] }, now).issues).toHaveLength(1);
    // The Actiwatch recordings in the shared data are dated 1918: still accepted.
    expect(validateHealthKitUpload({ samples: [old('1918-01-23T13:58:00Z')] }, now).issues).toEqual([]);
    expect(earliestPlausibleDay).toBe('1900-01-01');
  });

  it('cuts days in the user time zone when one is given', () => {
    const r = validateHealthKitUpload(
      {
        samples: [hr({ startDate: '2026-11-21T03:30:00Z', endDate: '2026-11-21T03:30:00Z' })],
        timezone: 'America/Los_Angeles',
      },
      now,
    );
    const s = r.samples[0];
    expect(s?.offsetMinutes).toBe(-480);
    expect(s && localDate(s.startMs, s.offsetMinutes)).toBe('2026-11-20');
  });
});

describe('sampleId', () => {
  it('is deterministic, offset-independent and changes with any identifying field', () => {
    const [a] = validateHealthKitUpload({ samples: [hr()] }, now).samples;
    const [b] = validateHealthKitUpload(
      { samples: [hr({ startDate: '2026-11-20T12:01:00Z', endDate: '2026-11-20T12:01:00Z' })] },
      now,
    ).samples;
    const [c] = validateHealthKitUpload({ samples: [hr({ value: 63 })] }, now).samples;
    if (!a || !b || !c) throw new Error('fixtures invalid');
    expect(sampleId('u1', a)).toBe(sampleId('u1', b));
    expect(sampleId('u1', a)).toMatch(/^[0-9a-f]{32}$/);
    expect(sampleId('u1', a)).not.toBe(sampleId('u2', a));
    expect(sampleId('u1', a)).not.toBe(sampleId('u1', c));
    expect(sampleId('u1', a)).not.toBe(sampleId('u1', { ...a, source: 'iPhone' }));
  });
});

describe('health type table', () => {
  it('parses sleep stages by name, HKCategoryValue name and raw code', () => {
    expect(parseSleepStage('HKCategoryValueSleepAnalysisAsleepREM')).toBe('asleepREM');
    expect(parseSleepStage('HKCategoryValueSleepAnalysisAsleep')).toBe('asleepUnspecified');
    expect(parseSleepStage(4)).toBe('asleepDeep');
    expect(parseSleepStage(6)).toBeUndefined();
    expect(parseSleepStage('deep')).toBeUndefined();
  });
  it('keeps SDNN as its own metric, never a generic HRV', () => {
    expect(quantityTypes.HKQuantityTypeIdentifierHeartRateVariabilitySDNN.metric).toBe('hrv_sdnn');
  });
});
