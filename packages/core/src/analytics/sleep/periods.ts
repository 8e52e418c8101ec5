import { ClarityError } from '../../errors.ts';
import { coverageOf, type Provenance } from '../../contracts/provenance.ts';
import { epochTime, localIsoToMs } from '../../readers/local-time.ts';
import type { SleepScoring } from './scoring.ts';

/**
 * Tudor-Locke et al. 2014 sleep periods as ActiLife 6 detects them (actigraph.sleepr's reading of the
 * ActiLife manual, checked against ActiLife's own export):
 * - bedtime = first minute of >= `bedtimeStartMinutes` (5) consecutive sleep minutes;
 * - wake time = first minute of >= `wakeTimeEndMinutes` (10) consecutive wake minutes after sleep;
 * - shorter sleep/wake runs belong to the period around them;
 * - a period counts if `minSleepMinutes` (160) <= length <= `maxSleepMinutes` (1440) and it has at least
 *   `minNonzeroEpochs` (0) epochs with counts > 0;
 * - ActiLife drops a period that ends where the data ends (`dropPeriodAtEnd`, default true).
 *
 * Metrics per period (minutes): TST = sleep epochs; WASO = duration - TST; efficiency = 100 TST / duration;
 * latency = 0 (onset = in-bed by construction); awakenings = wake runs inside the period; average awakening
 * = WASO / awakenings; movement index = 100 * epochs with count > 0 / duration; fragmentation index =
 * 100 * 1-min sleep runs / sleep runs; sleep fragmentation index = MI + FI.
 *
 * Missing epochs are treated as wake with no counts (they can end a period, never extend sleep); each period
 * reports how many it contains.
 */

export interface TudorLockeOptions {
  bedtimeStartMinutes?: number;
  wakeTimeEndMinutes?: number;
  minSleepMinutes?: number;
  maxSleepMinutes?: number;
  minNonzeroEpochs?: number;
  dropPeriodAtEnd?: boolean;
}

export interface SleepPeriod {
  inBed: string;
  outBed: string;
  onset: string;
  startIndex: number;
  endIndex: number;
  durationMinutes: number;
  latencyMinutes: number;
  totalSleepMinutes: number;
  wasoMinutes: number;
  efficiency: number;
  awakenings: number;
  averageAwakeningMinutes: number;
  totalCounts: number;
  nonzeroEpochs: number;
  movementIndex: number;
  fragmentationIndex: number;
  sleepFragmentationIndex: number;
  missingEpochs: number;
}

export interface SleepPeriodsResult {
  periods: SleepPeriod[];
  provenance: Provenance;
}

interface Run {
  start: number;
  len: number;
  sleep: boolean;
  nonzero: number;
  counts: number;
  missing: number;
}

