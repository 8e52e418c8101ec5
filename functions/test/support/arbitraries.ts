/**
 * fast-check arbitraries for the API: HealthKit samples that are valid by construction (built from the
 * core's type table: a listed unit and a value inside the plausible range) and samples broken in one known
 * way each, plus hostile headers, query strings and bodies.
 */
import fc from 'fast-check';
import { quantityTypes } from '@clarity/core';

type Json = Record<string, unknown>;

const quantityIds = Object.keys(quantityTypes);
const sleepStages = ['inBed', 'asleepUnspecified', 'awake', 'asleepCore', 'asleepDeep', 'asleepREM'];
const day0 = Date.UTC(2026, 0, 1);

function iso(ms: number, offsetMinutes: number): string {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 19);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const a = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

const instant = fc.record({
  ms: fc.integer({ min: day0, max: day0 + 300 * 86_400_000 }).map((m) => m - (m % 1000)),
  offset: fc.constantFrom(-480, -300, 0, 60, 330, 540),
});

const quantitySample: fc.Arbitrary<Json> = fc
  .record({
    type: fc.constantFrom(...quantityIds),
    unitIndex: fc.nat(),
    fraction: fc.double({ min: 0, max: 1, noNaN: true }),
    at: instant,
    spanMinutes: fc.integer({ min: 0, max: 30 }),
    source: fc.constantFrom('Apple Watch', 'iPhone', 'Oura', 'Fitbit Sense'),
  })
  .map(({ type, unitIndex, fraction, at, spanMinutes, source }) => {
    const spec = quantityTypes[type] as (typeof quantityTypes)[string];
    const units = Object.entries(spec.units);
    const [unit, factor] = units[unitIndex % units.length] as [string, number];
    const offset = spec.offsets?.[unit] ?? 0;
    const [lo, hi] = spec.range;
    // A value strictly inside the canonical range, converted back to the chosen unit.
    const canonical = lo + (hi - lo) * (0.01 + 0.98 * fraction);
    const span = spec.aggregation === 'instant' ? 0 : spanMinutes * 60_000;
    return {
      type,
      value: (canonical - offset) / factor,
      unit,
      startDate: iso(at.ms, at.offset),
      endDate: iso(at.ms + span, at.offset),
      sourceName: source,
    };
  });

const sleepSample: fc.Arbitrary<Json> = fc
  .record({ stage: fc.constantFrom(...sleepStages), at: instant, minutes: fc.integer({ min: 1, max: 240 }) })
  .map(({ stage, at, minutes }) => ({
    type: 'HKCategoryTypeIdentifierSleepAnalysis',
    value: stage,
    startDate: iso(at.ms, at.offset),
    endDate: iso(at.ms + minutes * 60_000, at.offset),
    sourceName: 'Apple Watch',
  }));

export const validSample: fc.Arbitrary<Json> = fc.oneof(quantitySample, sleepSample);

/** One way to break a valid sample; each is invalid whatever the rest of the sample is. */
const breakers: [string, (s: Json) => Json][] = [
  // Not a HealthKit identifier at all: a well-formed unknown HK identifier is stored as an `x_` metric
  // (issue 17: identifiers of a newer iOS are kept), so it is no longer an invalid sample.
  ['unknown type', (s) => ({ ...s, type: 'TeleportCount' })],
  [
    'non-numeric quantity',
    (s) =>
      s.type === 'HKCategoryTypeIdentifierSleepAnalysis'
        ? { ...s, value: 'napping' }
        : { ...s, value: 'lots' },
  ],
  [
    'value far out of range',
    (s) => (s.type === 'HKCategoryTypeIdentifierSleepAnalysis' ? { ...s, value: 99 } : { ...s, value: 1e12 }),
  ],
  [
    'negative value',
    (s) => (s.type === 'HKCategoryTypeIdentifierSleepAnalysis' ? { ...s, value: -3 } : { ...s, value: -1e9 }),
  ],
  ['end before start', (s) => ({ ...s, startDate: s.endDate, endDate: '2025-12-31T00:00:00+00:00' })],
  ['start not a string', (s) => ({ ...s, startDate: 1_767_225_600 })],
  ['not a date', (s) => ({ ...s, endDate: 'yesterday' })],
  ['future end', (s) => ({ ...s, endDate: '2099-01-01T00:00:00+00:00' })],
  [
    'before 1900',
    (s) => ({ ...s, startDate: '1850-01-01T00:00:00+00:00', endDate: '1850-01-01T00:00:00+00:00' }),
  ],
  // Every body is strict: a misspelt field is an error, never silently dropped.
  ['unknown field', (s) => ({ ...s, sourceNmae: 'typo' })],
  ['missing source', (s) => ({ ...s, sourceName: undefined })],
  ['empty source', (s) => ({ ...s, sourceName: '' })],
  [
    'wrong unit',
    (s) => ({ ...s, unit: 'furlong/fortnight', type: 'HKQuantityTypeIdentifierHeartRate', value: 60 }),
  ],
  ['type not a string', (s) => ({ ...s, type: 42 })],
  ['sample not an object', () => ({ notASample: true, value: [1, 2, 3] })],
];

