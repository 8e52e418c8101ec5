import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quantityTypes } from '../../src/contracts/health-types.ts';
import {
  canonicalizeSample,
  sampleId,
  type HealthKitSampleInput,
} from '../../src/contracts/healthkit-upload.ts';
import { parseInstant, zoneOffsetMinutes } from '../../src/contracts/time.ts';
import {
  fastCanonical,
  fastSampleId,
  parseExportInstant,
  precision12,
  ZoneOffsets,
} from '../../src/importers/apple-health/fast-canonical.ts';

/**
 * The import's fast versions of the contract functions must give exactly their results: every case below
 * compares the two on random and edge inputs (fixed seeds, so a failure reproduces).
 */

const digits = (n: number, max: number): fc.Arbitrary<string> =>
  fc.integer({ min: 0, max }).map((v) => String(v).padStart(n, '0'));

/** Dates in the export's layout, valid or not (month 13, Feb 30, 24:00, a leap second, offsets past 14 h). */
const exportDate = fc
  .record({
    y: fc.oneof(digits(4, 9999), fc.constantFrom('2015', '2016', '2024', '0015', '1969')),
    mo: fc.oneof(digits(2, 13), fc.constantFrom('02', '12')),
    d: fc.oneof(digits(2, 32), fc.constantFrom('28', '29', '30', '31')),
    h: fc.oneof(digits(2, 24), fc.constantFrom('00', '23')),
    mi: fc.oneof(digits(2, 60), fc.constantFrom('59')),
    s: fc.oneof(digits(2, 61), fc.constantFrom('59', '60')),
    sign: fc.constantFrom('+', '-'),
    off: fc.oneof(digits(4, 1500), fc.constantFrom('0000', '0500', '0400', '1400', '1401', '0530')),
  })
  .map(({ y, mo, d, h, mi, s, sign, off }) => `${y}-${mo}-${d} ${h}:${mi}:${s} ${sign}${off}`);

/** Other text a date attribute might hold: ISO forms, fractions, a non-digit in any place, garbage. */
const otherDate = fc.oneof(
  fc.constantFrom(
    '2024-03-10T01:59:00-05:00',
    '2024-03-10 01:59:00Z',
    '2024-03-10 01:59:00.250 -0500',
    '2024-03-10 01:59 -0500',
    '2024-03-10 0a:59:00 -0500',
    '2024-03-1x 01:59:00 -0500',
    '2024-03-10 01:59:00 -05:0',
    '2024-03-10 01:59:00 *0500',
    '２024-03-10 01:59:00 -0500',
    '',
  ),
  exportDate.chain((t) =>
    fc
      .tuple(fc.integer({ min: 0, max: 24 }), fc.constantFrom('x', ' ', '/', '٣'))
      .map(([i, c]) => t.slice(0, i) + c + t.slice(i + 1)),
  ),
  fc.string({ maxLength: 30 }),
);

