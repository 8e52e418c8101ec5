/**
 * Short recordings (issue 15): under 2 days of data, IS, IV and RA are not computed (one day gives IS = 1 by
 * construction and RA is one day's contrast), and the result, the provenance and `clarity circadian` say so
 * instead of printing IS 1.000 / RA 1.000. All three tests fail on e8ccc72 (IS 1.000,
 * RA 1.000 on one day).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { circadianMetrics } from '../../../src/analytics/circadian/index.ts';
import { createEpochSeries } from '../../../src/contracts/epoch-series.ts';
import { runCli } from '../../../src/cli/main.ts';
import { sharedData } from '../../support/shared-data.ts';

/** Minutes of a clean rest-activity day: 0 from 23:00 to 07:00, 400 otherwise. */
function days(n: number) {
  const values = new Float64Array(n * 1440);
  for (let i = 0; i < values.length; i++) {
    const h = Math.floor((i % 1440) / 60);
    values[i] = h >= 23 || h < 7 ? 0 : 400;
  }
  return createEpochSeries({
    start: '2026-01-05T00:00:00',
    epochSeconds: 60,
    values,
    quantity: 'counts',
    source: { format: 'test' },
  });
}

const dir = mkdtempSync(path.join(tmpdir(), 'clarity-short-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[]) {
  let out = '';
  const code = await runCli(argv, { stdout: (t) => (out += t), stderr: () => {}, stderrIsTTY: false });
  return { code, out };
}

describe('short recordings', () => {
  it('one day: no IS, IV or RA, and the reason in the result and its provenance', () => {
    const r = circadianMetrics(days(1));
    expect(r.IS).toBeNaN();
    expect(r.IV).toBeNaN();
    expect(r.RA).toBeNaN();
    expect(r.insufficient).toMatch(/1\.00 days of data; IS, IV and RA need at least 2/);
    expect(r.provenance.parameters).toMatchObject({ minDays: 2, insufficient: r.insufficient });
    // L5 and M10 describe the average day, which one day has.
    expect(r.L5).toBe(0);
    expect(r.M10).toBe(400);
  });

  it('two days and more: computed, no reason', () => {
    const r = circadianMetrics(days(2));
    expect(r.IS).toBeCloseTo(1, 12);
    expect(r.RA).toBeCloseTo(1, 12);
    expect(r.insufficient).toBeUndefined();
    for (const convention of ['ggir', 'pyactigraphy'] as const) {
      expect(circadianMetrics(days(1), { convention }).IS, convention).toBeNaN();
    }
  });

  it('clarity circadian on the first day of example_01.AWD says it is too short (text and JSON)', async () => {
    const lines = readFileSync(sharedData('actigraphy', 'actiwatch_awd', 'example_01.AWD'), 'utf8').split(
      /\r?\n/,
    );
    const file = path.join(dir, 'one-day.AWD');
    // 7 header lines, then one line per 1-min epoch: the first 24 h.
    writeFileSync(file, lines.slice(0, 7 + 1440).join('\n') + '\n');
    const text = await run(['circadian', file, '--nonwear', 'none']);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(
      /too short: the recording has 1\.00 days of data; IS, IV and RA need at least 2/,
    );
    expect(text.out).toMatch(/IS \(interdaily stability\)\s+n\/a/);
    expect(text.out).toMatch(/RA \(relative amplitude\)\s+n\/a/);
    expect(text.out).not.toMatch(/1\.000/);
    const json = await run(['circadian', file, '--nonwear', 'none', '--json']);
    const j = JSON.parse(json.out) as Record<string, unknown>;
    expect(j).toMatchObject({ IS: null, IV: null, RA: null });
    expect(j.insufficient).toMatch(/need at least 2/);
  });
});