export const invalidSample: fc.Arbitrary<{ sample: unknown; reason: string }> = fc
  .tuple(validSample, fc.constantFrom(...breakers), fc.boolean())
  .map(([s, [reason, breakIt], asPrimitive]) =>
    asPrimitive && reason === 'sample not an object'
      ? { sample: 'just a string', reason }
      : { sample: breakIt(s), reason },
  );

/** A batch of valid samples with, maybe, invalid ones mixed in at random positions. */
export const uploadBatch: fc.Arbitrary<{ body: Json; invalidIndexes: number[] }> = fc
  .tuple(
    fc.array(validSample, { minLength: 0, maxLength: 12 }),
    // Half the batches are entirely valid, so the accepting path is fuzzed as hard as the refusing one.
    fc.oneof(fc.constant([]), fc.array(invalidSample, { minLength: 1, maxLength: 3 })),
    fc.array(fc.nat(), { minLength: 3, maxLength: 3 }),
    fc.option(fc.constantFrom('America/New_York', 'Europe/Berlin', 'Asia/Tokyo', 'Mars/Olympus_Mons'), {
      freq: 2,
    }),
  )
  .filter(([valid, invalid]) => valid.length + invalid.length > 0)
  .map(([valid, invalid, positions, timezone]) => {
    const samples: unknown[] = [...valid];
    const invalidIndexes: number[] = [];
    invalid.forEach((x, i) => {
      const at = (positions[i] ?? 0) % (samples.length + 1);
      samples.splice(at, 0, x.sample);
    });
    samples.forEach((s, i) => {
      if (invalid.some((x) => x.sample === s)) invalidIndexes.push(i);
    });
    const body: Json = { samples };
    if (timezone !== null) body.timezone = timezone;
    if (timezone === 'Mars/Olympus_Mons') invalidIndexes.push(-1);
    return { body, invalidIndexes };
  });

/** Printable ASCII (what an HTTP header value may carry), including the awkward characters. */
export const headerText = (maxLength = 80): fc.Arbitrary<string> =>
  fc.string({ unit: 'grapheme-ascii', maxLength }).map((s) => s.replace(/[^\x20-\x7e]/g, '').trim());

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.constantFrom(
    '../../etc/passwd',
    '__proto__',
    'constructor',
    '%00',
    "' OR 1=1 --",
    '<script>alert(1)</script>',
    '${jndi:ldap://x}',
    '9'.repeat(400),
    '-1',
    'NaN',
    '1e309',
    '2026-13-45',
    '',
  ),
);

/** Query strings: known names with plausible or hostile values, plus random names. */
export function queryArb(
  names: string[],
  plausible: Record<string, fc.Arbitrary<string>> = {},
): fc.Arbitrary<Record<string, string>> {
  const known = Object.keys(plausible);
  if (known.length > 0) {
    // Mostly the endpoint's own parameters with plausible values, sometimes hostile ones or extra names.
    const entries = known.map((k) =>
      fc.option(
        fc.oneof(
          { weight: 4, arbitrary: plausible[k] as fc.Arbitrary<string> },
          { weight: 1, arbitrary: hostileString },
        ),
        { freq: 4 },
      ),
    );
    return fc
      .tuple(
        fc.tuple(...entries),
        fc.option(fc.dictionary(fc.string({ maxLength: 12 }), hostileString, { maxKeys: 2 }), { freq: 4 }),
      )
      .map(([values, extra]) => {
        const q: Record<string, string> = { ...(extra ?? {}) };
        known.forEach((k, i) => {
          const v = values[i];
          if (v !== null && v !== undefined) q[k] = v;
        });
        return q;
      });
  }
  return queryLoose(names);
}

function queryLoose(names: string[]): fc.Arbitrary<Record<string, string>> {
  return fc.dictionary(
    fc.oneof(fc.constantFrom(...(names.length ? names : ['x'])), fc.string({ maxLength: 12 })),
    hostileString,
    {
      maxKeys: 5,
    },
  );
}

/** Bodies: any JSON, JSON-ish text, or bytes that are not JSON at all. */
export const anyBody: fc.Arbitrary<string | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.constantFrom('{', '{"samples":', '[]', 'null', '{"__proto__":{"polluted":1}}', '\u0000\u0001'),
);

/** A local day, mostly in a plausible range, as YYYY-MM-DD. */
export const isoDay: fc.Arbitrary<string> = fc
  .integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2027, 11, 31) })
  .map((ms) => new Date(ms).toISOString().slice(0, 10));

export const jsonBody = (value: fc.Arbitrary<unknown>): fc.Arbitrary<string | undefined> =>
  fc.oneof({ weight: 3, arbitrary: value.map((v) => JSON.stringify(v)) }, { weight: 1, arbitrary: anyBody });
