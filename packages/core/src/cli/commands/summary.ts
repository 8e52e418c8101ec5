import path from 'node:path';
import type { EpochSeries } from '../../contracts/epoch-series.ts';
import { activitySummary, type ActivitySummary } from '../../analytics/activity/index.ts';
import { circadianMetrics, type CircadianResult } from '../../analytics/circadian/index.ts';
import { hrvTimeDomain, type HrvResult } from '../../analytics/hrv/index.ts';
import { choiNonWear, type NonWearResult } from '../../analytics/preprocess/nonwear.ts';
import { maskEpochs, removeOutliers } from '../../analytics/preprocess/outliers.ts';
import { toMinuteEpochs } from '../../analytics/preprocess/resample.ts';
import {
  sleepMidpoint,
  sleepRegularityIndex,
  tudorLocke,
  type SleepMidpoint,
  type SleepPeriodsResult,
  type SleepRegularity,
} from '../../analytics/sleep/periods.ts';
import {
  coleKripke,
  oakley,
  sadeh,
  scripps,
  scoredEpochCounts,
  type SleepScoring,
} from '../../analytics/sleep/scoring.ts';
import type { Provenance } from '../../contracts/provenance.ts';
import { epochTime } from '../../readers/local-time.ts';
import { parseNnIntervals } from '../../readers/nn-intervals.ts';
import type { CliCommand } from '../command.ts';
import { fmt, keyValues, shortTime, toJson } from '../format.ts';
import { axisOption, loadForCli, requireFile } from '../input.ts';
import { periodTable } from './sleep.ts';

const help = `Usage: clarity summary FILE [--json] [--axis AXIS]

Everything that applies to the file.
- Actigraphy (.AWD, .agd, ActiLife .csv): epoch info; Choi non-wear (ActiLife's 90/30/2 min); sleep/wake
  summaries by Cole-Kripke, Sadeh, Scripps (60-s epochs) and Oakley (threshold 40); Tudor-Locke sleep periods
  (Sadeh), sleep midpoint and Sleep Regularity Index; circadian IS, IV, L5, M10, RA and cosinor; activity
  summary when available.
  Non-wear epochs are masked (treated as missing) before scoring, sleep periods and circadian metrics: the
  recordings end with days off the wrist, which would otherwise read as sleep and as a flat rhythm. Use
  clarity score / clarity sleep for ActiLife-identical unmasked output.
- NN intervals (one interval in ms per line): time-domain HRV.

Options:
  --json       one JSON object (kind, epochs, nonWear, scoring, sleep, circadian, activity | hrv)
  --axis AXIS  ActiGraph axis (axis1 default, vm)
  -h, --help   this help

Example: clarity summary example_01.AWD --json
`;

export interface ScoringSummary {
  sleepEpochs: number;
  wakeEpochs: number;
  missingEpochs: number;
  sleepPercent: number | null;
  provenance: Provenance;
}

export interface ActigraphySummary {
  kind: 'actigraphy';
  file: string;
  format: string;
  epochs: {
    start: string;
    end: string;
    epochSeconds: number;
    count: number;
    missing: number;
    /** Negative or non-finite counts set missing (removeOutliers). */
    outliersSetMissing: number;
    days: number;
    device?: string;
    subject?: string;
    axis?: string;
  };
  nonWear: {
    algorithm: string;
    periods: NonWearResult['periods'];
    minutes: number;
    fraction: number;
    provenance: Provenance;
  };
  scoring: Record<string, ScoringSummary | { skipped: string }>;
  sleep:
    | {
        algorithm: string;
        periods: SleepPeriodsResult['periods'];
        midpoint: SleepMidpoint;
        regularity: SleepRegularity;
        provenance: Provenance;
      }
    | { skipped: string };
  circadian: (CircadianResult & { nonWearMasked: string }) | { skipped: string };
  activity: ActivitySummary | { skipped: string };
  nonWearMasked: string;
}

function scoringSummary(s: SleepScoring): ScoringSummary {
  const { sleep, wake, missing } = scoredEpochCounts(s);
  const valid = sleep + wake;
  return {
    sleepEpochs: sleep,
    wakeEpochs: wake,
    missingEpochs: missing,
    sleepPercent: valid > 0 ? (100 * sleep) / valid : null,
    provenance: s.provenance,
  };
}

