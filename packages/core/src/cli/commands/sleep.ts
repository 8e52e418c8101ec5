import { ClarityError } from '../../errors.ts';
import { choiNonWear } from '../../analytics/preprocess/nonwear.ts';
import { maskEpochs } from '../../analytics/preprocess/outliers.ts';
import { toMinuteEpochs } from '../../analytics/preprocess/resample.ts';
import { tudorLocke, windowMetrics, type SleepPeriod } from '../../analytics/sleep/periods.ts';
import type { CliCommand } from '../command.ts';
import { fmt, keyValues, shortTime, table, toJson } from '../format.ts';
import { axisOption, loadEpochs, numberOption, requireFile } from '../input.ts';
import { algorithmOption, scoreForCli, thresholdOption } from '../sleep-options.ts';

const help = `Usage: clarity sleep FILE [--algorithm NAME] [--rescore] [--json] [options]

Sleep periods by Tudor-Locke 2014 with ActiLife's defaults (bedtime = first of >= 5 sleep minutes, wake time =
first of >= 10 wake minutes, period 160-1440 min, periods ending at the end of the data dropped), each with
in/out of bed, TST, WASO, efficiency, latency (0), awakenings, average awakening, movement, fragmentation and
sleep fragmentation index. Epochs are scored first (60-s epochs; shorter ones are summed to 60 s).

Options:
  --algorithm NAME       sadeh (default: ActiLife's reference sleep periods are Sadeh-scored), cole-kripke,
                         oakley or scripps
  --rescore              Webster rescoring before period detection
  --threshold N          scorer threshold (see clarity score --help)
  --bedtime-start MIN    consecutive sleep minutes that start a period (default 5)
  --wake-end MIN         consecutive wake minutes that end it (default 10)
  --min-sleep MIN        shortest period (default 160)
  --max-sleep MIN        longest period (default 1440)
  --min-nonzero N        least epochs with counts > 0 in a period (default 0)
  --mask-nonwear         set Choi (90/30/2 min) non-wear epochs missing (= wake) first; off by default, as in
                         ActiLife
  --in-bed ISO --out-bed ISO
                         also report window metrics for that in-bed window (diary style: SOL = in-bed to
                         first sleep epoch, WASO = wake between first and last sleep epoch, SE = TST / TIB)
  --axis AXIS            ActiGraph axis (axis1 default, vm)
  --json                 print one JSON object {file, algorithm, periods: [...], window?, provenance}
  -h, --help             this help

Example: clarity sleep GT3XPlus-RawData-Day01-10sec60sec.csv --json
`;

