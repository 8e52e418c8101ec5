import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
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

describe('clarity hrv', () => {
  const file = sharedData('hrv', 'pyhrv_SampleNNISeriesLong.txt');

  it('--json prints exactly the documented keys', async () => {
    const { code, out } = await run(['hrv', file, '--json']);
    expect(code).toBe(0);
    const j = JSON.parse(out) as Record<string, number>;
    expect(Object.keys(j)).toEqual([
      'n',
      'meanNN',
      'sdnn',
      'rmssd',
      'sdsd',
      'nn50',
      'pnn50',
      'sdann',
      'sdnnIndex',
      'sd1',
      'sd2',
      'meanHR',
    ]);
    expect(j.n).toBe(4684);
    expect(j.sdnn).toBeCloseTo(85.357, 3);
    expect(j.sdann).toBeCloseTo(21.397, 3); // clock segments by default
  });

  it('--segmentation pyhrv reproduces pyHRV SDANN', async () => {
    const { out } = await run(['hrv', file, '--json', '--segmentation', 'pyhrv']);
    expect((JSON.parse(out) as Record<string, number>).sdann).toBeCloseTo(21.466, 3);
  });

  it('prints a human-readable table by default and help on --help', async () => {
    const text = await run(['hrv', file]);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/RMSSD \(ms\)\s+60\.523/);
    expect(text.out).toMatch(/SDSD as pyHRV.*43\.391/);
    const help = await run(['hrv', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^Usage: clarity hrv FILE/);
  });

  it('exits 2 with one line for a missing file, a bad option value or a malformed file', async () => {
    const missing = await run(['hrv', '/nonexistent/nn.txt']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/no such file/);
    const bad = await run(['hrv', file, '--segmentation', 'weekly']);
    expect(bad.code).toBe(2);
    const malformed = await run(['hrv', sharedData('hrv', 'pyhrv_SampleReport.txt')]);
    expect(malformed.code).toBe(2);
    expect(malformed.err).toMatch(/line 10:/); // lines 1-7 are '#' comments, 8-9 blank, 10 is a rule;
    expect(malformed.err.trim().split('\n')).toHaveLength(1);
  });
});