function skipped(e: unknown): { skipped: string } {
  return { skipped: e instanceof Error ? e.message : String(e) };
}

function activityOf(series: EpochSeries): ActivitySummary | { skipped: string } {
  try {
    return activitySummary(series);
  } catch (e) {
    return skipped(e);
  }
}

const NON_WEAR_NOTE =
  'choi-2011 (90/30/2 min) non-wear epochs set missing before scoring, sleep and circadian metrics';

/** Builds the actigraphy summary object (exported for the benchmark and tests). */
export function summariseActigraphy(file: string, format: string, raw: EpochSeries): ActigraphySummary {
  // Impossible counts (negative, non-finite) become missing before anything else reads them.
  const cleaned = removeOutliers(raw);
  const series = cleaned.series;
  const n = series.values.length;
  let missing = 0;
  for (let i = 0; i < n; i++) if (series.missing[i]) missing++;
  const epochs = {
    start: series.start,
    end: epochTime(series.start, series.epochSeconds, n),
    epochSeconds: series.epochSeconds,
    count: n,
    missing,
    outliersSetMissing: cleaned.replaced,
    days: (n * series.epochSeconds) / 86400,
    ...(series.source.device !== undefined ? { device: series.source.device } : {}),
    ...(series.source.subject !== undefined ? { subject: series.source.subject } : {}),
    ...(series.source.axis !== undefined ? { axis: series.source.axis } : {}),
  };

  let minute: EpochSeries | undefined;
  let minuteError: unknown;
  try {
    minute = toMinuteEpochs(series, 'non-wear, sleep scoring and periods');
  } catch (e) {
    minuteError = e;
  }
  // Choi is defined on minutes; at other epochs the minute-based lengths convert to epochs.
  const nw = choiNonWear(minute ?? series);
  const nonWear = {
    algorithm: 'choi-2011',
    periods: nw.periods,
    minutes: (nw.nonWearEpochs * (minute ?? series).epochSeconds) / 60,
    fraction: nw.mask.length > 0 ? nw.nonWearEpochs / nw.mask.length : 0,
    provenance: nw.provenance,
  };

  const scoring: ActigraphySummary['scoring'] = {};
  let sleepOut: ActigraphySummary['sleep'];
  if (minute) {
    const masked = maskEpochs(minute, nw.mask);
    const sad = sadeh(masked);
    scoring['cole-kripke'] = scoringSummary(coleKripke(masked));
    scoring.sadeh = scoringSummary(sad);
    scoring.scripps = scoringSummary(scripps(masked));
    scoring.oakley = scoringSummary(oakley(masked));
    const periods = tudorLocke(sad);
    sleepOut = {
      algorithm: 'sadeh',
      periods: periods.periods,
      midpoint: sleepMidpoint(sad),
      regularity: sleepRegularityIndex(sad),
      provenance: periods.provenance,
    };
  } else {
    for (const a of ['cole-kripke', 'sadeh', 'scripps', 'oakley']) scoring[a] = skipped(minuteError);
    sleepOut = skipped(minuteError);
  }

  let circadian: ActigraphySummary['circadian'];
  try {
    const base = minute ?? series;
    circadian = { ...circadianMetrics(maskEpochs(base, nw.mask)), nonWearMasked: NON_WEAR_NOTE };
  } catch (e) {
    circadian = skipped(e);
  }
  const activity = activityOf(maskEpochs(minute ?? series, nw.mask));
  return {
    kind: 'actigraphy',
    file,
    format,
    epochs,
    nonWear,
    scoring,
    sleep: sleepOut,
    circadian,
    activity,
    nonWearMasked: NON_WEAR_NOTE,
  };
}

