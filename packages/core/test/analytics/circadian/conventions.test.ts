/**
 * `clarity circadian FILE --convention ggir|pyactigraphy --nonwear none --json` on each real Actiwatch
 * recording against IS/IV computed here, independently of the core (own AWD parsing, own arithmetic), from
 * each tool's published definition:
 *
 * GGIR `R/g.IVIS.R` (wadpac/GGIR 388064b), with epochSize = 60, no threshold:
 *   hourly = mean of the epochs whose (i-1)*60 s falls in [3600 h, 3600 (h+1)), h from the recording start;
 *   Xh = mean of hourly[h] over h = k mod 24; Xm = mean(Xh); N = #hourly;
 *   IS = sum((Xh - Xm)^2) N / (24 sum((hourly - Xm)^2)); IV = sum(diff(hourly)^2) N / ((N - 1) sum((hourly - Xm)^2)).
 * pyActigraphy `IS()`/`IV()` (ghammad/pyActigraphy e9e5e64), freq '1H', binarize (x > 4 -> 1) or not:
 *   bins = sums of 60 epochs from the first epoch (last one partial); IS = var1(mean by clock of bin start) /
 *   var1(bins); IV = mean(diff(bins)^2) / var1(bins), var1 = sample variance.
 * Agreement is required to 1e-4 (the bar); it is exact to rounding.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/main.ts';
import { sharedData } from '../../support/shared-data.ts';

async function circadian(
  args: string[],
): Promise<{ IS: number; IV: number; params: Record<string, unknown> }> {
  let out = '';
  let err = '';
  const code = await runCli(['circadian', ...args, '--json'], {
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    stderrIsTTY: false,
  });
  expect(code, err).toBe(0);
  return JSON.parse(out) as { IS: number; IV: number; params: Record<string, unknown> };
}

/** The AWD file as the tools read it: 7 header lines (start time on line 3), then one count per line. */
function readAwd(file: string): { startMinute: number; counts: number[] } {
  const lines = readFileSync(file, 'latin1').split(/\r?\n/);
  const [hh, mm] = (lines[2] ?? '').trim().split(':').map(Number) as [number, number];
  const counts: number[] = [];
  for (const line of lines.slice(7)) {
    const t = line.trim();
    if (t === '') continue;
    counts.push(Number(t.split(/[\s,]+/)[0]));
  }
  return { startMinute: hh * 60 + mm, counts };
}

const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
const var1 = (a: number[]) => {
  const m = mean(a);
  return a.reduce((s, v) => s + (v - m) ** 2, 0) / (a.length - 1);
};

function ggirReference(counts: number[]): { IS: number; IV: number } {
  const groups: number[][] = [];
  counts.forEach((v, i) => (groups[Math.floor((i * 60) / 3600)] ??= []).push(v));
  const hourly = groups.map(mean);
  const byHour: number[][] = Array.from({ length: 24 }, () => []);
  hourly.forEach((v, k) => byHour[k % 24]!.push(v));
  const Xh = byHour.filter((g) => g.length > 0).map(mean);
  const Xm = mean(Xh);
  const N = hourly.length;
  const ss = hourly.reduce((s, v) => s + (v - Xm) ** 2, 0);
  const between = Xh.reduce((s, v) => s + (v - Xm) ** 2, 0);
  let d2 = 0;
  for (let k = 1; k < N; k++) d2 += (hourly[k]! - hourly[k - 1]!) ** 2;
  return { IS: (between * N) / (24 * ss), IV: (d2 * N) / ((N - 1) * ss) };
}

function pyActigraphyReference(
  counts: number[],
  startMinute: number,
  threshold: number | null,
): { IS: number; IV: number } {
  const x = threshold === null ? counts : counts.map((v) => (v > threshold ? 1 : 0));
  const bins: number[] = [];
  x.forEach((v, i) => (bins[Math.floor(i / 60)] = (bins[Math.floor(i / 60)] ?? 0) + v));
  const byClock = new Map<number, number[]>();
  bins.forEach((v, k) => {
    const clock = (startMinute + 60 * k) % 1440;
    byClock.set(clock, [...(byClock.get(clock) ?? []), v]);
  });
  const profile = [...byClock.values()].map(mean);
  const diffs: number[] = [];
  for (let k = 1; k < bins.length; k++) diffs.push((bins[k]! - bins[k - 1]!) ** 2);
  return { IS: var1(profile) / var1(bins), IV: mean(diffs) / var1(bins) };
}

