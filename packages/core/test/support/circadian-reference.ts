/**
 * Independent, deliberately plain reimplementations used only as cross-checks in tests: the textbook IS / IV
 * straight from Witting (1990), and pyActigraphy's variants (sample variances: IS = var(profile, ddof=1) /
 * var(x, ddof=1), IV = mean(diff^2) / var(x, ddof=1)), on bins without gaps or with NaN bins dropped.
 */
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const mean = (xs: number[]) => sum(xs) / xs.length;

export function naiveIsIv(
  epochs: number[],
  epochsPerBin: number,
  binsPerDay: number,
  options: { binsAlready?: boolean } = {},
): { IS: number; IV: number; N: number; ISpyActigraphy: number; IVpyActigraphy: number } {
  const bins: number[] = [];
  if (options.binsAlready === true) bins.push(...epochs);
  else
    for (let i = 0; i + epochsPerBin <= epochs.length; i += epochsPerBin)
      bins.push(sum(epochs.slice(i, i + epochsPerBin)));
  const idx = bins.map((_, i) => i).filter((i) => !Number.isNaN(bins[i]));
  const x = idx.map((i) => bins[i] as number);
  const N = x.length;
  const xbar = mean(x);
  const hourly: number[] = [];
  for (let h = 0; h < binsPerDay; h++) {
    const members = idx.filter((i) => i % binsPerDay === h).map((i) => bins[i] as number);
    if (members.length > 0) hourly.push(mean(members));
  }
  const p = hourly.length;
  const ssTotal = sum(x.map((v) => (v - xbar) ** 2));
  const IS = (N * sum(hourly.map((m) => (m - xbar) ** 2))) / (p * ssTotal);
  const diffs: number[] = [];
  for (let i = 1; i < bins.length; i++) {
    const a = bins[i] as number;
    const b = bins[i - 1] as number;
    if (!Number.isNaN(a) && !Number.isNaN(b)) diffs.push((a - b) ** 2);
  }
  const IV = (N * sum(diffs)) / (diffs.length * ssTotal);
  const varSample = ssTotal / (N - 1);
  const profileMean = mean(hourly);
  const ISpyActigraphy = sum(hourly.map((m) => (m - profileMean) ** 2)) / (p - 1) / varSample;
  const IVpyActigraphy = mean(diffs) / varSample;
  return { IS, IV, N, ISpyActigraphy, IVpyActigraphy };
}

/**
 * Brute-force L5 / M10: average day by minute of day (NaN epochs skipped), then every window start from
 * 00:00 with indexes taken modulo the day, O(slots * window).
 */
export function naiveLmx(
  epochs: number[],
  startMinuteOfDay: number,
): { L5: number; M10: number; L5StartMinute: number; M10StartMinute: number } {
  const sum = new Array<number>(1440).fill(0);
  const count = new Array<number>(1440).fill(0);
  epochs.forEach((v, i) => {
    if (Number.isNaN(v)) return;
    const k = (startMinuteOfDay + i) % 1440;
    sum[k] = (sum[k] as number) + v;
    count[k] = (count[k] as number) + 1;
  });
  const profile = sum.map((s, k) => s / (count[k] as number));
  const windowMean = (start: number, len: number) => {
    const vals: number[] = [];
    for (let k = start; k < start + len; k++) {
      const v = profile[k % 1440] as number;
      if (!Number.isNaN(v)) vals.push(v);
    }
    return mean(vals);
  };
  let L5 = Infinity;
  let M10 = -Infinity;
  let L5StartMinute = 0;
  let M10StartMinute = 0;
  for (let s = 0; s < 1440; s++) {
    const l = windowMean(s, 300);
    const m = windowMean(s, 600);
    if (l < L5 - 1e-12) [L5, L5StartMinute] = [l, s];
    if (m > M10 + 1e-12) [M10, M10StartMinute] = [m, s];
  }
  return { L5, M10, L5StartMinute, M10StartMinute };
}
