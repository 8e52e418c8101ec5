import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import {
  circadianConventions,
  circadianMetrics,
  type CircadianConvention,
  type CircadianResult,
} from '../../analytics/circadian/index.ts';
import { choiNonWear } from '../../analytics/preprocess/nonwear.ts';
import { maskEpochs } from '../../analytics/preprocess/outliers.ts';
import type { EpochSeries } from '../../contracts/epoch-series.ts';
import { ClarityError } from '../../errors.ts';
import { readFitbitMinuteStepsWide } from '../../readers/fitbit.ts';
import { loadDeviceFile } from '../../readers/load.ts';
import { requireFile } from '../input.ts';
import type { CliCommand } from '../command.ts';

const help = `Usage: clarity circadian FILE [--convention clarity|ggir|pyactigraphy] [--bin MINUTES] [--binarize T|none]
                        [--nonwear choi|none] [--log1p] [--user ID] [--json]

Circadian rest-activity variables: IS, IV, L5, M10, RA (average 24-h profile, windows wrap midnight) and a 24-h
cosinor (least squares, time from local midnight).
FILE: Actiwatch .AWD, ActiGraph .agd or ActiLife .csv, or Fitbit minuteStepsWide_merged.csv (with --user).

Options:
  --convention C    whose IS/IV definition (L5, M10, RA and the cosinor are the same in all):
                      clarity       (default) textbook Witting formulas, population variances; hourly bins are
                                    SUMS from the recording start; bins with > 10% missing epochs left out
                      ggir          GGIR g.IVIS (wadpac/GGIR 388064b): hourly MEANS from the recording start,
                                    partial last hour kept, Xm = mean of the 24 hour-of-day means, IS over 24;
                                    --binarize T is GGIR's inverted threshold (count > T -> 0); 60-min bins only
                      pyactigraphy  pyActigraphy IS()/IV() (e9e5e64): SUMS from the recording start, partial last
                                    bin kept, sample variances, binarised count > 4 -> 1 unless --binarize T|none
  --bin MINUTES     IS/IV bin length (default 60); bins start at the recording start
  --binarize T      count > T -> 1 else 0 before IS/IV/L5/M10/RA (off by default for clarity and ggir);
                    'none' turns pyActigraphy's default binarisation off (its binarize=False)
  --nonwear MODE    choi: Choi 2011 non-wear (90-min window of zero counts, 2-min spike tolerance, 30-min
                    up/downstream) masked as missing; none: no mask. Default: choi for activity counts with
                    --convention clarity, none for the ggir and pyactigraphy conventions (neither tool masks
                    count data by default, so their numbers are reproduced) and for Fitbit steps.
                    Choi's algorithm was built on hip-worn ActiGraph counts (Choi et al. 2011, Med Sci Sports
                    Exerc 43:357); its 90-min window was also the most accurate on wrist-worn counts (Choi et
                    al. 2012, Med Sci Sports Exerc 44:2009, triaxial VM counts, older adults). A worn wrist
                    device seldom records 90 min of exact zeros, even asleep: on example_01.AWD the 3141
                    masked minutes (17%) all lie outside the nights of its sleep diary (14 h before the diary
                    starts, 2 days after it ends), so it stays the default for Actiwatch counts.
  --log1p           fit the cosinor to log(1 + x) (as GGIR) instead of the raw counts
  --user ID         Fitbit participant to analyse (required when the file holds several)
  --json            print {"IS","IV","L5","M10","RA","L5Start","M10Start","cosinor":{"mesor","amplitude",
                    "acrophase","acrotime","r2"},"params":{...}} (params.convention, params.isiv: the
                    definition used), and "insufficient" (why) when the recording is too short

A recording with under 2 days of data gets no IS, IV or RA (n/a, null in JSON) and a line saying so: IS
compares each hour across days, so one day gives IS = 1 by construction.
  -h, --help        this help

Acrophase: radians, y = MESOR + A cos(2 pi t/24 + acrophase); acrotime is the clock hour of the fitted peak.

Examples: clarity circadian example_01.AWD --convention ggir --nonwear none --json
          clarity circadian example_01.AWD --convention pyactigraphy --json
`;

async function isFitbitMinuteWide(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(64);
    const { bytesRead } = await fh.read(buf, 0, 64, 0);
    return /^\uFEFF?Id,ActivityHour,Steps00/i.test(buf.subarray(0, bytesRead).toString('utf8'));
  } finally {
    await fh.close();
  }
}

async function loadSeries(
  file: string,
  user: string | undefined,
): Promise<{ series: EpochSeries; format: string }> {
  if (await isFitbitMinuteWide(file)) {
    const { users } = await readFitbitMinuteStepsWide(createReadStream(file));
    const chosen =
      user === undefined ? (users.length === 1 ? users[0] : undefined) : users.find((u) => u.id === user);
    if (chosen === undefined) {
      throw new ClarityError(
        'invalid_argument',
        user === undefined
          ? `the file holds ${users.length} Fitbit users: choose one with --user ID`
          : `no Fitbit user ${user} in the file`,
      );
    }
    return { series: chosen.series, format: 'fitbit-minuteStepsWide' };
  }
  const loaded = await loadDeviceFile(file);
  if (loaded.kind !== 'epochs') {
    throw new ClarityError(
      'invalid_input',
      'circadian analysis needs an activity file; this looks like NN intervals (use clarity hrv)',
    );
  }
  return { series: loaded.series, format: loaded.format };
}