const files = [1, 2, 3, 4, 5].map((n) => `example_0${n}.AWD`);

describe('circadian conventions on the real Actiwatch recordings', () => {
  for (const name of files) {
    const file = sharedData('actigraphy', 'actiwatch_awd', name);
    it(`${name}: --convention ggir reproduces GGIR g.IVIS`, async () => {
      const { counts } = readAwd(file);
      const ref = ggirReference(counts);
      const got = await circadian([file, '--convention', 'ggir', '--nonwear', 'none']);
      expect(Math.abs(got.IS - ref.IS)).toBeLessThan(1e-4);
      expect(Math.abs(got.IV - ref.IV)).toBeLessThan(1e-4);
      expect(got.IS).toBeCloseTo(ref.IS, 10);
      expect(got.IV).toBeCloseTo(ref.IV, 10);
      expect(got.params).toMatchObject({ convention: 'ggir', nonWear: 'none' });
    });
    it(`${name}: --convention pyactigraphy reproduces pyActigraphy IS()/IV(), binarised (default) and raw`, async () => {
      const { counts, startMinute } = readAwd(file);
      for (const [args, threshold] of [
        [[], 4],
        [['--binarize', 'none'], null],
      ] as const) {
        const ref = pyActigraphyReference(counts, startMinute, threshold);
        const got = await circadian([file, '--convention', 'pyactigraphy', '--nonwear', 'none', ...args]);
        expect(Math.abs(got.IS - ref.IS), `IS ${threshold}`).toBeLessThan(1e-4);
        expect(Math.abs(got.IV - ref.IV), `IV ${threshold}`).toBeLessThan(1e-4);
        expect(got.IS).toBeCloseTo(ref.IS, 10);
        expect(got.IV).toBeCloseTo(ref.IV, 10);
      }
    });
  }

  it("example_01.AWD: the values pyActigraphy's own documentation prints for this file", async () => {
    // docs/source/pyActigraphy-Non-parametric-variables.ipynb @ e9e5e64: raw = read_raw_awd('example_01.AWD').
    const file = sharedData('actigraphy', 'actiwatch_awd', 'example_01.AWD');
    const cases: [string[], number, number][] = [
      [[], 0.527656245354158, 0.32913524895082263], // raw.IS(), raw.IV()
      [['--bin', '30'], 0.49538299172546324, 0.314973337080311], // freq='30min'
      [['--binarize', '10'], 0.5418567121727559, 0.33654319292100576], // threshold=10
      [['--binarize', 'none'], 0.46561431150973936, 0.7095292983583361], // binarize=False
    ];
    for (const [args, IS, IV] of cases) {
      const got = await circadian([file, '--convention', 'pyactigraphy', '--nonwear', 'none', ...args]);
      expect(got.IS, args.join(' ')).toBeCloseTo(IS, 12);
      expect(got.IV, args.join(' ')).toBeCloseTo(IV, 12);
    }
  });

  it('the three conventions really differ on the same data (they are definitions, not tolerances)', async () => {
    const file = sharedData('actigraphy', 'actiwatch_awd', 'example_01.AWD');
    const [clarity, ggir, py] = await Promise.all(
      ['clarity', 'ggir', 'pyactigraphy'].map((c) =>
        circadian([file, '--convention', c, '--nonwear', 'none', '--binarize', 'none']),
      ),
    );
    expect(Math.abs(clarity!.IS - ggir!.IS)).toBeGreaterThan(1e-4);
    expect(Math.abs(clarity!.IV - py!.IV)).toBeGreaterThan(1e-4);
  });
});
