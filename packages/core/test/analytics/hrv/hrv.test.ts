import { createReadStream, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { hrvTimeDomain, segmentClock, segmentPyhrv } from '../../../src/analytics/hrv/index.ts';
import { ClarityError } from '../../../src/errors.ts';
import { parseNnIntervals, readNnIntervals } from '../../../src/readers/nn-intervals.ts';
import { sharedData } from '../../support/shared-data.ts';

const longSeries = () =>
  parseNnIntervals(readFileSync(sharedData('hrv', 'pyhrv_SampleNNISeriesLong.txt'), 'utf8'));

/** pyHRV's text report: `Label (unit)   ; value` lines of the Time Domain / Nonlinear sections. */
function parsePyhrvReport(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(.+?)\s*;\s*(-?\d+(?:\.\d+)?)\s*$/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) out.set(m[1].trim(), Number(m[2]));
  }
  return out;
}

describe('hrvTimeDomain on pyHRV SampleNNISeriesLong vs pyHRV SampleReport', () => {
  const report = parsePyhrvReport(readFileSync(sharedData('hrv', 'pyhrv_SampleReport.txt'), 'utf8'));
  const ref = (label: string): number => {
    const v = report.get(label);
    if (v === undefined) throw new Error(`report has no "${label}"`);
    return v;
  };
  const ours = hrvTimeDomain(longSeries(), { segmentation: 'pyhrv' });

  it('agrees within 1e-3 where the definitions agree', () => {
    // The report prints 3 decimals, so |ours - report| <= 5e-4 + float noise; 1e-3 is the bound.
    const rows: [string, number, number][] = [
      ['Number of NNIs (-)', ours.n, ref('Number of NNIs (-)')],
      ['Mean NNI (ms)', ours.meanNN, ref('Mean NNI (ms)')],
      ['Mean Heart Rate (bpm)', ours.meanHR, ref('Mean Heart Rate (bpm)')],
      ['SDNN (ms)', ours.sdnn, ref('SDNN (ms)')],
      ['RMSSD (ms)', ours.rmssd, ref('RMSSD (ms)')],
      ['NN50 (-)', ours.nn50, ref('NN50 (-)')],
      ['pNN50 (%)', ours.pnn50, ref('pNN50 (%)')],
      ['SDANN (ms)', ours.sdann, ref('SDANN (ms)')],
      ['SDNN Index (ms)', ours.sdnnIndex, ref('SDNN Index (ms)')],
    ];
    console.log(
      [
        'metric | ours | pyHRV report',
        ...rows.map(([k, a, b]) => `${k} | ${a.toFixed(4)} | ${b.toFixed(3)}`),
      ].join('\n'),
    );
    for (const [k, a, b] of rows) expect(Math.abs(a - b), k).toBeLessThanOrEqual(1e-3);
  });

  it("shows that pyHRV's SDSD is SD(|dNN|), not SD(dNN)", () => {
    const pyhrvSdsd = ref('SDSD (ms)');
    // Ours (signed differences, ddof 1) is close to RMSSD, as it must be when mean(dNN) is near 0 ...
    expect(ours.sdsd).toBeCloseTo(60.53, 2);
    expect(Math.abs(ours.sdsd - ours.rmssd)).toBeLessThan(0.01);
    // ... while pyHRV's 43.391 is the SD of the absolute differences, which we reproduce separately.
    expect(Math.abs(ours.sdsd - pyhrvSdsd)).toBeGreaterThan(17);
    expect(Math.abs(ours.sdsdPyhrv - pyhrvSdsd)).toBeLessThanOrEqual(1e-3);
  });

  it('Poincare SD1/SD2 follow hrv-analysis (ddof 1); pyHRV differs in the second decimal', () => {
    const sd1 = ref('SD1 (ms)');
    const sd2 = ref('SD2 (ms)');
    expect(ours.sd1).toBeCloseTo(Math.sqrt(0.5) * ours.sdsd, 10);
    expect(ours.sd2 ** 2).toBeCloseTo(2 * ours.sdnn ** 2 - 0.5 * ours.sdsd ** 2, 6);
    expect(Math.abs(ours.sd1 - sd1)).toBeLessThan(0.01);
    expect(Math.abs(ours.sd2 - sd2)).toBeLessThan(0.05);
  });

  it('clock segmentation (default) gives the absolute 300-s bin values', () => {
    const clock = hrvTimeDomain(longSeries());
    expect(clock.provenance.parameters.segmentation).toBe('clock');
    expect(clock.segments).toBe(12);
    expect(clock.sdann).toBeCloseTo(21.397, 3);
    expect(clock.sdnnIndex).toBeCloseTo(82.619, 3);
  });
});

