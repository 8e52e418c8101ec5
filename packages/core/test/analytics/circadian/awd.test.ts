import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { circadianMetrics } from '../../../src/analytics/circadian/index.ts';
import { choiNonWear } from '../../../src/analytics/preprocess/nonwear.ts';
import { maskEpochs } from '../../../src/analytics/preprocess/outliers.ts';
import { createEpochSeries } from '../../../src/contracts/epoch-series.ts';
import { parseAwd } from '../../../src/readers/awd.ts';
import { sharedData } from '../../support/shared-data.ts';
import { naiveIsIv, naiveLmx } from '../../support/circadian-reference.ts';

const awd = parseAwd(readFileSync(sharedData('actigraphy', 'actiwatch_awd', 'example_01.AWD'), 'latin1'));
const series = awd.series;
const startMinute = Number(series.start.slice(11, 13)) * 60 + Number(series.start.slice(14, 16));
const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

describe('circadian variables of the real Actiwatch recording example_01.AWD', () => {
  const raw = circadianMetrics(series);
  const masked = circadianMetrics(maskEpochs(series, choiNonWear(series).mask));

  it('prints its figures', () => {
    const show = (label: string, r: typeof raw) =>
      `${label}: IS ${r.IS.toFixed(4)} IV ${r.IV.toFixed(4)} L5 ${r.L5.toFixed(2)} (${r.L5Start}) M10 ${r.M10.toFixed(2)} (${r.M10Start}) RA ${r.RA.toFixed(4)} ` +
      `cosinor mesor ${r.cosinor.mesor.toFixed(2)} amp ${r.cosinor.amplitude.toFixed(2)} acrotime ${r.cosinor.acrotime.toFixed(3)} h R2 ${r.cosinor.r2.toFixed(4)}; bins ${r.bins.valid}/${r.bins.total}`;
    console.log(
      `example_01.AWD ${series.start}, ${series.values.length} x ${series.epochSeconds}-s epochs\n${show('whole recording', raw)}\n${show('Choi non-wear masked', masked)}`,
    );
    expect(series.epochSeconds).toBe(60);
    expect(raw.bins.total).toBe(Math.ceil(series.values.length / 60));
  });

  it('IS / IV equal an independent straightforward implementation (whole recording)', () => {
    const ref = naiveIsIv(Array.from(series.values), 60, 24);
    expect(raw.bins.valid).toBe(ref.N); // the 41-min trailing bin is missing under the 10 % rule, as naive drops it
    expect(raw.IS).toBeCloseTo(ref.IS, 12);
    expect(raw.IV).toBeCloseTo(ref.IV, 12);
  });

  it('on whole days, converts exactly to pyActigraphy definitions: IS_py = IS (N-1)/(p-1) p/N, IV_py = IV (N-1)/N', () => {
    const days = Math.floor(series.values.length / 1440);
    const whole = createEpochSeries({
      ...series,
      values: series.values.slice(0, days * 1440),
      missing: series.missing.slice(0, days * 1440),
    });
    for (const binarizeThreshold of [undefined, 4]) {
      const r = circadianMetrics(whole, binarizeThreshold === undefined ? {} : { binarizeThreshold });
      const epochs = Array.from(whole.values, (v) =>
        binarizeThreshold === undefined ? v : v > binarizeThreshold ? 1 : 0,
      );
      const ref = naiveIsIv(epochs, 60, 24);
      const N = r.bins.valid;
      expect(N).toBe(days * 24);
      expect(r.IS * ((N - 1) / 23) * (24 / N)).toBeCloseTo(ref.ISpyActigraphy, 12);
      expect(r.IV * ((N - 1) / N)).toBeCloseTo(ref.IVpyActigraphy, 12);
    }
  });

  it('L5 / M10 / RA equal a brute-force search over the average day', () => {
    const ref = naiveLmx(Array.from(series.values), startMinute);
    expect(raw.L5).toBeCloseTo(ref.L5, 9);
    expect(raw.M10).toBeCloseTo(ref.M10, 9);
    expect(minutes(raw.L5Start)).toBe(ref.L5StartMinute);
    expect(minutes(raw.M10Start)).toBe(ref.M10StartMinute);
    expect(raw.RA).toBeCloseTo((ref.M10 - ref.L5) / (ref.M10 + ref.L5), 12);
    const refMasked = naiveLmx(Array.from(maskEpochs(series, choiNonWear(series).mask).values), startMinute);
    expect(masked.L5).toBeCloseTo(refMasked.L5, 9);
    expect(masked.M10).toBeCloseTo(refMasked.M10, 9);
  });

  it('masking the off-wrist tail raises IS and lowers nothing to zero', () => {
    // The recording ends with days of zeros (device off the wrist); left in, they read as "no activity".
    expect(masked.bins.valid).toBeLessThan(raw.bins.valid);
    expect(masked.IS).toBeGreaterThan(raw.IS);
    expect(masked.provenance.coverage.valid).toBeLessThan(raw.provenance.coverage.valid);
    expect(masked.L5).toBeGreaterThan(raw.L5);
  });
});
