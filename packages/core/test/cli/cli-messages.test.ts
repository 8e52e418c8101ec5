// What a new user meets first: one clear line for a wrong argument or the wrong kind of file, and a
// readable import report for a device file.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCliCaptured } from '../support/run-cli.ts';
import { describe, expect, it } from 'vitest';
import { argumentError } from '../../src/cli/main.ts';
import { sharedData } from '../support/shared-data.ts';

const cli = (...argv: string[]) => runCliCaptured(argv);

describe('clarity: messages', () => {
  it('reports an unknown option on one line that points at --help', async () => {
    const r = await cli('summary', '--bogus', 'x');
    expect(r.code).toBe(2);
    expect(r.err).toBe("clarity summary: Unknown option '--bogus'; see clarity summary --help\n");
    expect(argumentError('Option --x <value> argument missing')).toBe('Option --x <value> argument missing');
  });

  it('says a directory is a directory, and a missing file is missing', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'clarity-cli-'));
    const d = await cli('summary', dir);
    expect(d.code).toBe(2);
    expect(d.err).toBe(`clarity summary: cannot read ${dir}: it is a directory; give one file\n`);
    const m = await cli('summary', path.join(dir, 'nothere.AWD'));
    expect(m.err).toContain('no such file');
  });

  it('points an Apple export and a Fitbit table at the commands that read them', async () => {
    const apple = sharedData('apple_health', 'tdda_export6s3sample.xml');
    const a = await cli('summary', apple);
    expect(a.code).toBe(2);
    expect(a.err).toBe(
      `clarity summary: tdda_export6s3sample.xml is an Apple Health export, not one recording: use clarity import ${apple}\n`,
    );
    const minute = sharedData('fitbit_fitabase', 'minuteStepsWide_merged.csv');
    const f = await cli('sleep', minute);
    expect(f.code).toBe(2);
    expect(f.err).toContain(`clarity circadian ${minute} --user ID analyses one`);
    const hourly = await cli('score', sharedData('fitbit_fitabase', 'hourlySteps_merged.csv'));
    expect(hourly.err).toContain('hourly steps table: use clarity import');
  });

  it('prints a device-file import as a key/value block and a table, not as JSON after a file name', async () => {
    const r = await cli('import', sharedData('actigraphy', 'actiwatch_awd', 'example_01.AWD'));
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toBe('example_01.AWD');
    expect(r.out).toMatch(/^ {2}epochs +18401$/m);
    expect(r.out).toMatch(/^awd\.activity_counts +activity_counts +Actiwatch/m);
    expect(r.out).not.toContain('{');
    const json = await cli('import', sharedData('actigraphy', 'actiwatch_awd', 'example_01.AWD'), '--json');
    expect(JSON.parse(json.out)).toMatchObject({ format: 'awd', epochs: 18401 });
  });
});
