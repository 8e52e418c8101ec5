/**
 * Physical-activity summary of an epoch series: daily totals, minutes per intensity class by documented
 * cut-points, and MVPA bouts.
 *
 * Cut-points are per 60-s epoch. Series with another epoch length are classified with thresholds scaled by
 * epochSeconds / 60 (the usual proportional rescaling, e.g. Freedson 1952 counts/min -> 976 counts/30 s), and
 * minutes are epochs * epochSeconds / 60. Missing epochs (NaN, or non-wear masked upstream) are in no class:
 * they count toward neither sedentary time nor totals, and they end a bout.
 *
 * Bouts (Troiano et al. 2008 style): a bout starts and ends with an MVPA epoch, no run of non-MVPA epochs
 * inside it is longer than `toleranceMinutes` (default 2), and it spans at least `minMinutes` (default 10),
 * interruptions included; bout minutes are the whole span.
 */
import { invalidField } from '../../errors.ts';
import type { EpochSeries } from '../../contracts/epoch-series.ts';
import { coverageOf, type Provenance } from '../../contracts/provenance.ts';
import { localIsoToMs, msToLocalIso } from '../../readers/local-time.ts';

/** Lower bounds (inclusive) of each class, per 60-s epoch; below `light` is sedentary. */
export interface CutPoints {
  name: string;
  /** What the thresholds apply to. */
  quantity: 'counts' | 'steps';
  reference: string;
  light: number;
  moderate: number;
  vigorous: number;
}

/** Freedson, Melanson & Sirard 1998, adults, ActiGraph vertical-axis counts per minute. */
export const FREEDSON_1998_ADULT: CutPoints = {
  name: 'freedson-1998-adult',
  quantity: 'counts',
  reference:
    'Freedson PS, Melanson E, Sirard J. Med Sci Sports Exerc 1998;30:777-781 (ActiGraph axis 1, counts/min)',
  light: 100,
  moderate: 1952,
  vigorous: 5725,
};

/** Troiano et al. 2008 (NHANES), adults, ActiGraph counts per minute. */
export const TROIANO_2008_ADULT: CutPoints = {
  name: 'troiano-2008-adult',
  quantity: 'counts',
  reference: 'Troiano RP et al. Med Sci Sports Exerc 2008;40:181-188 (ActiGraph axis 1, counts/min)',
  light: 100,
  moderate: 2020,
  vigorous: 5999,
};

/**
 * Cadence cut-points (Tudor-Locke et al. 2018, adults): >= 100 steps/min moderate, >= 130 vigorous.
 * "Sedentary" here means no stepping (0 steps/min): a step counter cannot see sitting vs standing still.
 */
export const TUDOR_LOCKE_2018_CADENCE: CutPoints = {
  name: 'tudor-locke-2018-cadence',
  quantity: 'steps',
  reference: 'Tudor-Locke C et al. Br J Sports Med 2018;52:776-788 (steps/min)',
  light: 1,
  moderate: 100,
  vigorous: 130,
};

export interface BoutRule {
  minMinutes: number;
  toleranceMinutes: number;
}

export interface ActivityOptions {
  /** Default: Freedson 1998 adult for counts, Tudor-Locke 2018 cadence for steps. */
  cutPoints?: CutPoints;
  bouts?: Partial<BoutRule>;
  /** A day counts as valid with at least this many minutes of data. Default 600 (10 h, Troiano 2008). */
  minValidMinutes?: number;
}

export interface IntensityMinutes {
  sedentary: number;
  light: number;
  moderate: number;
  vigorous: number;
  /** moderate + vigorous */
  mvpa: number;
}

export interface ActivityDay extends IntensityMinutes {
  /** Local calendar date `YYYY-MM-DD`. */
  date: string;
  /** Sum of the epoch values of the day (steps for step series, counts otherwise), missing epochs excluded. */
  total: number;
  /** Minutes with data in this day. */
  validMinutes: number;
  /** Minutes of the day the recording spans (1440, less on the first and last day). */
  spannedMinutes: number;
  valid: boolean;
  /** Minutes in MVPA bouts that start this day. */
  mvpaBoutMinutes: number;
}

