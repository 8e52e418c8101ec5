import { ClarityError } from '../../errors.ts';
import { localIsoToMs, msToLocalIso } from '../../readers/local-time.ts';
import { scoredEpochCounts, type SleepScoring } from '../../analytics/sleep/scoring.ts';
import type { CliCommand, CliIO } from '../command.ts';
import { fmt, shortTime, toJson } from '../format.ts';
import { axisOption, loadEpochs, requireFile } from '../input.ts';
import { algorithmOption, scoreForCli, thresholdOption } from '../sleep-options.ts';

const help = `Usage: clarity score FILE [--algorithm NAME] [--rescore] [--threshold N] [--format table|csv|json] [--axis AXIS]

Scores every epoch of an actigraphy file as sleep (1) or wake (0).
FILE: Actiwatch .AWD, ActiGraph .agd, or an ActiLife / ActiGraph count .csv.

Options:
  --algorithm NAME  cole-kripke (default), sadeh, oakley or scripps
                      cole-kripke  ActiLife variant: A = min(counts/100, 300), weights 106 54 58 76 230 74 67,
                                   P = 0.001, D < 1 -> sleep
                      sadeh        ActiLife variant: counts capped at 300, PS > -4 -> sleep
                      oakley       Actiware: weighted window, O <= threshold -> sleep (default 40; 20/40/80 are
                                   Actiware's low/medium/high, also accepted by name; "auto" = Actiware's
                                   automatic threshold)
                      scripps      Kripke 2010: D = 0.204 * sum(b_i A_i), D < 1 -> sleep
                    Cole-Kripke, Sadeh and Scripps need 60-s epochs: shorter epochs are summed to 60 s.
  --rescore         apply Webster's rescoring rules 1-5 after scoring
  --threshold N     replace the algorithm's threshold (D for cole-kripke/scripps, PS for sadeh, counts for
                    oakley; for oakley also low, medium, high or auto)
  --format F        table (default, human-readable), csv (header timestamp,activity,sleep; one row per epoch;
                    missing epochs have empty activity and sleep) or json (provenance and summary)
  --axis AXIS       ActiGraph axis: axis1 (default, as ActiLife), axis2, axis3 or vm (vector magnitude)
  -h, --help        this help

Example: clarity score recording.AWD --algorithm sadeh --format csv > scores.csv
`;

function csv(s: SleepScoring, io: CliIO): void {
  const t0 = localIsoToMs(s.start);
  const step = s.epochSeconds * 1000;
  const chunk: string[] = ['timestamp,activity,sleep'];
  for (let i = 0; i < s.sleep.length; i++) {
    const ts = msToLocalIso(t0 + i * step);
    chunk.push(s.missing[i] ? `${ts},,` : `${ts},${s.counts[i]},${s.sleep[i]}`);
    if (chunk.length >= 8192) {
      io.stdout(chunk.join('\n') + '\n');
      chunk.length = 0;
    }
  }
  if (chunk.length > 0) io.stdout(chunk.join('\n') + '\n');
}

function tableOut(s: SleepScoring, file: string, io: CliIO): void {
  const c = scoredEpochCounts(s);
  const pct = c.epochs - c.missing > 0 ? (100 * c.sleep) / (c.epochs - c.missing) : NaN;
  io.stdout(
    `${file}: ${s.provenance.algorithm} (${s.provenance.variant ?? 'default'}), ${c.epochs} epochs of ${s.epochSeconds} s, ` +
      `sleep ${c.sleep} / wake ${c.wake} / missing ${c.missing} (${fmt(pct, 1)}% sleep)\n\n`,
  );
  const t0 = localIsoToMs(s.start);
  const lines: string[] = ['time              activity  state', '----------------  --------  -----'];
  for (let i = 0; i < s.sleep.length; i++) {
    const ts =
      shortTime(msToLocalIso(t0 + i * s.epochSeconds * 1000)) +
      (s.epochSeconds % 60 === 0 ? '' : msToLocalIso(t0 + i * s.epochSeconds * 1000).slice(16));
    const act = s.missing[i] ? '' : String(Math.round(s.counts[i]! * 100) / 100);
    lines.push(
      `${ts.padEnd(16)}  ${act.padStart(8)}  ${s.missing[i] ? 'n/a' : s.sleep[i] === 1 ? 'sleep' : 'wake'}`,
    );
    if (lines.length >= 8192) {
      io.stdout(lines.join('\n') + '\n');
      lines.length = 0;
    }
  }
  if (lines.length > 0) io.stdout(lines.join('\n') + '\n');
}

export const command: CliCommand = {
  name: 'score',
  summary: 'sleep/wake score per epoch (Cole-Kripke, Sadeh, Oakley, Scripps; optional Webster rescoring)',
  help,
  options: {
    algorithm: { type: 'string' },
    rescore: { type: 'boolean' },
    threshold: { type: 'string' },
    format: { type: 'string' },
    axis: { type: 'string' },
  },
  async run({ positionals, values, io }) {
    const file = requireFile(positionals, 'score');
    const algorithm = algorithmOption(values, 'cole-kripke');
    const threshold = thresholdOption(values, algorithm);
    const format = values.format ?? 'table';
    if (format !== 'table' && format !== 'csv' && format !== 'json')
      throw new ClarityError('invalid_argument', '--format must be table, csv or json');
    const { series } = await loadEpochs(file, io, axisOption(values), 'score');
    const { scoring } = scoreForCli(series, algorithm, threshold, values.rescore === true);
    if (format === 'csv') csv(scoring, io);
    else if (format === 'json')
      io.stdout(
        toJson({
          file,
          start: scoring.start,
          epochSeconds: scoring.epochSeconds,
          ...scoredEpochCounts(scoring),
          provenance: scoring.provenance,
        }) + '\n',
      );
    else tableOut(scoring, file, io);
  },
};