export function tudorLocke(scoring: SleepScoring, options: TudorLockeOptions = {}): SleepPeriodsResult {
  const bedtimeStartMinutes = options.bedtimeStartMinutes ?? 5;
  const wakeTimeEndMinutes = options.wakeTimeEndMinutes ?? 10;
  const minSleepMinutes = options.minSleepMinutes ?? 160;
  const maxSleepMinutes = options.maxSleepMinutes ?? 1440;
  const minNonzeroEpochs = options.minNonzeroEpochs ?? 0;
  const dropPeriodAtEnd = options.dropPeriodAtEnd ?? true;
  if (scoring.epochSeconds !== 60)
    throw new ClarityError('invalid_input', `Tudor-Locke needs 60-s epochs, not ${scoring.epochSeconds}-s`);
  const { sleep, missing, counts } = scoring;
  const n = sleep.length;

  // Round 1: runs of identical state.
  const runs: Run[] = [];
  for (let i = 0; i < n; i++) {
    const s = !missing[i] && sleep[i] === 1;
    const c = missing[i] ? 0 : counts[i]!;
    const last = runs[runs.length - 1];
    if (last && last.sleep === s) {
      last.len++;
      last.counts += c;
      if (c > 0) last.nonzero++;
      if (missing[i]) last.missing++;
    } else
      runs.push({
        start: i,
        len: 1,
        sleep: s,
        nonzero: c > 0 ? 1 : 0,
        counts: c,
        missing: missing[i] ? 1 : 0,
      });
  }
  // Short runs take the state of the run before them (leading short runs = wake).
  const merged: { state: boolean; runs: Run[] }[] = [];
  let prev = false;
  for (let k = 0; k < runs.length; k++) {
    const r = runs[k]!;
    const short = r.sleep ? r.len < bedtimeStartMinutes : r.len < wakeTimeEndMinutes;
    const state: boolean = short ? (k === 0 ? false : prev) : r.sleep;
    prev = state;
    const g = merged[merged.length - 1];
    if (g && g.state === state) g.runs.push(r);
    else merged.push({ state, runs: [r] });
  }

  const periods: SleepPeriod[] = [];
  for (const g of merged) {
    if (!g.state) continue;
    const first = g.runs[0]!;
    const lastRun = g.runs[g.runs.length - 1]!;
    const startIndex = first.start;
    const endIndex = lastRun.start + lastRun.len;
    const duration = endIndex - startIndex;
    if (duration < minSleepMinutes || duration > maxSleepMinutes) continue;
    if (dropPeriodAtEnd && endIndex === n) continue;
    let tst = 0;
    let awakenings = 0;
    let dozings = 0;
    let dozings1 = 0;
    let nonzero = 0;
    let total = 0;
    let miss = 0;
    for (const r of g.runs) {
      nonzero += r.nonzero;
      total += r.counts;
      miss += r.missing;
      if (r.sleep) {
        tst += r.len;
        dozings++;
        if (r.len === 1) dozings1++;
      } else awakenings++;
    }
    if (nonzero < minNonzeroEpochs) continue;
    const waso = duration - tst;
    const mi = (100 * nonzero) / duration;
    const fi = dozings > 0 ? (100 * dozings1) / dozings : 0;
    const inBed = epochTime(scoring.start, 60, startIndex);
    periods.push({
      inBed,
      outBed: epochTime(scoring.start, 60, endIndex),
      onset: inBed,
      startIndex,
      endIndex,
      durationMinutes: duration,
      latencyMinutes: 0,
      totalSleepMinutes: tst,
      wasoMinutes: waso,
      efficiency: (100 * tst) / duration,
      awakenings,
      averageAwakeningMinutes: awakenings > 0 ? waso / awakenings : 0,
      totalCounts: total,
      nonzeroEpochs: nonzero,
      movementIndex: mi,
      fragmentationIndex: fi,
      sleepFragmentationIndex: mi + fi,
      missingEpochs: miss,
    });
  }
  let valid = 0;
  for (let i = 0; i < n; i++) if (!missing[i]) valid++;
  return {
    periods,
    provenance: {
      algorithm: 'tudor-locke-2014',
      variant: 'actilife',
      parameters: {
        bedtimeStartMinutes,
        wakeTimeEndMinutes,
        minSleepMinutes,
        maxSleepMinutes,
        minNonzeroEpochs,
        dropPeriodAtEnd,
        scoredBy: scoring.provenance.algorithm,
        missingEpochs: 'wake with no counts',
      },
      epochSeconds: 60,
      coverage: coverageOf(n, valid),
    },
  };
}

// ---------------------------------------------------------------- window metrics

export interface WindowMetrics {
  inBed: string;
  outBed: string;
  timeInBedMinutes: number;
  /** First sleep epoch in the window, or null when none. */
  onset: string | null;
  /** Start of the epoch after the last sleep epoch, or null. */
  finalWake: string | null;
  solMinutes: number | null;
  totalSleepMinutes: number;
  wasoMinutes: number;
  efficiency: number;
  awakenings: number;
  missingMinutes: number;
  provenance: Provenance;
}

/**
 * Sleep metrics over a given in-bed window [inBed, outBed) - e.g. from a diary - "consensus diary style":
 * onset = first sleep epoch; SOL = minutes from in-bed to onset; TST = sleep epochs in the window;
 * WASO = wake epochs between the first and the last sleep epoch (final wake before out-bed is not WASO);
 * awakenings = wake runs between first and last sleep epoch; SE = 100 * TST / time in bed.
 * Missing epochs count as neither sleep nor wake and are reported; time in bed includes them.
 * The window is clipped to the scored data.
 */
export function windowMetrics(scoring: SleepScoring, inBed: string, outBed: string): WindowMetrics {
  const es = scoring.epochSeconds;
  const t0 = localIsoToMs(scoring.start);
  const from = Math.max(0, Math.ceil((localIsoToMs(inBed) - t0) / (es * 1000)));
  const to = Math.min(scoring.sleep.length, Math.ceil((localIsoToMs(outBed) - t0) / (es * 1000)));
  if (!(to > from))
    throw new ClarityError('invalid_argument', 'the in-bed window is empty or outside the recording');
  const perMin = es / 60;
  let first = -1;
  let last = -1;
  let tst = 0;
  let missingEpochs = 0;
  for (let i = from; i < to; i++) {
    if (scoring.missing[i]) {
      missingEpochs++;
      continue;
    }
    if (scoring.sleep[i] === 1) {
      tst++;
      if (first < 0) first = i;
      last = i;
    }
  }
  let waso = 0;
  let awakenings = 0;
  for (let i = first; first >= 0 && i <= last; i++) {
    if (scoring.missing[i] || scoring.sleep[i] === 1) continue;
    waso++;
    if (i === first || scoring.sleep[i - 1] === 1 || scoring.missing[i - 1]) awakenings++;
  }
  const tib = to - from;
  return {
    inBed: epochTime(scoring.start, es, from),
    outBed: epochTime(scoring.start, es, to),
    timeInBedMinutes: tib * perMin,
    onset: first >= 0 ? epochTime(scoring.start, es, first) : null,
    finalWake: last >= 0 ? epochTime(scoring.start, es, last + 1) : null,
    solMinutes: first >= 0 ? (first - from) * perMin : null,
    totalSleepMinutes: tst * perMin,
    wasoMinutes: waso * perMin,
    efficiency: (100 * tst) / tib,
    awakenings,
    missingMinutes: missingEpochs * perMin,
    provenance: {
      algorithm: 'sleep-window-metrics',
      variant: 'consensus-diary',
      parameters: {
        onset: 'first sleep epoch',
        sol: 'in-bed to onset',
        waso: 'wake between first and last sleep epoch',
        se: '100*TST/TIB',
        scoredBy: scoring.provenance.algorithm,
      },
      epochSeconds: es,
      coverage: coverageOf(tib, tib - missingEpochs),
    },
  };
}

