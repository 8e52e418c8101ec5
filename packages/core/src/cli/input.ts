import { statSync } from 'node:fs';
import path from 'node:path';
import { ClarityError } from '../errors.ts';
import type { EpochSeries } from '../contracts/epoch-series.ts';
import type { ActiGraphAxis } from '../readers/actilife-csv.ts';
import { loadDeviceFile, type LoadedFile } from '../readers/load.ts';
import type { CliIO, CliOptionValues } from './command.ts';

/** The single FILE argument of a command, checked to be a readable file. */
export function requireFile(positionals: string[], command: string): string {
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0)
    throw new ClarityError('invalid_argument', `expected exactly one FILE; see clarity ${command} --help`);
  let isFile: boolean;
  try {
    isFile = statSync(file).isFile();
  } catch {
    isFile = false;
  }
  if (!isFile) throw new ClarityError('not_found', `cannot read ${file}: no such file`);
  return file;
}

export function axisOption(values: CliOptionValues): ActiGraphAxis {
  const axis = values.axis ?? 'axis1';
  if (axis !== 'axis1' && axis !== 'axis2' && axis !== 'axis3' && axis !== 'vm')
    throw new ClarityError('invalid_argument', '--axis must be axis1, axis2, axis3 or vm');
  return axis;
}

/** Loads a device file; on a terminal, large (streamed) files show a progress line on stderr. */
export async function loadForCli(
  file: string,
  io: CliIO,
  axis: ActiGraphAxis,
  streamThresholdBytes?: number,
): Promise<LoadedFile> {
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
