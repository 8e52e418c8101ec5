import { createReadStream } from 'node:fs';
import { hrvTimeDomain, type HrvResult, type HrvSegmentation } from '../../analytics/hrv/index.ts';
import { ClarityError } from '../../errors.ts';
import { readNnIntervals } from '../../readers/nn-intervals.ts';
import { requireFile } from '../input.ts';
import type { CliCommand } from '../command.ts';

const help = `Usage: clarity hrv FILE [--segmentation clock|pyhrv] [--segment SECONDS] [--json]

Time-domain HRV of an NN-interval file (one interval in ms per line; blank lines and '#' comments allowed).

Options:
  --segmentation MODE  5-min segments for SDANN / SDNN index: 'clock' (default; absolute 300-s bins of
                       elapsed time, the Task Force definition) or 'pyhrv' (pyHRV's greedy segmentation,
                       to reproduce its reports)
  --segment SECONDS    segment length (default 300)
  --json               print {"n","meanNN","sdnn","rmssd","sdsd","nn50","pnn50","sdann","sdnnIndex","sd1",
                       "sd2","meanHR"}
  -h, --help           this help

SDSD is SD(dNN) with ddof 1; pyHRV reports SD(|dNN|), a different number (shown in the text output).

Example: clarity hrv nn.txt --json
`;

/** The JSON keys of `clarity hrv --json`, in this order. */
export const hrvJsonKeys = [
  'n',
  'meanNN',
  'sdnn',
  'rmssd',
  'sdsd',
  'nn50',
  'pnn50',
  'sdann',
  'sdnnIndex',
  'sd1',
  'sd2',
  'meanHR',
] as const;

function toJson(r: HrvResult): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  // NaN (e.g. SDANN of a recording shorter than two segments) is not JSON: it becomes null.
  for (const k of hrvJsonKeys) out[k] = Number.isFinite(r[k]) ? r[k] : null;
  return out;
}

function fmt(v: number, digits = 3): string {
  return Number.isFinite(v) ? v.toFixed(digits) : 'n/a';
}

function toText(r: HrvResult, segmentation: HrvSegmentation, segmentSeconds: number): string {
  const rows: [string, string][] = [
    ['NN intervals', String(r.n)],
    ['Mean NN (ms)', fmt(r.meanNN)],
    ['Mean HR (bpm)', fmt(r.meanHR)],
    ['SDNN (ms)', fmt(r.sdnn)],
    ['RMSSD (ms)', fmt(r.rmssd)],
    ['SDSD (ms)', fmt(r.sdsd)],
    ['SDSD as pyHRV, SD(|dNN|) (ms)', fmt(r.sdsdPyhrv)],
    ['NN50', String(r.nn50)],
    ['pNN50 (%)', fmt(r.pnn50)],
    [`SDANN (ms; ${r.segments} x ${segmentSeconds}-s ${segmentation} segments)`, fmt(r.sdann)],
    ['SDNN index (ms)', fmt(r.sdnnIndex)],
    ['Poincare SD1 (ms)', fmt(r.sd1)],
    ['Poincare SD2 (ms)', fmt(r.sd2)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n') + '\n';
}

export const command: CliCommand = {
  name: 'hrv',
  summary: 'time-domain HRV (SDNN, RMSSD, pNN50, SDANN, Poincare) of an NN-interval file',
  help,
  options: {
    json: { type: 'boolean' },
    segmentation: { type: 'string' },
    segment: { type: 'string' },
  },
  async run({ positionals, values, io }) {
    const file = requireFile(positionals, 'hrv');
    const segmentation = (values.segmentation ?? 'clock') as string;
    if (segmentation !== 'clock' && segmentation !== 'pyhrv') {
      throw new ClarityError('invalid_argument', `--segmentation must be 'clock' or 'pyhrv'`);
    }
    const segmentSeconds = values.segment === undefined ? 300 : Number(values.segment);
    if (!Number.isFinite(segmentSeconds) || segmentSeconds <= 0) {
      throw new ClarityError('invalid_argument', '--segment must be a positive number of seconds');
    }
    const nn = await readNnIntervals(createReadStream(file));
    const result = hrvTimeDomain(nn, { segmentation, segmentSeconds });
    io.stdout(
      values.json === true
        ? `${JSON.stringify(toJson(result))}\n`
        : toText(result, segmentation, segmentSeconds),
    );
  },
};