export const command: CliCommand = {
  name: 'sleep',
  summary: 'Tudor-Locke sleep periods with ActiLife metrics (TST, WASO, efficiency, awakenings, indices)',
  help,
  options: {
    algorithm: { type: 'string' },
    rescore: { type: 'boolean' },
    threshold: { type: 'string' },
    json: { type: 'boolean' },
    axis: { type: 'string' },
    'bedtime-start': { type: 'string' },
    'wake-end': { type: 'string' },
    'min-sleep': { type: 'string' },
    'max-sleep': { type: 'string' },
    'min-nonzero': { type: 'string' },
    'mask-nonwear': { type: 'boolean' },
    'in-bed': { type: 'string' },
    'out-bed': { type: 'string' },
  },
  async run({ positionals, values, io }) {
    const file = requireFile(positionals, 'sleep');
    const algorithm = algorithmOption(values, 'sadeh');
    const threshold = thresholdOption(values, algorithm);
    const inBed = values['in-bed'];
    const outBed = values['out-bed'];
    if ((inBed === undefined) !== (outBed === undefined))
      throw new ClarityError('invalid_argument', '--in-bed and --out-bed go together');
    const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/;
    if (typeof inBed === 'string' && (!iso.test(inBed) || !iso.test(String(outBed))))
      throw new ClarityError(
        'invalid_argument',
        '--in-bed/--out-bed must be local times YYYY-MM-DDTHH:MM[:SS]',
      );
    const loaded = await loadEpochs(file, io, axisOption(values), 'sleep');
    // Tudor-Locke is defined on minutes: every scorer (Oakley included) runs on 60-s epochs here.
    let series = toMinuteEpochs(loaded.series, 'Tudor-Locke sleep periods');
    let nonWear: ReturnType<typeof choiNonWear> | undefined;
    if (values['mask-nonwear'] === true) {
      nonWear = choiNonWear(series);
      series = maskEpochs(series, nonWear.mask);
    }
    const { scoring } = scoreForCli(series, algorithm, threshold, values.rescore === true);
    const opt = (name: string) => numberOption(values, name);
    const result = tudorLocke(scoring, {
      ...(opt('bedtime-start') !== undefined ? { bedtimeStartMinutes: opt('bedtime-start')! } : {}),
      ...(opt('wake-end') !== undefined ? { wakeTimeEndMinutes: opt('wake-end')! } : {}),
      ...(opt('min-sleep') !== undefined ? { minSleepMinutes: opt('min-sleep')! } : {}),
      ...(opt('max-sleep') !== undefined ? { maxSleepMinutes: opt('max-sleep')! } : {}),
      ...(opt('min-nonzero') !== undefined ? { minNonzeroEpochs: opt('min-nonzero')! } : {}),
    });
    const window =
      typeof inBed === 'string' && typeof outBed === 'string'
        ? windowMetrics(scoring, inBed, outBed)
        : undefined;
    if (values.json === true) {
      io.stdout(
        toJson({
          file,
          algorithm,
          scoring: scoring.provenance,
          periods: result.periods,
          ...(window ? { window } : {}),
          ...(nonWear
            ? {
                nonWearMasked: {
                  algorithm: 'choi-2011',
                  periods: nonWear.periods.length,
                  minutes: nonWear.nonWearEpochs,
                },
              }
            : {}),
          provenance: result.provenance,
        }) + '\n',
      );
      return;
    }
    const p = result.provenance.parameters;
    io.stdout(
      `${file}: Tudor-Locke sleep periods (${String(p.bedtimeStartMinutes)}/${String(p.wakeTimeEndMinutes)} min, ${String(p.minSleepMinutes)}-${String(p.maxSleepMinutes)} min), scored by ${scoring.provenance.algorithm}${values.rescore === true ? ' + Webster' : ''}\n\n`,
    );
    if (result.periods.length === 0) io.stdout('No sleep period found.\n');
    else io.stdout(periodTable(result.periods));
    if (window) {
      io.stdout(`\nWindow ${shortTime(window.inBed)} - ${shortTime(window.outBed)} (diary style):\n`);
      io.stdout(
        keyValues(
          [
            ['time in bed (min)', fmt(window.timeInBedMinutes, 0)],
            ['sleep onset', window.onset ? shortTime(window.onset) : 'none'],
            ['SOL (min)', fmt(window.solMinutes, 0)],
            ['TST (min)', fmt(window.totalSleepMinutes, 0)],
            ['WASO (min)', fmt(window.wasoMinutes, 0)],
            ['awakenings', String(window.awakenings)],
            ['efficiency (%)', fmt(window.efficiency)],
          ],
          '  ',
        ),
      );
    }
  },
};

export function periodTable(periods: SleepPeriod[]): string {
  return table(
    ['in bed', 'out of bed', 'min', 'TST', 'WASO', 'eff %', 'awak', 'avg awak', 'MI', 'FI', 'SFI'],
    periods.map((q) => [
      shortTime(q.inBed),
      shortTime(q.outBed),
      q.durationMinutes,
      q.totalSleepMinutes,
      q.wasoMinutes,
      fmt(q.efficiency),
      q.awakenings,
      fmt(q.averageAwakeningMinutes),
      fmt(q.movementIndex, 3),
      fmt(q.fragmentationIndex, 3),
      fmt(q.sleepFragmentationIndex, 3),
    ]),
  );
}
