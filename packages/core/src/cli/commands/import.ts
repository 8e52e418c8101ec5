import { createReadStream } from 'node:fs';
import path from 'node:path';
import { ClarityError } from '../../errors.ts';
import { open, readFile } from 'node:fs/promises';
import { isValidTimeZone } from '../../contracts/time.ts';
import { importAppleHealthFile, sniffFile, type ImportSummary } from '../../importers/apple-health/index.ts';
import { classifyHeadBytes, classifyUpload, type UploadKind } from '../../importers/device/classify.ts';
import { epochsToMinutes } from '../../importers/device/epoch-minutes.ts';
import { readDeviceUpload, type StorableDeviceKind } from '../../importers/device/read.ts';
import {
  readFitbitDailySteps,
  readFitbitHourlySteps,
  readFitbitMinuteStepsWide,
} from '../../readers/fitbit.ts';
import type { CliCommand, CliIO, CliOptionValues } from '../command.ts';
import { keyValues, table, toJson } from '../format.ts';
import { requireFile } from '../input.ts';
import { importLimits, parseLimitOverrides, type ImportLimits } from '../../importers/limits.ts';

const help = `Usage: clarity import FILE [--json] [--timezone ZONE] [--parser auto|fast|conforming] [--subject ID]
                     [--limit NAME=VALUE[,NAME=VALUE...]]

Reads a health-data file locally and reports what an upload of it would store.
FILE: Apple Health export.xml or export.zip (the zip's apple_health_export/export.xml is streamed, never
unpacked to disk); also Actiwatch .AWD, ActiGraph .agd / ActiLife .csv, NN-interval text, and the Fitbit
minuteStepsWide / hourlySteps / dailySteps CSVs, which are read by their device readers. The file type is
decided by the same classification the Storage upload trigger uses.

For a device file it prints what its reader yields and what an upload would store: per stream (e.g.
awd.activity_counts, fitbit_minute_steps.steps) the epochs, missing epochs and one-minute values in the
--timezone zone (default UTC). Actigraph counts go to the activity_counts metric, Fitbit steps to steps.

For Apple Health it prints, per HealthKit type, the records accepted, duplicate (same sample id twice in the
file), rejected (with the first reasons) and unsupported (types this backend does not map), plus workouts
and activity summaries. A truncated or malformed XML file is read up to the error: the summary says
"partial" and why, and the exit status is 2.

Options:
  --json              print the import summary as JSON (the upload document's counts)
  --timezone ZONE     IANA zone to assign local days in (default: each sample's own UTC offset)
  --parser P          XML front end: auto (default; fast path with a conforming fallback), fast, conforming
  --subject ID        Fitbit minuteStepsWide: the participant Id to convert (default: list all participants)
  --limit N=V,...     raise (or lower) the named resource limits of the readers for this file: Apple Health
                      (e.g. maxDistinctTypes=5000,maxEntryBytes=100000000000) and device files (maxSpanDays,
                      maxEpochs, maxLineChars); names and defaults: packages/core/README-import.md; the
                      Storage trigger reads the same from IMPORT_LIMITS
  -h, --help          this help

A progress bar is shown on stderr for files over 8 MB when stderr is a terminal.

Example: clarity import ~/Downloads/export.zip --json > summary.json
`;

const progressMinBytes = 8 * 1024 * 1024;

function progressBar(
  io: CliIO,
  name: string,
  size: number,
): { update: (bytes: number, total: number | undefined, records: number) => void; done: () => void } {
  if (!io.stderrIsTTY || size < progressMinBytes) return { update: () => undefined, done: () => undefined };
  let shown = false;
  return {
    update(bytes, total, records) {
      shown = true;
      const t = total ?? size;
      const frac = t > 0 ? Math.min(1, bytes / t) : 0;
      const width = 30;
      const filled = Math.round(frac * width);
      io.stderr(
        `\r${name} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(100 * frac).toFixed(0).padStart(3)}%  ${(bytes / 1e6).toFixed(0)} MB  ${records.toLocaleString('en-US')} records`,
      );
    },
    done() {
      if (shown) io.stderr('\n');
    },
  };
}