export interface ActivityBout {
  /** Local start of the first MVPA epoch of the bout. */
  start: string;
  startIndex: number;
  /** One past the last epoch. */
  endIndex: number;
  minutes: number;
}

export interface ActivitySummary {
  quantity: EpochSeries['quantity'];
  cutPoints: CutPoints;
  /** Thresholds actually applied per epoch after scaling to the series' epoch length. */
  appliedThresholds: { light: number; moderate: number; vigorous: number };
  boutRule: BoutRule;
  totals: IntensityMinutes & {
    total: number;
    validMinutes: number;
    validDays: number;
    mvpaBoutMinutes: number;
  };
  /** Mean of the daily totals over valid days (daily steps for step series); NaN without valid days. */
  meanDailyTotal: number;
  days: ActivityDay[];
  bouts: ActivityBout[];
  provenance: Provenance;
}

const SEDENTARY = 0;
const LIGHT = 1;
const MODERATE = 2;
const VIGOROUS = 3;
const MISSING = 255;

/** Intensity class per epoch (MISSING for missing epochs). */
export function classifyEpochs(series: EpochSeries, cutPoints: CutPoints): Uint8Array {
  const scale = series.epochSeconds / 60;
  const light = cutPoints.light * scale;
  const moderate = cutPoints.moderate * scale;
  const vigorous = cutPoints.vigorous * scale;
  const out = new Uint8Array(series.values.length);
  for (let i = 0; i < out.length; i++) {
    const v = series.values[i] as number;
    if (series.missing[i] === 1 || Number.isNaN(v)) out[i] = MISSING;
    else out[i] = v >= vigorous ? VIGOROUS : v >= moderate ? MODERATE : v >= light ? LIGHT : SEDENTARY;
  }
  return out;
}

/** MVPA bouts by the rule in the module comment. */
export function findMvpaBouts(
  classes: Uint8Array,
  epochSeconds: number,
  rule: BoutRule,
): { startIndex: number; endIndex: number }[] {
  const minEpochs = Math.ceil((rule.minMinutes * 60) / epochSeconds);
  const tolerance = Math.floor((rule.toleranceMinutes * 60) / epochSeconds);
  const bouts: { startIndex: number; endIndex: number }[] = [];
  const isMvpa = (c: number | undefined) => c === MODERATE || c === VIGOROUS;
  let i = 0;
  while (i < classes.length) {
    if (!isMvpa(classes[i])) {
      i++;
      continue;
    }
    const start = i;
    let lastMvpa = i;
    let j = i + 1;
    while (j < classes.length) {
      const c = classes[j];
      if (isMvpa(c)) lastMvpa = j;
      else if (c === MISSING || j - lastMvpa > tolerance) break;
      j++;
    }
    const end = lastMvpa + 1;
    if (end - start >= minEpochs) bouts.push({ startIndex: start, endIndex: end });
    i = Math.max(end, j);
  }
  return bouts;
}

