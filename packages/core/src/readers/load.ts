import { open } from 'node:fs/promises';
import path from 'node:path';
import { ClarityError } from '../errors.ts';
import type { EpochSeries } from '../contracts/epoch-series.ts';
import { readActiLifeCsvFile, type ActiGraphAxis } from './actilife-csv.ts';
import { readAgdFile } from './agd.ts';
import { readAwdFile } from './awd.ts';
import type { DeviceReaderOptions } from './lines.ts';

/** What a device file turned out to be. */
export type DeviceFormat = 'awd' | 'actilife-csv' | 'agd' | 'nn-intervals';

export interface LoadOptions extends DeviceReaderOptions {
  /** ActiGraph axis to analyse (default axis1). Ignored for AWD. */
  axis?: ActiGraphAxis;
}

export type LoadedFile =
  | { kind: 'epochs'; format: Exclude<DeviceFormat, 'nn-intervals'>; series: EpochSeries; markers?: number[] }
  | { kind: 'nn-intervals'; format: 'nn-intervals'; text: string };

/**
 * Picks the reader for a file from its name and first bytes (4 KiB is enough): by extension first (.awd,
 * .agd, .csv), then by content (SQLite magic, the ActiLife banner, an AWD date on line 2, or a plain list of
 * numbers = NN intervals in ms). Undefined when nothing matches. Pure, so a Storage object's head can be
 * classified before anything is downloaded.
 */
export function deviceFormatOf(name: string, headBytes: Uint8Array): DeviceFormat | undefined {
  const ext = path.extname(name).toLowerCase();
  if (ext === '.awd') return 'awd';
  if (ext === '.agd') return 'agd';
  const buf = Buffer.from(headBytes.buffer, headBytes.byteOffset, headBytes.byteLength);
  if (buf.subarray(0, 16).toString('latin1') === 'SQLite format 3\0') return 'agd';
  const lines = buf.toString('utf8').split(/\r?\n/);
  if (ext === '.csv' || /actigraph/i.test(lines[0] ?? '') || (lines[0] ?? '').includes(','))
    return 'actilife-csv';
  if (/^\s*\d{1,2}-[A-Za-z]{3}-\d{4}\s*$/.test(lines[1] ?? '')) return 'awd';
  const body = lines.slice(0, -1).filter((l) => l.trim() !== '');
  if (body.length > 0 && body.every((l) => /^\s*\d+(\.\d+)?\s*$/.test(l))) return 'nn-intervals';
  return undefined;
}

/** deviceFormatOf on a file; throws when the file cannot be read, is empty or matches no reader. */
export async function detectFormat(file: string): Promise<DeviceFormat> {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.awd') return 'awd';
  if (ext === '.agd') return 'agd';
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (e) {
    throw new ClarityError(
      'invalid_input',
      `cannot open ${path.basename(file)}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
      { cause: e },
    );
  }
  let head: Buffer;
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    if (bytesRead === 0) throw new ClarityError('parse_error', `${path.basename(file)}: empty file`);
    head = buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  const format = deviceFormatOf(file, head);
  if (format) return format;
  throw new ClarityError(
    'invalid_input',
    `${path.basename(file)}: unrecognised file type (expected .AWD, .agd, ActiLife .csv or NN intervals)`,
  );
}

/** The device formats read into epoch series (all but NN intervals). */
export type EpochFormat = Exclude<DeviceFormat, 'nn-intervals'>;

/** An actigraphy file read into its epoch series, with what its reader learnt about it. */
export interface EpochFile {
  format: EpochFormat;
  series: EpochSeries;
  /** The reader, as upload documents name it (e.g. `actilife_csv (actilife-header)`). */
  reader: string;
  /** AWD: the epochs with an event marker. */
  markers?: number[];
  /** Device model and serial, when the file names them (ActiLife .csv). */
  device?: string;
  serial?: string;
}

/**
 * The one dispatch from an actigraphy format to its reader, shared by `loadDeviceFile` (the analysis
 * commands) and `readDeviceUpload` (`clarity import` and the Storage trigger).
 */
export async function readEpochFile(
  file: string,
  format: EpochFormat,
  options: LoadOptions = {},
): Promise<EpochFile> {
  switch (format) {
    case 'awd': {
      const r = await readAwdFile(file, options);
      return { format, series: r.series, reader: 'actiwatch_awd', markers: r.markers };
    }
    case 'agd':
      return { format, series: (await readAgdFile(file, options)).series, reader: 'actigraph_agd' };
    case 'actilife-csv': {
      const r = await readActiLifeCsvFile(file, options);
      return {
        format,
        series: r.series,
        reader: `actilife_csv (${r.layout})`,
        ...(r.device === undefined ? {} : { device: r.device }),
        ...(r.serial === undefined ? {} : { serial: r.serial }),
      };
    }
  }
}

/** Reads any supported device file. NN-interval text is returned as text for the HRV reader to parse. */
export async function loadDeviceFile(file: string, options: LoadOptions = {}): Promise<LoadedFile> {
  const format = await detectFormat(file);
  if (format === 'nn-intervals') {
    const { readFile } = await import('node:fs/promises');
    return { kind: 'nn-intervals', format, text: await readFile(file, 'utf8') };
  }
  const r = await readEpochFile(file, format, options);
  return { kind: 'epochs', format, series: r.series, ...(r.markers ? { markers: r.markers } : {}) };
}
