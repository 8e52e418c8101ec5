/**
 * Recordings → PAT input weeks, for the operator tools (model:train-head, model:reference): a device file
 * is read by the same readers as uploads (classifyUpload + readDeviceUpload: Actiwatch .AWD, ActiGraph .agd,
 * ActiLife .csv, Fitbit minute steps), converted to one value per minute (epochsToMinutes, UTC placement:
 * only the order of minutes matters here), and aligned to the most recent 10 080 minutes (alignToWeek).
 * A table cell may instead hold the week itself: minute counts separated by spaces or ";", empty = missing.
 */
import { open } from 'node:fs/promises';
import { basename, isAbsolute, resolve } from 'node:path';
import {
  alignToWeek,
  ClarityError,
  classifyHeadBytes,
  classifyUpload,
  epochsToMinutes,
  isStorableDeviceKind,
  readDeviceUpload,
} from '@clarity/core';

const MIN = 60_000;

async function headOf(file: string): Promise<Uint8Array> {
  const fh = await open(file, 'r');
  try {
    const buf = new Uint8Array(classifyHeadBytes);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Every minute from the recording's first to its last, null where nothing was recorded. */
export async function recordingMinutes(file: string): Promise<(number | null)[]> {
  const kind = classifyUpload(file, await headOf(file));
  if (!isStorableDeviceKind(kind))
    throw new ClarityError(
      'invalid_input',
      `${basename(file)}: not a minute-level recording (${kind ?? 'unrecognised'}); expected .AWD, .agd, ActiLife .csv or Fitbit minute steps`,
    );
  const upload = await readDeviceUpload(file, kind);
  const stream = upload.streams[0];
  if (!stream) throw new ClarityError('parse_error', `${basename(file)}: no epochs`);
  const conv = epochsToMinutes(stream.series, { timezone: 'UTC', clock: stream.clock });
  const first = conv.minuteStarts[0];
  const last = conv.minuteStarts.at(-1);
  if (first === undefined || last === undefined)
    throw new ClarityError('parse_error', `${basename(file)}: no complete minute`);
  const out = new Array<number | null>((last - first) / MIN + 1).fill(null);
  conv.minuteStarts.forEach((m, k) => (out[(m - first) / MIN] = conv.values[k] ?? null));
  return out;
}

/** The week PAT sees (10 080 values, null = missing) from a recording file or an inline list of counts. */
export async function readWeek(cell: string, baseDir: string): Promise<(number | null)[]> {
  const trimmed = cell.trim();
  const inline = /^[\d.;\s-]*$/.test(trimmed) && /[;\s]/.test(trimmed);
  const minutes = inline
    ? trimmed.split(/\s*;\s*|\s+/).map((v) => (v === '' ? null : Number(v)))
    : await recordingMinutes(isAbsolute(trimmed) ? trimmed : resolve(baseDir, trimmed));
  const aligned = alignToWeek(minutes);
  return Array.from(aligned.values, (v) => (Number.isNaN(v) ? null : v));
}