// ---------------------------------------------------------------- midpoint and regularity

export interface SleepMidpoint {
  /** Minutes after local midnight, [0, 1440). null when there is no sleep. */
  minutes: number | null;
  clock: string | null;
  /** Mean resultant length (0-1): how concentrated sleep is around the midpoint. */
  concentration: number;
  provenance: Provenance;
}

/**
 * Sleep midpoint as the circular mean of the clock times of all sleep epochs (pyActigraphy `smp`):
 * 1440 / 2pi * atan2(sum sin theta, sum cos theta), theta = 2pi * minutes since midnight / 1440, taking each
 * epoch at its start time. Missing epochs are left out.
 */
export function sleepMidpoint(scoring: SleepScoring): SleepMidpoint {
  const t0 = localIsoToMs(scoring.start);
  let s = 0;
  let c = 0;
  let k = 0;
  let valid = 0;
  const n = scoring.sleep.length;
  for (let i = 0; i < n; i++) {
    if (scoring.missing[i]) continue;
    valid++;
    if (scoring.sleep[i] !== 1) continue;
    const minutes =
      ((((t0 + i * scoring.epochSeconds * 1000) % 86_400_000) + 86_400_000) % 86_400_000) / 60_000;
    const th = (2 * Math.PI * minutes) / 1440;
    s += Math.sin(th);
    c += Math.cos(th);
    k++;
  }
  const provenance: Provenance = {
    algorithm: 'sleep-midpoint',
    variant: 'circular-mean',
    parameters: { epochTime: 'epoch start' },
    epochSeconds: scoring.epochSeconds,
    coverage: coverageOf(n, valid),
  };
  if (k === 0) return { minutes: null, clock: null, concentration: 0, provenance };
  let m = ((Math.atan2(s, c) * 1440) / (2 * Math.PI) + 1440) % 1440;
  if (m >= 1440) m = 0;
  const hh = Math.floor(m / 60);
  const mm = Math.floor(m % 60);
  return {
    minutes: m,
    clock: `${String(hh).padStart(2, '0')}:${String(mm).padStart(2, '0')}`,
    concentration: Math.hypot(s, c) / k,
    provenance,
  };
}

export interface SleepRegularity {
  /** -100..100; null when no epoch pair 24 h apart is available. */
  sri: number | null;
  pairs: number;
  provenance: Provenance;
}

/**
 * Sleep Regularity Index (Phillips et al. 2017): -100 + 200 * (share of epoch pairs exactly 24 h apart with the
 * same sleep/wake state). With M epochs per day and N complete days this is the published
 * -100 + 200 / (M (N - 1)) * sum delta; here every pair (i, i + M) inside the recording is used and pairs
 * with a missing epoch are skipped (coverage = pairs used / pairs possible).
 */
export function sleepRegularityIndex(scoring: SleepScoring): SleepRegularity {
  const m = 86_400 / scoring.epochSeconds;
  if (!Number.isInteger(m))
    throw new ClarityError(
      'invalid_input',
      `a day is not a whole number of ${scoring.epochSeconds}-s epochs`,
    );
  const n = scoring.sleep.length;
  const possible = Math.max(0, n - m);
  let pairs = 0;
  let same = 0;
  for (let i = 0; i + m < n; i++) {
    if (scoring.missing[i] || scoring.missing[i + m]) continue;
    pairs++;
    if (scoring.sleep[i] === scoring.sleep[i + m]) same++;
  }
  return {
    sri: pairs === 0 ? null : -100 + (200 * same) / pairs,
    pairs,
    provenance: {
      algorithm: 'sleep-regularity-index',
      variant: 'phillips-2017',
      parameters: {
        lag: '24 h',
        pairs: 'all epochs i, i+24h; pairs with a missing epoch skipped',
        scoredBy: scoring.provenance.algorithm,
      },
      epochSeconds: scoring.epochSeconds,
      coverage: coverageOf(possible, pairs),
    },
  };
}