describe('hrvTimeDomain on hrv-analysis test_nn_intervals', () => {
  it('gives SDNN 43.113 and RMSSD 19.519 (values from the issue)', async () => {
    const nn = await readNnIntervals(
      createReadStream(sharedData('hrv', 'hrvanalysis_test_nn_intervals.txt')),
    );
    expect(nn.length).toBe(1000);
    const r = hrvTimeDomain(nn);
    expect(r.sdnn).toBeCloseTo(43.113, 3);
    expect(r.rmssd).toBeCloseTo(19.519, 3);
  });
});

describe('hrvTimeDomain on small hand-checked input', () => {
  it('computes every field of a 5-interval series', () => {
    // NN 800 900 850 950 1000: dNN = 100 -50 100 50; |dNN|>50: 2 of 4.
    const r = hrvTimeDomain([800, 900, 850, 950, 1000]);
    expect(r.meanNN).toBe(900);
    expect(r.sdnn).toBeCloseTo(Math.sqrt(25000 / 4), 12); // squares of deviations: 10000+0+2500+2500+10000
    expect(r.rmssd).toBeCloseTo(Math.sqrt((10000 + 2500 + 10000 + 2500) / 4), 12);
    expect(r.nn50).toBe(2);
    expect(r.pnn50).toBe(50);
    // dNN mean 50; deviations 50 -100 50 0 -> SS 15000 / 3
    expect(r.sdsd).toBeCloseTo(Math.sqrt(5000), 12);
    expect(r.meanHR).toBeCloseTo(
      (60000 / 800 + 60000 / 900 + 60000 / 850 + 60000 / 950 + 60000 / 1000) / 5,
      12,
    );
    expect(Number.isNaN(r.sdann)).toBe(true); // 4.5 s of data: no 5-min segment
  });

  it('segments: pyHRV greedy drops the overflowing interval into the next segment', () => {
    // 1-s segments: 400+500 (+300 would overflow 1000 -> next), 300+600 (+200 overflows), 200+800, tail 900
    const nn = [400, 500, 300, 600, 200, 800, 900];
    expect(segmentPyhrv(nn, 1).map((s) => Array.from(s))).toEqual([
      [400, 500],
      [300, 600],
      [200, 800],
      [900],
    ]);
    // clock: beat end times 0.4 0.9 1.2 1.8 2.0 2.8 3.7 -> bins 0,0,1,1,2,2,3 (tail 3.0-3.7 s kept: >= half)
    expect(segmentClock(nn, 1).map((s) => Array.from(s))).toEqual([
      [400, 500],
      [300, 600],
      [200, 800],
      [900],
    ]);
    expect(segmentClock([400, 500, 300, 600, 200, 800, 300], 1).length).toBe(3); // tail of 0.1 s dropped
  });

  it('rejects non-positive intervals and too-short input', () => {
    expect(() => hrvTimeDomain([800, 0, 900])).toThrow(ClarityError);
    expect(() => hrvTimeDomain([800])).toThrow(/at least 2/);
  });

  it('keeps SDNN and RMSSD apart at the type level', () => {
    const r = hrvTimeDomain([800, 900, 850]);
    // @ts-expect-error an RMSSD value is not an SDNN value
    const wrong: typeof r.sdnn = r.rmssd;
    expect(typeof wrong).toBe('number');
  });
});

describe('parseNnIntervals', () => {
  it('accepts blank lines, comments, CRLF and decimals', () => {
    expect(Array.from(parseNnIntervals('# header\r\n800\r\n\r\n  812.5 \n# x\n790'))).toEqual([
      800, 812.5, 790,
    ]);
  });

  it('names the offending line', () => {
    try {
      parseNnIntervals('800\n810\nabc\n');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ClarityError);
      expect((e as ClarityError).code).toBe('parse_error');
      expect((e as ClarityError).message).toMatch(/line 3/);
      expect((e as ClarityError).details?.[0]?.line).toBe(3);
    }
    expect(() => parseNnIntervals('800\n-5\n')).toThrow(/line 2/);
    expect(() => parseNnIntervals('800 810\n')).toThrow(/line 1/);
  });

  it('streaming reader matches and splits lines across chunks', async () => {
    const chunks = Readable.from(['80', new TextEncoder().encode('0\n81'), '0\n# c\n820'], {
      objectMode: true,
    });
    expect(Array.from(await readNnIntervals(chunks))).toEqual([800, 810, 820]);
    await expect(readNnIntervals(Readable.from(['800\nx\n']))).rejects.toThrow(/line 2/);
  });
});
