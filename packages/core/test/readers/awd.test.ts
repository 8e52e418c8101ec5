import { describe, expect, it } from 'vitest';
import { parseAwd, readAwdFile } from '../../src/readers/awd.ts';
import { ClarityError } from '../../src/errors.ts';
import { sharedData } from '../support/shared-data.ts';

// Epoch counts and start times derived from the files: (lines - 7 header lines), header lines 2-3.
const EXPECTED = [
  { file: 'example_01.AWD', epochs: 18401, start: '1918-01-23T13:58:00', serial: 'V664055', markers: 22 },
  { file: 'example_02.AWD', epochs: 18413, start: '1918-01-23T13:52:00', serial: 'V653327', markers: 21 },
  { file: 'example_03.AWD', epochs: 21456, start: '1918-01-23T14:03:00', serial: 'V653318', markers: 22 },
  { file: 'example_04.AWD', epochs: 31299, start: '1918-01-16T18:00:00', serial: 'V664058', markers: 23 },
  { file: 'example_05.AWD', epochs: 21703, start: '1918-01-30T11:15:00', serial: 'V653323', markers: 27 },
];

describe('AWD reader on the five real Actiwatch recordings', () => {
  for (const e of EXPECTED) {
    it(`${e.file}: ${e.epochs} one-minute epochs from ${e.start}`, async () => {
      const r = await readAwdFile(sharedData('actigraphy', 'actiwatch_awd', e.file));
      expect(r.series.values.length).toBe(e.epochs);
      expect(r.series.start).toBe(e.start);
      expect(r.series.epochSeconds).toBe(60);
      expect(r.header.epochCode).toBe(4);
      expect(r.header.serial).toBe(e.serial);
      expect(r.markers.length).toBe(e.markers);
      expect(r.series.missing.every((m) => m === 0)).toBe(true);
      // The recordings end with the device off the wrist: the last day is mostly zeros.
      expect(Array.from(r.series.values.subarray(-20)).every((v) => v === 0)).toBe(true);
      expect(r.series.values.subarray(-1440).filter((v) => v === 0).length / 1440).toBeGreaterThan(0.85);
    });
  }

  it('reads the first counts and the marker of example_01 as written', async () => {
    const r = await readAwdFile(sharedData('actigraphy', 'actiwatch_awd', 'example_01.AWD'));
    expect(Array.from(r.series.values.subarray(0, 5))).toEqual([0, 0, 0, 149, 144]);
    // Every marker index points at a count that the file wrote with " M".
    expect(r.markers.every((i) => i >= 0 && i < r.series.values.length)).toBe(true);
  });
});

const HEADER = 'subj\r\n05-Mar-2020\r\n22:30\r\n 4 \r\n30\r\nV1\r\nM\r\n';

describe('AWD parsing rules and malformed input', () => {
  it('parses counts with markers, CRLF and other epoch codes', () => {
    const r = parseAwd(`${HEADER}10\r\n20 M\r\n0\r\n`);
    expect(Array.from(r.series.values)).toEqual([10, 20, 0]);
    expect(r.markers).toEqual([1]);
    expect(r.series.start).toBe('2020-03-05T22:30:00');
    expect(parseAwd(HEADER.replace(' 4 ', '2') + '1\n').series.epochSeconds).toBe(30);
    expect(parseAwd(HEADER.replace(' 4 ', '1') + '1\n').series.epochSeconds).toBe(15);
    expect(parseAwd(HEADER.replace(' 4 ', '8') + '1\n').series.epochSeconds).toBe(120);
    // A light column (Actiwatch models with a light sensor) is skipped.
    const light = parseAwd(`${HEADER}12 , 3.5\r\n7,0.1 M\r\n`);
    expect(Array.from(light.series.values)).toEqual([12, 7]);
    expect(light.markers).toEqual([1]);
  });

  it('rejects an empty file', () => {
    expect(() => parseAwd('')).toThrow(/AWD line 1: empty file/);
  });

  it('rejects a truncated header', () => {
    expect(() => parseAwd('subj\r\n05-Mar-2020\r\n22:30\r\n')).toThrow(/header is truncated: 3 of 7 lines/);
  });

  it('names the line of a non-numeric count', () => {
    let err: unknown;
    try {
      parseAwd(`${HEADER}10\r\n12\r\nabc\r\n`);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ClarityError);
    expect((err as ClarityError).code).toBe('parse_error');
    expect((err as ClarityError).message).toBe('AWD line 10: expected a non-negative activity count');
    expect((err as ClarityError).details?.[0]?.line).toBe(10);
  });

  it('rejects a bad date, a bad epoch code, negative counts, junk after a count and blank lines inside data', () => {
    expect(() => parseAwd(HEADER.replace('05-Mar-2020', '2020-03-05') + '1\n')).toThrow(/line 2: start date/);
    expect(() => parseAwd(HEADER.replace('05-Mar-2020', '31-Feb-2020') + '1\n')).toThrow(
      /valid calendar date/,
    );
    expect(() => parseAwd(HEADER.replace(' 4 ', 'x') + '1\n')).toThrow(/line 4: epoch-length code/);
    expect(() => parseAwd(`${HEADER}-5\r\n`)).toThrow(/line 8/);
    expect(() => parseAwd(`${HEADER}5 X\r\n`)).toThrow(/line 8/);
    expect(() => parseAwd(`${HEADER}5 1 2\r\n`)).toThrow(/line 8/);
    expect(() => parseAwd(`${HEADER}5\r\n\r\n6\r\n`)).toThrow(/line 9: blank line inside the data/);
    expect(() => parseAwd(HEADER)).toThrow(/no activity counts/);
  });
});
