import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseActiLifeCsv, readActiLifeCsvFile } from '../../src/readers/actilife-csv.ts';
import { readAgdFile, ticksToMs } from '../../src/readers/agd.ts';
import { detectFormat, loadDeviceFile } from '../../src/readers/load.ts';
import { resampleEpochs } from '../../src/analytics/preprocess/resample.ts';
import { sharedData } from '../support/shared-data.ts';

const gt3x = (f: string) => sharedData('actigraphy', 'actilife_gt3xplus', f);

describe('ActiLife CSV reader on the GT3X+ exports', () => {
  it('reads the 60-s export: 1500 epochs from 2012-06-27T10:54 (Z = local device time)', async () => {
    const r = await readActiLifeCsvFile(gt3x('GT3XPlus-RawData-Day01-10sec60sec.csv'));
    expect(r.layout).toBe('timestamp-column');
    expect(r.series.epochSeconds).toBe(60);
    expect(r.series.values.length).toBe(1500);
    expect(r.series.start).toBe('2012-06-27T10:54:00');
    expect(Array.from(r.series.values.subarray(0, 3))).toEqual([1465, 207, 169]);
  });

  it('reads ActiLife Date/Time exports and picks the vector magnitude on request', async () => {
    const r = await readActiLifeCsvFile(gt3x('GT3XPlus-RawData-Day01-ColeKripke.csv'));
    expect(r.layout).toBe('date-time-columns');
    expect(r.series.values.length).toBe(1500);
    expect(r.series.start).toBe('2012-06-27T10:54:00');
    const vm = await readActiLifeCsvFile(gt3x('GT3XPlus-RawData-Day01-ColeKripke.csv'), { axis: 'vm' });
    expect(vm.series.values[0]).toBe(3460);
    const vmComputed = await readActiLifeCsvFile(gt3x('GT3XPlus-RawData-Day01-10sec60sec.csv'), {
      axis: 'vm',
    });
    expect(vmComputed.series.values[0]).toBeCloseTo(Math.hypot(1465, 1791, 2572), 9);
  });

  it('ActiSleep+ day: 10-s CSV summed to 60 s equals its 60-s CSV (1440 epochs)', async () => {
    const ten = (await readActiLifeCsvFile(gt3x('ActiSleepPlus-RawData-Day01.csv'))).series;
    const sixty = (await readActiLifeCsvFile(gt3x('ActiSleepPlus-RawData-Day01-10sec60sec.csv'))).series;
    expect(sixty.values.length).toBe(1440);
    expect(Array.from(resampleEpochs(ten, 60).series.values)).toEqual(Array.from(sixty.values));
  });

  it('10-s CSV summed to 60 s equals the 60-s CSV on every epoch, axis 1 and 3', async () => {
    for (const axis of ['axis1', 'axis3'] as const) {
      const ten = (await readActiLifeCsvFile(gt3x('GT3XPlus-RawData-Day01.csv'), { axis })).series;
      expect(ten.epochSeconds).toBe(10);
      expect(ten.values.length).toBe(8999);
      const sixty = (await readActiLifeCsvFile(gt3x('GT3XPlus-RawData-Day01-10sec60sec.csv'), { axis }))
        .series;
      const summed = resampleEpochs(ten, 60).series;
      expect(summed.start).toBe(sixty.start);
      expect(summed.values.length).toBe(1500);
      expect(Array.from(summed.values)).toEqual(Array.from(sixty.values));
    }
  });

  it('parses the ActiLife header-block layout, with and without column names', () => {
    const head = [
      '------------ Data File Created By ActiGraph GT3X+ ActiLife v6.13.3 Firmware v2.5.0 date format d/M/yyyy at 30 Hz  Filter Normal -----------',
      'Serial Number: NEO1',
      'Start Time 23:59:00',
      'Start Date 31/12/2012',
      'Epoch Period (hh:mm:ss) 00:01:00',
      'Download Time 10:00:00',
      'Download Date 1/1/2013',
      'Current Memory Address: 0',
      'Current Battery Voltage: 4.2     Mode = 61',
      '--------------------------------------------------',
    ].join('\r\n');
    const bare = parseActiLifeCsv(`${head}\r\n5,1,1,0,0\r\n7,2,2,0,0\r\n`);
    expect(bare.layout).toBe('actilife-header');
    expect(bare.serial).toBe('NEO1');
    expect(bare.series.start).toBe('2012-12-31T23:59:00');
    expect(Array.from(bare.series.values)).toEqual([5, 7]);
    const named = parseActiLifeCsv(`${head}\r\nAxis1,Axis2,Axis3\r\n5,1,1\r\n,2,2\r\n`, { axis: 'axis2' });
    expect(Array.from(named.series.values)).toEqual([1, 2]);
    const gap = parseActiLifeCsv(`${head}\r\nAxis1,Axis2,Axis3\r\n5,1,1\r\n,2,2\r\n`);
    expect(gap.series.missing[1]).toBe(1);
  });

  it('fills gaps between timestamps with missing epochs and rejects bad rows with their line', () => {
    const r = parseActiLifeCsv(
      'timestamp,axis1\n2020-01-01T00:00:00,1\n2020-01-01T00:01:00,2\n2020-01-01T00:04:00,3\n',
    );
    expect(Array.from(r.series.values)).toEqual([1, 2, NaN, NaN, 3]);
    expect(Array.from(r.series.missing)).toEqual([0, 0, 1, 1, 0]);
    expect(() => parseActiLifeCsv('timestamp,axis1\n2020-01-01T00:00:00,1\n2020-01-01T00:01:00,x\n')).toThrow(
      'ActiLife CSV line 3: axis1 is not a number',
    );
    expect(() => parseActiLifeCsv('timestamp,axis1\n2020-01-01T00:01:00,1\n2020-01-01T00:00:00,1\n')).toThrow(
      /line 3: timestamp does not increase/,
    );
    expect(() =>
      parseActiLifeCsv(
        'timestamp,axis1\n2020-01-01T00:00:00,1\n2020-01-01T00:01:00,1\n2020-01-01T00:01:30,1\n',
      ),
    ).toThrow(/line 4: timestamp is not on the 60-s epoch grid/);
    expect(() => parseActiLifeCsv('')).toThrow(/empty file/);
    expect(() => parseActiLifeCsv('timestamp,axis2\n2020-01-01T00:00:00,1\n')).toThrow(/no axis1 column/);
    expect(() =>
      parseActiLifeCsv('------------ Data File Created By ActiGraph GT3X+\nSerial Number: 1\n'),
    ).toThrow(/header block is truncated/);
  });
});