function actigraphyText(s: ActigraphySummary): string {
  const out: string[] = [];
  const e = s.epochs;
  out.push(`${s.file} (${s.format}${e.device ? `, ${e.device}` : ''})\n`);
  out.push(
    keyValues([
      ['recording', `${shortTime(e.start)} - ${shortTime(e.end)} (${fmt(e.days, 2)} days)`],
      ['epochs', `${e.count} x ${e.epochSeconds} s, ${e.missing} missing`],
      [
        'non-wear (Choi)',
        `${s.nonWear.periods.length} periods, ${fmt(s.nonWear.minutes, 0)} min (${fmt(100 * s.nonWear.fraction, 1)}%)`,
      ],
    ]),
  );
  out.push(`\nSleep/wake scoring (non-wear masked):\n`);
  out.push(
    keyValues(
      Object.entries(s.scoring).map(([k, v]) => [
        k,
        'skipped' in v
          ? `skipped: ${v.skipped}`
          : `${fmt(v.sleepPercent, 1)}% sleep (${v.sleepEpochs} sleep, ${v.wakeEpochs} wake, ${v.missingEpochs} missing epochs)`,
      ]),
      '  ',
    ),
  );
  if ('skipped' in s.sleep) out.push(`\nSleep periods: skipped (${s.sleep.skipped})\n`);
  else {
    out.push(`\nTudor-Locke sleep periods (Sadeh): ${s.sleep.periods.length}\n`);
    if (s.sleep.periods.length > 0) out.push(periodTable(s.sleep.periods));
    out.push(
      keyValues(
        [
          ['sleep midpoint', s.sleep.midpoint.clock ?? 'n/a'],
          ['sleep regularity index', fmt(s.sleep.regularity.sri, 1)],
        ],
        '  ',
      ),
    );
  }
  if ('skipped' in s.circadian) out.push(`\nCircadian: skipped (${s.circadian.skipped})\n`);
  else {
    const c = s.circadian;
    out.push(`\nCircadian (non-wear masked):\n`);
    out.push(
      keyValues(
        [
          ['IS', fmt(c.IS, 3)],
          ['IV', fmt(c.IV, 3)],
          ['L5', `${fmt(c.L5, 1)} (from ${c.L5Start})`],
          ['M10', `${fmt(c.M10, 1)} (from ${c.M10Start})`],
          ['RA', fmt(c.RA, 3)],
          [
            'cosinor',
            `mesor ${fmt(c.cosinor.mesor, 1)}, amplitude ${fmt(c.cosinor.amplitude, 1)}, acrotime ${fmt(c.cosinor.acrotime, 2)} h`,
          ],
        ],
        '  ',
      ),
    );
  }
  if ('skipped' in s.activity) out.push(`\nActivity: skipped (${s.activity.skipped})\n`);
  else {
    const a = s.activity;
    const t = a.totals;
    out.push(`\nActivity (non-wear masked; ${a.cutPoints.name} cut-points):\n`);
    out.push(
      keyValues(
        [
          [
            'minutes sedentary / light / MVPA',
            `${fmt(t.sedentary, 0)} / ${fmt(t.light, 0)} / ${fmt(t.mvpa, 0)}`,
          ],
          ['MVPA in bouts (min)', fmt(t.mvpaBoutMinutes, 0)],
          ['valid days', String(t.validDays)],
          ['mean daily total', fmt(a.meanDailyTotal, 0)],
        ],
        '  ',
      ),
    );
  }
  return out.join('');
}

function hrvText(file: string, r: HrvResult): string {
  return (
    `${file} (NN intervals)\n` +
    keyValues([
      ['NN intervals', String(r.n)],
      ['mean NN (ms)', fmt(r.meanNN, 1)],
      ['SDNN (ms)', fmt(r.sdnn, 3)],
      ['RMSSD (ms)', fmt(r.rmssd, 3)],
      ['pNN50 (%)', fmt(r.pnn50, 3)],
      ['SDANN (ms)', fmt(r.sdann, 3)],
      ['SDNN index (ms)', fmt(r.sdnnIndex, 3)],
    ])
  );
}

export const command: CliCommand = {
  name: 'summary',
  summary:
    'everything that applies to a file: non-wear, sleep scoring and periods, circadian, activity; or HRV',
  help,
  options: { json: { type: 'boolean' }, axis: { type: 'string' } },
  async run({ positionals, values, io }) {
    const file = requireFile(positionals, 'summary');
    const loaded = await loadForCli(file, io, axisOption(values));
    const name = path.basename(file);
    if (loaded.kind === 'nn-intervals') {
      const hrv = hrvTimeDomain(parseNnIntervals(loaded.text));
      io.stdout(
        values.json === true ? toJson({ kind: 'nn-intervals', file: name, hrv }) + '\n' : hrvText(name, hrv),
      );
      return;
    }
    const s = summariseActigraphy(name, loaded.format, loaded.series);
    io.stdout(values.json === true ? toJson(s) + '\n' : actigraphyText(s));
  },
};
