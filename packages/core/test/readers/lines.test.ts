import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { forEachLineOfFile, forEachLineOfText } from '../../src/readers/lines.ts';
import { parseAwd, readAwdFile } from '../../src/readers/awd.ts';
import { readActiLifeCsvFile } from '../../src/readers/actilife-csv.ts';
import { sharedData } from '../support/shared-data.ts';

function lines(text: string): [string, number][] {
  const out: [string, number][] = [];
  forEachLineOfText(text, (l, n) => out.push([l, n]));
  return out;
}

describe('line splitting', () => {
  it('handles CRLF, LF, a BOM and a last line without terminator', () => {
    expect(lines('\uFEFFa\r\nb\nc')).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
    expect(lines('a\r\n\r\nb\r\n')).toEqual([
      ['a', 1],
      ['', 2],
      ['b', 3],
    ]);
    expect(lines('')).toEqual([]);
  });
});

describe('streamed reading (node:readline) gives the same result as whole-file reading', () => {
  it('AWD: example_04 streamed with progress equals the in-memory parse', async () => {
    const file = sharedData('actigraphy', 'actiwatch_awd', 'example_04.AWD');
    const progress: [number, number][] = [];
    const streamed = await readAwdFile(file, {
      streamThresholdBytes: 0,
      onProgress: (a, b) => progress.push([a, b]),
    });
    const whole = parseAwd(readFileSync(file, 'utf8'));
    expect(streamed.series.values.length).toBe(31299);
    expect(Array.from(streamed.series.values)).toEqual(Array.from(whole.series.values));
    expect(streamed.markers).toEqual(whole.markers);
    const size = statSync(file).size;
    expect(progress.at(-1)).toEqual([size, size]);
  });

  it('ActiLife CSV: the 10-s export streamed equals the in-memory read', async () => {
    const file = sharedData('actigraphy', 'actilife_gt3xplus', 'GT3XPlus-RawData-Day01.csv');
    const a = await readActiLifeCsvFile(file, { streamThresholdBytes: 0 });
    const b = await readActiLifeCsvFile(file);
    expect(a.series.values.length).toBe(8999);
    expect(Array.from(a.series.values)).toEqual(Array.from(b.series.values));
  });

  it('line numbers in errors are the same when streaming', async () => {
    const n: number[] = [];
    await forEachLineOfFile(
      sharedData('actigraphy', 'actiwatch_awd', 'example_sstlog.csv'),
      (_l, i) => n.push(i),
      { streamThresholdBytes: 0 },
    );
    expect(n).toEqual([1, 2, 3, 4]);
  });
});