function textSummary(file: string, s: ImportSummary, seconds: number): string {
  const lines: string[] = [];
  const mbs = seconds > 0 ? s.bytesRead / 1e6 / seconds : 0;
  lines.push(
    `${path.basename(file)} (${s.format}): ${s.status}, ${s.records} records, ${(s.bytesRead / 1e6).toFixed(1)} MB read in ${seconds.toFixed(1)} s (${mbs.toFixed(0)} MB/s), parser ${s.parser.mode}${s.parser.fallbackReason ? ` (${s.parser.fallbackReason})` : ''}`,
  );
  if (s.locale || s.exportDate) lines.push(`locale ${s.locale ?? 'n/a'}, exported ${s.exportDate ?? 'n/a'}`);
  lines.push(
    `accepted ${s.accepted}, duplicate ${s.duplicate}, rejected ${s.rejected}, unsupported ${s.records - s.accepted - s.duplicate - s.rejected}; ` +
      `workouts ${s.workouts} (${s.workoutsAccepted} accepted), activity summaries ${s.activitySummaries} (${s.activitySummariesAccepted} accepted)`,
  );
  const types = Object.entries(s.byType).sort((a, b) => a[0].localeCompare(b[0]));
  if (types.length > 0) {
    lines.push('');
    lines.push(
      table(
        ['type', 'accepted', 'duplicate', 'rejected', 'unsupported'],
        types.map(([t, c]) => [t, c.accepted, c.duplicate, c.rejected, c.unsupported]),
      ).trimEnd(),
    );
  }
  const others = Object.entries(s.otherElements);
  if (others.length > 0)
    lines.push('', `other elements (not imported): ${others.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (s.rejections.length > 0) {
    lines.push(
      '',
      `first rejections (${s.rejections.length} of ${s.rejected + s.workouts - s.workoutsAccepted - s.workoutsDuplicate + s.activitySummaries - s.activitySummariesAccepted}):`,
    );
    for (const r of s.rejections)
      lines.push(`  ${r.path.join(' ')}${r.type ? ` [${r.type}]` : ''}: ${r.message}`);
  }
  if (s.error) lines.push('', `stopped early: ${s.error.message}`);
  return `${lines.join('\n')}\n`;
}

/** What kind of file this is: the same classification the Storage trigger applies to an upload. */
async function detect(file: string): Promise<UploadKind | 'unknown'> {
  const { size } = await sniffFile(file); // also the clear error for a missing file
  if (size === 0) throw new ClarityError('invalid_input', `${path.basename(file)}: the file is empty`);
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(Math.min(size, classifyHeadBytes));
    await fh.read(head, 0, head.length, 0);
    return classifyUpload(file, head) ?? 'unknown';
  } finally {
    await fh.close();
  }
}

function unsupported(name: string): ClarityError {
  return new ClarityError(
    'unsupported_media_type',
    `${name}: unsupported format (expected Apple Health export.xml/export.zip, .AWD, .agd, ActiLife .csv, NN intervals or a Fitbit steps CSV)`,
  );
}

/**
 * A device file: what its reader yields and what an upload of it would store (minutes per metric, in the
 * given zone or UTC), through the same reader and conversion as the Storage trigger.
 */
async function importDevice(
  file: string,
  kind: StorableDeviceKind,
  timezone: string | undefined,
  subject: string | undefined,
  limits: ImportLimits,
): Promise<Record<string, unknown>> {
  const upload = await readDeviceUpload(file, kind, {
    limits,
    ...(subject === undefined ? {} : { subject }),
  });
  const zone = timezone ?? 'UTC';
  const streams = upload.streams.map((st) => {
    const s = st.series;
    const conv = epochsToMinutes(s, { timezone: zone, clock: st.clock });
    return {
      key: st.key,
      metric: st.metric,
      source: st.source,
      start: s.start,
      epochSeconds: s.epochSeconds,
      epochs: s.values.length,
      missing: conv.missingEpochs,
      minutes: conv.minuteStarts.length,
      incompleteEpochs: conv.incompleteEpochs,
    };
  });
  const first = upload.streams[0]?.series;
  return {
    format: kind === 'fitbit-minute' ? 'fitbit_minute_steps_wide' : kind,
    reader: upload.reader,
    timezone: zone,
    ...(upload.subject ? { subject: upload.subject } : {}),
    // The first stream's shape at the top level (what earlier versions printed).
    ...(first
      ? {
          start: first.start,
          epochSeconds: first.epochSeconds,
          epochs: first.values.length,
          missing: streams[0]?.missing,
          quantity: first.quantity,
          source: first.source,
        }
      : {}),
    streams,
  };
}

async function importOther(
  file: string,
  kind: Exclude<UploadKind, 'apple-xml' | 'apple-zip'> | 'unknown',
  timezone: string | undefined,
  subject: string | undefined,
  limits: ImportLimits,
): Promise<Record<string, unknown>> {
  const name = path.basename(file);
  if (kind === 'unknown') throw unsupported(name);
  if (kind === 'fitbit-minute' && subject === undefined) {
    // The Fitabase file holds many participants: summarise them all (an upload imports one, by subject).
    const r = await readFitbitMinuteStepsWide(createReadStream(file), limits);
    return {
      format: 'fitbit_minute_steps_wide',
      rows: r.rows,
      duplicateRows: r.duplicateRows,
      users: r.users.map((u) => ({
        id: u.id,
        hours: u.hours,
        start: u.series.start,
        epochs: u.series.values.length,
      })),
    };
  }
  if (kind === 'fitbit-hourly' || kind === 'fitbit-daily') {
    const rows = await (kind === 'fitbit-hourly' ? readFitbitHourlySteps : readFitbitDailySteps)(
      createReadStream(file),
    );
    return {
      format: kind === 'fitbit-hourly' ? 'fitbit_hourly_steps' : 'fitbit_daily_steps',
      rows: rows.length,
      users: new Set(rows.map((r) => r.id)).size,
    };
  }
  if (kind === 'nn-intervals') {
    const text = await readFile(file, 'utf8');
    return {
      format: 'nn_intervals',
      intervals: text.split(/\r?\n/).filter((l) => l.trim() !== '').length,
    };
  }
  return importDevice(file, kind, timezone, subject, limits);
}

const scalar = (v: unknown): v is string | number | boolean =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
/** A table cell: numbers stay numbers (right-aligned), other scalars as text, anything else empty. */
const cell = (v: unknown): string | number => (typeof v === 'number' ? v : scalar(v) ? String(v) : '');

/**
 * The text view of a device-file import: its scalar fields as a key/value block, then each list of records
 * (streams, users) as a table of their scalar fields. `--json` prints the same object as JSON.
 */
function textOfOther(name: string, r: Record<string, unknown>): string {
  const out = [`${name}\n`];
  out.push(
    keyValues(
      Object.entries(r)
        .filter(([, v]) => scalar(v))
        .map(([k, v]) => [k, String(v)]),
      '  ',
    ),
  );
  for (const [key, value] of Object.entries(r)) {
    if (!Array.isArray(value) || value.length === 0) continue;
    const rows = value.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null);
    const columns = [...new Set(rows.flatMap((x) => Object.keys(x).filter((k) => scalar(x[k]))))];
    out.push(`\n${key} (${rows.length}):\n`);
    out.push(
      table(
        columns,
        rows.map((x) => columns.map((c) => cell(x[c]))),
      ) + '\n',
    );
  }
  return out.join('');
}

async function run({
  positionals,
  values,
  io,
}: {
  positionals: string[];
  values: CliOptionValues;
  io: CliIO;
}): Promise<void> {
  const file = requireFile(positionals, 'import');
  const tz = values.timezone;
  if (tz !== undefined && (typeof tz !== 'string' || !isValidTimeZone(tz))) {
    throw new ClarityError('invalid_argument', '--timezone must be an IANA zone name, e.g. Europe/London');
  }
  const parser = values.parser ?? 'auto';
  if (parser !== 'auto' && parser !== 'fast' && parser !== 'conforming') {
    throw new ClarityError('invalid_argument', '--parser must be auto, fast or conforming');
  }
  const subject = values.subject;
  if (subject !== undefined && (typeof subject !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(subject))) {
    throw new ClarityError('invalid_argument', '--subject must be an Id from the file, e.g. 1503960366');
  }
  const limits = importLimits(
    parseLimitOverrides(typeof values.limit === 'string' ? values.limit : undefined),
  );
  const kind = await detect(file);
  if (kind !== 'apple-xml' && kind !== 'apple-zip') {
    const r = await importOther(file, kind, typeof tz === 'string' ? tz : undefined, subject, limits);
    io.stdout(values.json ? `${toJson(r)}\n` : textOfOther(path.basename(file), r));
    return;
  }
  const { size } = await sniffFile(file);
  const bar = progressBar(io, path.basename(file), size);
  const t0 = performance.now();
  const summary = await importAppleHealthFile(file, {
    uid: 'local',
    parser,
    limits,
    ...(typeof tz === 'string' ? { timezone: tz } : {}),
    onProgress: (p) => bar.update(p.bytes, p.totalBytes, p.records),
  });
  bar.done();
  const seconds = (performance.now() - t0) / 1000;
  io.stdout(values.json ? `${toJson(summary)}\n` : textSummary(file, summary, seconds));
  if (summary.status !== 'ingested') {
    throw new ClarityError(
      'parse_error',
      `${path.basename(file)}: ${summary.status} (${summary.records} records read before the error): ${summary.error?.message ?? 'unknown error'}`,
    );
  }
}

export const command: CliCommand = {
  name: 'import',
  summary: 'read an Apple Health export (xml/zip) or a device file and report what would be imported',
  help,
  options: {
    json: { type: 'boolean' },
    timezone: { type: 'string' },
    parser: { type: 'string' },
    subject: { type: 'string' },
    limit: { type: 'string' },
  },
  run,
};