describe('fast canonical path equals the contract functions', () => {
  it('parseExportInstant equals parseInstant, in any order of dates (the cached day part)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(exportDate, exportDate, otherDate), { minLength: 1, maxLength: 30 }),
        (texts) => {
          for (const t of texts) expect(parseExportInstant(t), t).toEqual(parseInstant(t));
        },
      ),
      { numRuns: 1500, seed: 7 },
    );
    // Runs of one day, as an export has them, with -0000 (parseInstant gives offset -0 there).
    for (const t of ['2024-02-29 23:59:59 -0000', '2024-02-29 00:00:00 -0000', '2023-02-29 10:00:00 +0100']) {
      expect(Object.is(parseExportInstant(t)?.offsetMinutes, parseInstant(t)?.offsetMinutes)).toBe(true);
      expect(parseExportInstant(t)).toEqual(parseInstant(t));
    }
  });

  it('precision12 equals toPrecision(12) and the ids equal sampleId', () => {
    const values = fc.oneof(
      fc.integer({ min: -2e12, max: 2e12 }),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.constantFrom(0, -0, 1e12 - 1, -(1e12 - 1), 1e12, 999_999_999_999.5, 0.1 + 0.2, 72, 1e-7),
    );
    fc.assert(
      fc.property(values, (v) => {
        expect(precision12(v)).toBe(v.toPrecision(12));
      }),
      { numRuns: 5000, seed: 11 },
    );
    const sample = fc.record({
      type: fc.constantFrom('HKQuantityTypeIdentifierHeartRate', 'HKCategoryTypeIdentifierSleepAnalysis'),
      startMs: fc.integer({ min: -1e13, max: 1e13 }),
      endMs: fc.integer({ min: -1e13, max: 1e13 }),
      source: fc.string({ maxLength: 40 }),
      value: fc.option(values, { nil: null }),
      stage: fc.option(fc.constantFrom('inBed', 'asleepREM' as const), { nil: null }),
    });
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), sample, (uid, s) => {
        const x = s as Parameters<typeof sampleId>[1];
        expect(fastSampleId(uid, x)).toBe(sampleId(uid, x));
      }),
      { numRuns: 2000, seed: 12 },
    );
  });

  it('ZoneOffsets equals zoneOffsetMinutes, around DST switches and historical local mean times', () => {
    const zones = [
      'America/New_York',
      'Australia/Lord_Howe',
      'Asia/Kathmandu',
      'Europe/London',
      'Pacific/Apia',
      'America/St_Johns',
      'Africa/Casablanca',
      'UTC',
    ];
    // Instants from 1850 to 2040, and a minute either side of each hour of two weeks around transitions.
    const instants = fc.oneof(
      fc.integer({ min: -3.8e12, max: 2.2e12 }),
      fc
        .tuple(
          fc.constantFrom(
            Date.UTC(2024, 2, 10),
            Date.UTC(2024, 10, 3),
            Date.UTC(2024, 3, 7),
            Date.UTC(2011, 11, 29),
          ),
          fc.integer({ min: -7 * 86_400, max: 7 * 86_400 }),
        )
        .map(([day, s]) => day + s * 1000 + (s % 7) * 13),
    );
    for (const zone of zones) {
      const offsets = new ZoneOffsets(zone);
      fc.assert(
        fc.property(fc.array(instants, { minLength: 1, maxLength: 20 }), (ms) => {
          for (const t of ms) expect(offsets.at(t), `${zone} ${t}`).toBe(zoneOffsetMinutes(t, zone));
        }),
        { numRuns: 60, seed: 13 },
      );
    }
  });

  it('fastCanonical gives canonicalizeSample result whenever it gives one, and declines on every issue', () => {
    const types = [
      ...Object.keys(quantityTypes),
      'HKCategoryTypeIdentifierSleepAnalysis',
      'HKQuantityTypeIdentifierBodyMass',
    ];
    const units = [
      'count/min',
      'count',
      'ms',
      'm',
      'km',
      'mi',
      'kcal',
      'kJ',
      'Cal',
      '%',
      'toString',
      'constructor',
      'x',
    ];
    const p2 = (n: number): string => String(n).padStart(2, '0');
    /** An export date of the instant ms written in the offset (minutes east of UTC). */
    const format = (ms: number, offset: number): string => {
      const d = new Date(ms + offset * 60_000);
      const o = Math.abs(offset);
      return `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} ${offset < 0 ? '-' : '+'}${p2(Math.floor(o / 60))}${p2(o % 60)}`;
    };
    // Mostly plausible intervals near "now" (some past the future limit, past 36 h, or reversed), and
    // arbitrary dates.
    const interval = fc.oneof(
      fc
        .record({
          start: fc.integer({ min: -3 * 86_400, max: 2 * 86_400 }),
          span: fc.oneof(
            fc.integer({ min: 0, max: 7200 }),
            fc.constantFrom(0, 3600, 3601, 36 * 3600, 36 * 3600 + 1, -1),
          ),
          offset: fc.constantFrom(-300, -240, 0, 330, 840),
        })
        .map(({ start, span, offset }) => {
          const ms = Date.UTC(2026, 10, 24) + start * 1000;
          return { startDate: format(ms, offset), endDate: format(ms + span * 1000, offset) };
        }),
      fc.record({ startDate: exportDate, endDate: exportDate }),
    );
    /** A type with, mostly, one of its own units and a value in its range; else anything. */
    const typed = fc.constantFrom(...types).chain((type) => {
      const spec = (
        quantityTypes as Record<string, { units: Record<string, number>; range: readonly [number, number] }>
      )[type];
      const own = spec
        ? fc.constantFrom(...Object.keys(spec.units)).chain((unit) =>
            fc.record({
              unit: fc.constant(unit),
              value: fc
                .double({ min: spec.range[0], max: spec.range[1], noNaN: true })
                .map((v) => v / (spec.units[unit] as number)),
            }),
          )
        : fc.record({
            unit: fc.constant(undefined),
            value: fc.constantFrom('HKCategoryValueSleepAnalysisAsleepREM', 'inBed', 'asleep', 'awake'),
          });
      const any = fc.record({
        unit: fc.option(fc.constantFrom(...units), { nil: undefined }),
        value: fc.oneof(
          fc.double({ min: -10, max: 300_000 }),
          fc.integer({ min: 0, max: 300 }),
          fc.constantFrom(0, 19.999, 20, 250, 250.0001, 0.97, 97, Number.NaN, Infinity),
          fc.constantFrom('HKCategoryValueSleepAnalysisAsleepREM', 'inBed', 'asleep', 'nap', '3', ''),
        ),
      });
      return fc.oneof(own, own, any).map((uv) => ({ type, ...uv }));
    });
    const input = fc
      .record({
        typed,
        dates: interval,
        sourceName: fc.constantFrom('Watch', 'Jane’s iPhone'),
        device: fc.option(fc.constantFrom('<<HKDevice>>'), { nil: undefined }),
      })
      .map(({ dates, typed: t, ...rest }) => ({ ...rest, ...t, ...dates }));
    const nowMs = Date.UTC(2026, 10, 25);
    let fast = 0;
    fc.assert(
      fc.property(input, fc.constantFrom(undefined, 'America/New_York'), (raw, timezone) => {
        const s = Object.fromEntries(
          Object.entries(raw).filter(([, v]) => v !== undefined),
        ) as unknown as HealthKitSampleInput;
        const slow = canonicalizeSample(s, ['Record', 0], timezone ? { nowMs, timezone } : { nowMs });
        const quick = fastCanonical(s, nowMs, timezone ? new ZoneOffsets(timezone) : undefined);
        if (quick !== undefined) {
          fast++;
          expect(quick).toEqual(slow);
        } else expect(Array.isArray(slow) || s.unit === 'toString' || s.unit === 'constructor').toBe(true);
      }),
      { numRuns: 4000, seed: 17 },
    );
    expect(fast).toBeGreaterThan(400);
  });
});
