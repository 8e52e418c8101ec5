import { openSync, readSync, closeSync, statSync } from 'node:fs';
import path from 'node:path';
import { ClarityError } from '../errors.ts';
import type { EpochSeries } from '../contracts/epoch-series.ts';
import type { ActiGraphAxis } from '../readers/actilife-csv.ts';
import { classifyHeadBytes, classifyUpload } from '../importers/device/classify.ts';
import { loadDeviceFile, type LoadedFile } from '../readers/load.ts';
import type { CliIO, CliOptionValues } from './command.ts';

/** The single FILE argument of a command, checked to be a readable file. */
export function requireFile(positionals: string[], command: string): string {
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0)
    throw new ClarityError('invalid_argument', `expected exactly one FILE; see clarity ${command} --help`);
  let stat;
  try {
    stat = statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ClarityError(
      'not_found',
      `cannot read ${file}: ${code === 'EACCES' ? 'permission denied' : 'no such file'}`,
    );
  }
  if (stat.isDirectory())
    throw new ClarityError('invalid_argument', `cannot read ${file}: it is a directory; give one file`);
  if (!stat.isFile()) throw new ClarityError('invalid_argument', `cannot read ${file}: not a regular file`);
  return file;
}

export function axisOption(values: CliOptionValues): ActiGraphAxis {
  const axis = values.axis ?? 'axis1';
  if (axis !== 'axis1' && axis !== 'axis2' && axis !== 'axis3' && axis !== 'vm')
    throw new ClarityError('invalid_argument', '--axis must be axis1, axis2, axis3 or vm');
  return axis;
}

/**
 * The analysis commands read one recording (a device file or NN intervals). An Apple Health export or a
 * Fitbit (Fitabase) table holds many series or people: point at the command that reads those.
 */
function refuseMultiSeriesFile(file: string): void {
  const fd = openSync(file, 'r');
  const head = Buffer.alloc(classifyHeadBytes);
  let n: number;
  try {
    n = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  const kind = classifyUpload(file, head.subarray(0, n));
  const name = path.basename(file);
  if (kind === 'apple-zip' || kind === 'apple-xml')
    throw new ClarityError(
      'invalid_input',
      `${name} is an Apple Health export, not one recording: use clarity import ${file}`,
    );
  if (kind === 'fitbit-minute')
    throw new ClarityError(
      'invalid_input',
      `${name} is a Fitbit (Fitabase) minute-steps table of many people: clarity circadian ${file} --user ID ` +
        `analyses one, clarity import ${file} lists them`,
    );
  if (kind === 'fitbit-hourly' || kind === 'fitbit-daily')
    throw new ClarityError(
      'invalid_input',
      `${name} is a Fitbit (Fitabase) ${kind === 'fitbit-hourly' ? 'hourly' : 'daily'} steps table: use clarity import ${file}`,
    );
}

/** Loads a device file; on a terminal, large (streamed) files show a progress line on stderr. */
export async function loadForCli(
  file: string,
  io: CliIO,
  axis: ActiGraphAxis,
  streamThresholdBytes?: number,
): Promise<LoadedFile> {
  refuseMultiSeriesFile(file);
  const name = path.basename(file);
  let shown = false;
  const loaded = await loadDeviceFile(file, {
    axis,
    ...(streamThresholdBytes !== undefined ? { streamThresholdBytes } : {}),
    ...(io.stderrIsTTY
      ? {
          onProgress: (done: number, total: number) => {
            shown = true;
            io.stderr(`\rreading ${name}: ${Math.floor((100 * done) / total)}%`);
          },
        }
      : {}),
  });
  if (shown) io.stderr('\n');
  return loaded;
}

/** Loads a file that must hold an epoch series (not NN intervals). */
export async function loadEpochs(
  file: string,
  io: CliIO,
  axis: ActiGraphAxis,
  command: string,
): Promise<{ series: EpochSeries; format: string }> {
  const loaded = await loadForCli(file, io, axis);
  if (loaded.kind !== 'epochs')
    throw new ClarityError(
      'invalid_input',
      `${path.basename(file)} holds NN intervals, not activity counts; use clarity hrv or clarity summary (not ${command})`,
    );
  return { series: loaded.series, format: loaded.format };
}

export function numberOption(values: CliOptionValues, name: string): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n))
    throw new ClarityError('invalid_argument', `--${name} must be a number`);
  return n;
}
