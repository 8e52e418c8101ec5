import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { circadianMetrics } from '../../src/analytics/circadian/index.ts';
import { runCli } from '../../src/cli/main.ts';
import { parseAwd } from '../../src/readers/awd.ts';
import { sharedData } from '../support/shared-data.ts';

async function run(argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(argv, {
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    stderrIsTTY: false,
  });
  return { code, out, err };
}

const awdFile = sharedData('actigraphy', 'actiwatch_awd', 'example_01.AWD');

describe('clarity circadian', () => {
  it('--json prints exactly the documented keys', async () => {
    const { code, out } = await run(['circadian', awdFile, '--json']);
    expect(code).toBe(0);
    const j = JSON.parse(out) as Record<string, unknown> & {
      cosinor: Record<string, number>;
      params: Record<string, unknown>;
    };
    expect(Object.keys(j)).toEqual([
      'IS',
      'IV',
      'L5',
      'M10',
      'RA',
      'L5Start',
      'M10Start',
      'cosinor',
      'params',
    ]);
    expect(Object.keys(j.cosinor)).toEqual(['mesor', 'amplitude', 'acrophase', 'acrotime', 'r2']);
    expect(j.params).toMatchObject({
      binMinutes: 60,
      binarizeThreshold: null,
      nonWear: 'choi-2011',
      format: 'awd',
    });
    expect(j.L5Start).toMatch(/^\d{2}:\d{2}$/);
  });

  it('--bin, --binarize and --nonwear none reach the analysis', async () => {
    const { out } = await run([
      'circadian',
      awdFile,
      '--json',
      '--bin',
      '30',
      '--binarize',
      '4',
      '--nonwear',
      'none',
    ]);
    const j = JSON.parse(out) as { IS: number; IV: number; params: Record<string, unknown> };
    const direct = circadianMetrics(parseAwd(readFileSync(awdFile, 'latin1')).series, {
      binMinutes: 30,
      binarizeThreshold: 4,
    });
    expect(j.IS).toBeCloseTo(direct.IS, 12);
    expect(j.IV).toBeCloseTo(direct.IV, 12);
    expect(j.params).toMatchObject({ binMinutes: 30, binarizeThreshold: 4, nonWear: 'none' });
  });

  it('reads a Fitbit minute file for one --user, steps without non-wear masking', async () => {
    const file = sharedData('fitbit_fitabase', 'minuteStepsWide_merged.csv');
    const { code, out } = await run(['circadian', file, '--user', '1503960366', '--json']);
    expect(code).toBe(0);
    expect((JSON.parse(out) as { params: Record<string, unknown> }).params).toMatchObject({
      nonWear: 'none',
      format: 'fitbit-minuteStepsWide',
    });
    const noUser = await run(['circadian', file]);
    expect(noUser.code).toBe(2);
    expect(noUser.err).toMatch(/33 Fitbit users.*--user/);
  });

  it('prints a readable report by default, help on --help, one-line errors', async () => {
    const text = await run(['circadian', awdFile]);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/IS \(interdaily stability\)\s+0\.\d{3}/);
    expect(text.out).toMatch(/Choi|choi-2011/);
    const help = await run(['circadian', '--help']);
    expect(help.out).toMatch(/^Usage: clarity circadian FILE/);
    const nn = await run(['circadian', sharedData('hrv', 'hrvanalysis_test_nn_intervals.txt')]);
    expect(nn.code).toBe(2);
    expect(nn.err).toMatch(/NN intervals/);
    const badBin = await run(['circadian', awdFile, '--bin', '7']);
    expect(badBin.code).toBe(2);
    expect(badBin.err.trim().split('\n')).toHaveLength(1);
  });
});
