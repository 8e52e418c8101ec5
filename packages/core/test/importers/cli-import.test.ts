import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCliCaptured } from '../support/run-cli.ts';
import { describe, expect, it } from 'vitest';
import type { ImportSummary } from '../../src/importers/apple-health/index.ts';
import { sharedData } from '../support/shared-data.ts';
import { makeZip } from '../support/apple-health.ts';

const cli = (args: string[], tty = false) => runCliCaptured(args, tty);

const tmp = mkdtempSync(path.join(tmpdir(), 'clarity-import-'));

describe('clarity import', () => {
  it('--json prints the import summary of a real export.xml', async () => {
    const { code, out, err } = await cli([
      'import',
      sharedData('apple_health', 'tdda_export6s3sample.xml'),
      '--json',
    ]);
    expect(err).toBe('');
    expect(code).toBe(0);
    const s = JSON.parse(out) as ImportSummary;
    expect(s.records).toBe(15);
    expect(s.byType.HKQuantityTypeIdentifierStepCount).toEqual({
      accepted: 10,
      duplicate: 0,
      rejected: 0,
      unsupported: 0,
    });
    expect(s.workouts).toBe(1);
    expect(s.activitySummaries).toBe(2);
    expect(s.bytesRead).toBe(7002);
  });

  it('reads an export.zip and prints a table by type', async () => {
    const zip = path.join(tmp, 'export.zip');
    writeFileSync(
      zip,
      makeZip([
        {
          name: 'apple_health_export/export.xml',
          data: readFileSync(sharedData('apple_health', 'dogsheep_tests_export.xml')),
        },
      ]),
    );
    const { code, out } = await cli(['import', zip]);
    expect(code).toBe(0);
    expect(out).toMatch(/^export\.zip \(apple_health_zip\): ingested, 2 records/);
    expect(out).toMatch(/HKQuantityTypeIdentifierBodyMassIndex\s+1\s+0\s+0\s+0/);
    expect(out).toMatch(/HKQuantityTypeIdentifierHeartRate\s+1\s+0\s+0\s+0/);
  });

  it('a truncated export prints what was kept and exits 2 with the reason', async () => {
    const xml = readFileSync(sharedData('apple_health', 'tdda_export6s3sample.xml'));
    const file = path.join(tmp, 'truncated.xml');
    writeFileSync(file, xml.subarray(0, 5000));
    const { code, out, err } = await cli(['import', file, '--json']);
    expect(code).toBe(2);
    expect((JSON.parse(out) as ImportSummary).status).toBe('partial');
    expect(err).toMatch(
      /^clarity import: truncated\.xml: partial \(\d+ records read before the error\): malformed XML/,
    );
  });

  it('an empty file, a zip without export.xml and an unknown format are clear errors', async () => {
    const empty = path.join(tmp, 'empty.xml');
    writeFileSync(empty, '');
    expect(await cli(['import', empty])).toMatchObject({
      code: 2,
      err: 'clarity import: empty.xml: the file is empty\n',
    });
    const zip = path.join(tmp, 'other.zip');
    writeFileSync(zip, makeZip([{ name: 'notes.txt', data: 'hello' }]));
    const z = await cli(['import', zip]);
    expect(z.code).toBe(2);
    expect(z.err).toMatch(/holds no apple_health_export\/export\.xml/);
    const odd = path.join(tmp, 'photo.bin');
    writeFileSync(odd, Buffer.from('GIF89a not health data\nmore\n'));
    const u = await cli(['import', odd]);
    expect(u.code).toBe(2);
    expect(u.err).toMatch(/unsupported format/);
  });

  it('dispatches device files to their readers (AWD, Fitbit daily steps)', async () => {
    const awd = await cli(['import', sharedData('actigraphy', 'actiwatch_awd', 'example_01.AWD'), '--json']);
    expect(awd.code).toBe(0);
    expect(JSON.parse(awd.out)).toMatchObject({ format: 'awd', epochSeconds: 60 });
    const fitbit = await cli(['import', sharedData('fitbit_fitabase', 'dailySteps_merged.csv'), '--json']);
    expect(fitbit.code).toBe(0);
    expect(JSON.parse(fitbit.out)).toMatchObject({ format: 'fitbit_daily_steps', users: 33 });
  });

  it('shows a progress bar on a terminal for big files, never otherwise', async () => {
    const { generateAppleExport } = await import('../../bench/generate-apple-export.ts');
    const big = path.join(tmp, 'big.xml');
    writeFileSync(big, [...generateAppleExport({ targetBytes: 9e6, seed: 5 })].join(''));
    const tty = await cli(['import', big, '--json'], true);
    expect(tty.code).toBe(0);
    expect(tty.err).toMatch(/\rbig\.xml \[#+\.*\]\s+\d+%/);
    expect(tty.err).toMatch(/100%.*records\n$/);
    const pipe = await cli(['import', big, '--json'], false);
    expect(pipe.err).toBe('');
    expect(JSON.parse(pipe.out)).toEqual(JSON.parse(tty.out));
  });
});