export function activitySummary(series: EpochSeries, options: ActivityOptions = {}): ActivitySummary {
  const cutPoints =
    options.cutPoints ?? (series.quantity === 'steps' ? TUDOR_LOCKE_2018_CADENCE : FREEDSON_1998_ADULT);
  if (series.quantity !== 'steps' && series.quantity !== 'counts') {
    throw invalidField(`activity summary needs a counts or steps series, got ${series.quantity}`, 'quantity');
  }
  if (cutPoints.quantity !== series.quantity) {
    throw invalidField(
      `cut-points ${cutPoints.name} are for ${cutPoints.quantity}, the series holds ${series.quantity}`,
      'cutPoints',
    );
  }
  if (!(cutPoints.light <= cutPoints.moderate && cutPoints.moderate <= cutPoints.vigorous)) {
    throw invalidField('cut-points must satisfy light <= moderate <= vigorous', 'cutPoints');
  }
  const boutRule: BoutRule = {
    minMinutes: options.bouts?.minMinutes ?? 10,
    toleranceMinutes: options.bouts?.toleranceMinutes ?? 2,
  };
  if (!(boutRule.minMinutes > 0) || !(boutRule.toleranceMinutes >= 0))
    throw invalidField('bout minutes must be positive', 'bouts');
  const minValidMinutes = options.minValidMinutes ?? 600;
  const es = series.epochSeconds;
  if (!(es > 0) || 86400 % es !== 0)
    throw invalidField(`epoch of ${es} s does not divide a day`, 'epochSeconds');
  const minutesPerEpoch = es / 60;
  const classes = classifyEpochs(series, cutPoints);

  const startMs = localIsoToMs(series.start);
  const dayIndexOf = (i: number) => Math.floor((startMs + i * es * 1000) / 86_400_000);
  const firstDay = dayIndexOf(0);
  const nDays = series.values.length === 0 ? 0 : dayIndexOf(series.values.length - 1) - firstDay + 1;
  const days: ActivityDay[] = Array.from({ length: nDays }, (_, d) => ({
    date: msToLocalIso((firstDay + d) * 86_400_000).slice(0, 10),
    total: 0,
    validMinutes: 0,
    spannedMinutes: 0,
    valid: false,
    sedentary: 0,
    light: 0,
    moderate: 0,
    vigorous: 0,
    mvpa: 0,
    mvpaBoutMinutes: 0,
  }));
  const keys = ['sedentary', 'light', 'moderate', 'vigorous'] as const;
  for (let i = 0; i < classes.length; i++) {
    const day = days[dayIndexOf(i) - firstDay] as ActivityDay;
    day.spannedMinutes += minutesPerEpoch;
    const c = classes[i] as number;
    if (c === MISSING) continue;
    day.validMinutes += minutesPerEpoch;
    day.total += series.values[i] as number;
    day[keys[c] as (typeof keys)[number]] += minutesPerEpoch;
  }
  const bouts: ActivityBout[] = findMvpaBouts(classes, es, boutRule).map((b) => ({
    ...b,
    start: msToLocalIso(startMs + b.startIndex * es * 1000),
    minutes: (b.endIndex - b.startIndex) * minutesPerEpoch,
  }));
  for (const b of bouts)
    (days[dayIndexOf(b.startIndex) - firstDay] as ActivityDay).mvpaBoutMinutes += b.minutes;

  const totals = {
    sedentary: 0,
    light: 0,
    moderate: 0,
    vigorous: 0,
    mvpa: 0,
    total: 0,
    validMinutes: 0,
    validDays: 0,
    mvpaBoutMinutes: 0,
  };
  let validTotal = 0;
  for (const d of days) {
    d.mvpa = d.moderate + d.vigorous;
    d.valid = d.validMinutes >= minValidMinutes;
    for (const k of keys) totals[k] += d[k];
    totals.mvpa += d.mvpa;
    totals.total += d.total;
    totals.validMinutes += d.validMinutes;
    totals.mvpaBoutMinutes += d.mvpaBoutMinutes;
    if (d.valid) {
      totals.validDays++;
      validTotal += d.total;
    }
  }
  const scale = es / 60;
  return {
    quantity: series.quantity,
    cutPoints,
    appliedThresholds: {
      light: cutPoints.light * scale,
      moderate: cutPoints.moderate * scale,
      vigorous: cutPoints.vigorous * scale,
    },
    boutRule,
    totals,
    meanDailyTotal: totals.validDays === 0 ? Number.NaN : validTotal / totals.validDays,
    days,
    bouts,
    provenance: {
      algorithm: 'activity-summary',
      variant: cutPoints.name,
      parameters: { cutPoints, boutRule, minValidMinutes, thresholdScaling: 'epochSeconds/60' },
      epochSeconds: es,
      coverage: coverageOf(classes.length, Math.round(totals.validMinutes / minutesPerEpoch)),
    },
  };
}
