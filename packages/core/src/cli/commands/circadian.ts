import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { circadianMetrics, type CircadianResult } from '../../analytics/circadian/index.ts';
import { choiNonWear } from '../../analytics/preprocess/nonwear.ts';
import { maskEpochs } from '../../analytics/preprocess/outliers.ts';
import type { EpochSeries } from '../../contracts/epoch-series.ts';
import { ClarityError } from '../../errors.ts';
import { readFitbitMinuteStepsWide } from '../../readers/fitbit.ts';
import { loadDeviceFile } from '../../readers/load.ts';
import { requireFile } from '../input.ts';
import type { CliCommand } from '../command.ts';

const help = `Usage: clarity circadian FILE [--bin MINUTES] [--binarize T] [--nonwear choi|none] [--log1p] [--user ID] [--json]

Circadian rest-activity variables: IS, IV (textbook Witting formulas, population variances), L5, M10, RA
(average 24-h profile, windows wrap midnight) and a 24-h cosinor (least squares, time from local midnight).
FILE: Actiwatch .AWD, ActiGraph .agd or ActiLife .csv, or Fitbit minuteStepsWide_merged.csv (with --user).

Options:
  --bin MINUTES     IS/IV bin length (default 60); bins start at the recording start; bin value = sum of counts
  --binarize T      count > T -> 1 else 0 before IS/IV/L5/M10/RA (pyActigraphy's default is T = 4); off by default
  --nonwear MODE    choi (default for activity counts: Choi 2011 non-wear periods are masked as missing) or
                    none (default for Fitbit steps: zero steps at night are not non-wear)
  --log1p           fit the cosinor to log(1 + x) (as GGIR) instead of the raw counts
  --user ID         Fitbit participant to analyse (required when the file holds several)
  --json            print {"IS","IV","L5","M10","RA","L5Start","M10Start","cosinor":{"mesor","amplitude",
                    "acrophase","acrotime","r2"},"params":{...}}
  -h, --help        this help

Missing bins (more than 10% of a bin's epochs missing, e.g. non-wear) are left out of IS/IV; L5/M10 use the
days with data at each time of day. Acrophase: radians, y = MESOR + A cos(2 pi t/24 + acrophase); acrotime is
the clock hour of the fitted peak.

Example: clarity circadian example_01.AWD --binarize 4 --json
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
    `bins ${r.params.binMinutes} min from the recording start (${r.bins.valid} of ${r.bins.total} valid), ` +
      `binarise ${r.params.binarizeThreshold === null ? 'off' : `> ${r.params.binarizeThreshold}`}, cosinor on ${r.params.cosinorLog1p ? 'log(1+x)' : 'raw values'}`,
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
    nonwear: { type: 'string' },
    log1p: { type: 'boolean' },
    user: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run({ positionals, values, io }) {
    const file = requireFile(positionals, 'circadian');
    const binMinutes = numberOption(values.bin, 'bin', (n) => n > 0) ?? 60;
    const binarizeThreshold = numberOption(values.binarize, 'binarize', () => true);
    const nonWearOption = values.nonwear;
    if (nonWearOption !== undefined && nonWearOption !== 'choi' && nonWearOption !== 'none') {
      throw new ClarityError('invalid_argument', "--nonwear must be 'choi' or 'none'");
    }
    const { series, format } = await loadSeries(
      file,
      typeof values.user === 'string' ? values.user : undefined,
    );
    const nonWear = nonWearOption ?? (series.quantity === 'steps' ? 'none' : 'choi');
    let analysed = series;
    let nonWearEpochs = 0;
    if (nonWear === 'choi') {
      const nw = choiNonWear(series);
      nonWearEpochs = nw.nonWearEpochs;
      analysed = maskEpochs(series, nw.mask);
    }
    const result = circadianMetrics(analysed, {
      binMinutes,
      ...(binarizeThreshold === undefined ? {} : { binarizeThreshold }),
      cosinorLog1p: values.log1p === true,
    });
    const extra = { format, nonWear: nonWear === 'choi' ? 'choi-2011' : 'none', nonWearEpochs };
    io.stdout(values.json === true ? `${toJson(result, extra)}\n` : toText(result, file, extra));
  },
};