describe('AGD reader', () => {
  it('reads the .agd (10-s epochs, .NET ticks of local time); summed to 60 s it equals the 60-s CSV', async () => {
    const agd = await readAgdFile(gt3x('GT3XPlus-RawData-Day01.agd'));
    expect(agd.settings.epochlength).toBe('10');
    expect(agd.series.epochSeconds).toBe(10);
    expect(agd.series.values.length).toBe(8999);
    expect(agd.series.start).toBe('2012-06-27T10:54:00');
    const ten = (await readActiLifeCsvFile(gt3x('GT3XPlus-RawData-Day01.csv'))).series;
    expect(Array.from(agd.series.values)).toEqual(Array.from(ten.values));
    const sixty = (await readActiLifeCsvFile(gt3x('GT3XPlus-RawData-Day01-10sec60sec.csv'))).series;
    expect(Array.from(resampleEpochs(agd.series, 60).series.values)).toEqual(Array.from(sixty.values));
  });

  it('converts ticks exactly and rejects files that are not SQLite', async () => {
    expect(new Date(ticksToMs(634763912400000000n)).toISOString()).toBe('2012-06-27T10:54:00.000Z');
    const dir = mkdtempSync(path.join(tmpdir(), 'clarity-agd-'));
    const bogus = path.join(dir, 'x.agd');
    writeFileSync(
      bogus,
      'not a database at all, just text that is long enough to not be a header\n'.repeat(20),
    );
    await expect(readAgdFile(bogus)).rejects.toThrow(/AGD file: not a readable SQLite database/);
  });
});

describe('format detection', () => {
  it('detects each format by extension or content', async () => {
    expect(await detectFormat(sharedData('actigraphy', 'actiwatch_awd', 'example_02.AWD'))).toBe('awd');
    expect(await detectFormat(gt3x('GT3XPlus-RawData-Day01.agd'))).toBe('agd');
    expect(await detectFormat(gt3x('GT3XPlus-RawData-Day01.csv'))).toBe('actilife-csv');
    expect(await detectFormat(sharedData('hrv', 'hrvanalysis_test_nn_intervals.txt'))).toBe('nn-intervals');
    const loaded = await loadDeviceFile(gt3x('GT3XPlus-RawData-Day01-10sec60sec.csv'));
    expect(loaded.kind === 'epochs' && loaded.series.values.length).toBe(1500);
    const dir = mkdtempSync(path.join(tmpdir(), 'clarity-detect-'));
    writeFileSync(path.join(dir, 'empty.dat'), '');
    await expect(detectFormat(path.join(dir, 'empty.dat'))).rejects.toThrow(/empty file/);
    writeFileSync(path.join(dir, 'x.dat'), 'hello world\n');
    await expect(detectFormat(path.join(dir, 'x.dat'))).rejects.toThrow(/unrecognised file type/);
    await expect(detectFormat(path.join(dir, 'nope.dat'))).rejects.toThrow(/cannot open nope.dat/);
  });
});