function numberOption(v: unknown, name: string, check: (n: number) => boolean): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n) || !check(n)) {
    throw new ClarityError('invalid_argument', `--${name} has an invalid value`);
  }
  return n;
}

const fmt = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');
const finite = (v: number) => (Number.isFinite(v) ? v : null);

function toJson(r: CircadianResult, extra: Record<string, unknown>): string {
  const c = r.cosinor;
  return JSON.stringify({
    IS: finite(r.IS),
    IV: finite(r.IV),
    L5: finite(r.L5),
    M10: finite(r.M10),
    RA: finite(r.RA),
    L5Start: r.L5Start,
    M10Start: r.M10Start,
    cosinor: {
      mesor: finite(c.mesor),
      amplitude: finite(c.amplitude),
      acrophase: finite(c.acrophase),
      acrotime: finite(c.acrotime),
      r2: finite(c.r2),
    },
    params: { ...r.params, ...extra },
    ...(r.insufficient ? { insufficient: r.insufficient } : {}),
  });
}

function toText(
  r: CircadianResult,
  file: string,
  extra: { format: string; nonWear: string; nonWearEpochs: number },
): string {
  const hhmm = (h: number) =>
    Number.isFinite(h)
      ? `${String(Math.floor(h)).padStart(2, '0')}:${String(Math.floor((h % 1) * 60)).padStart(2, '0')}`
      : 'n/a';
  const cov = r.provenance.coverage;
  const rows: [string, string][] = [
    ['IS (interdaily stability)', fmt(r.IS)],
    ['IV (intradaily variability)', fmt(r.IV)],
    [`L5 (mean per epoch, from ${r.L5Start})`, fmt(r.L5, 2)],
    [`M10 (mean per epoch, from ${r.M10Start})`, fmt(r.M10, 2)],
    ['RA (relative amplitude)', fmt(r.RA)],
    ['Cosinor MESOR', fmt(r.cosinor.mesor, 2)],
    ['Cosinor amplitude', fmt(r.cosinor.amplitude, 2)],
    ['Cosinor acrophase (rad)', fmt(r.cosinor.acrophase, 4)],
    ['Cosinor acrotime (peak)', hhmm(r.cosinor.acrotime)],
    ['Cosinor R^2', fmt(r.cosinor.r2)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return [
    `${file}: ${extra.format}, ${cov.total} epochs, ${cov.valid} with data (${fmt(100 * cov.fraction, 1)}%); ` +
      `non-wear ${extra.nonWear} (${extra.nonWearEpochs} epochs masked)`,
    `IS/IV convention ${r.params.convention}${r.params.isiv ? ` (${String(r.params.isiv.reference)}; binarise ${String(r.params.isiv.binarize)})` : ''}`,
    `bins ${r.params.binMinutes} min from the recording start (${r.bins.valid} of ${r.bins.total} valid), ` +
      `binarise ${r.params.binarizeThreshold === null ? 'off' : `> ${r.params.binarizeThreshold}`}, cosinor on ${r.params.cosinorLog1p ? 'log(1+x)' : 'raw values'}`,
    ...(r.insufficient ? [`too short: ${r.insufficient}`] : []),
    '',
    ...rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`),
    '',
  ].join('\n');
}

export const command: CliCommand = {
  name: 'circadian',
  summary: 'circadian rest-activity variables (IS, IV, L5, M10, RA, cosinor) of an activity file',
  help,
  options: {
    bin: { type: 'string' },
    binarize: { type: 'string' },
    convention: { type: 'string' },
    nonwear: { type: 'string' },
    log1p: { type: 'boolean' },
    user: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run({ positionals, values, io }) {
    const file = requireFile(positionals, 'circadian');
    const binMinutes = numberOption(values.bin, 'bin', (n) => n > 0) ?? 60;
    const convention = (values.convention ?? 'clarity') as CircadianConvention;
    if (!(circadianConventions as readonly unknown[]).includes(convention)) {
      throw new ClarityError(
        'invalid_argument',
        `--convention must be one of ${circadianConventions.join(', ')}`,
      );
    }
    const binarizeOff = values.binarize === 'none';
    const binarizeThreshold = binarizeOff ? undefined : numberOption(values.binarize, 'binarize', () => true);
    const nonWearOption = values.nonwear;
    if (nonWearOption !== undefined && nonWearOption !== 'choi' && nonWearOption !== 'none') {
      throw new ClarityError('invalid_argument', "--nonwear must be 'choi' or 'none'");
    }
    const { series, format } = await loadSeries(
      file,
      typeof values.user === 'string' ? values.user : undefined,
    );
    const nonWear =
      nonWearOption ?? (series.quantity === 'steps' || convention !== 'clarity' ? 'none' : 'choi');
    let analysed = series;
    let nonWearEpochs = 0;
    if (nonWear === 'choi') {
      const nw = choiNonWear(series);
      nonWearEpochs = nw.nonWearEpochs;
      analysed = maskEpochs(series, nw.mask);
    }
    const result = circadianMetrics(analysed, {
      binMinutes,
      convention,
      ...(binarizeOff ? { binarize: false } : {}),
      ...(binarizeThreshold === undefined ? {} : { binarizeThreshold }),
      cosinorLog1p: values.log1p === true,
    });
    const extra = { format, nonWear: nonWear === 'choi' ? 'choi-2011' : 'none', nonWearEpochs };
    io.stdout(values.json === true ? `${toJson(result, extra)}\n` : toText(result, file, extra));
  },
};
