import type * as Sqlite from 'node:sqlite';
import type { DatabaseSync } from 'node:sqlite';
import { ClarityError } from '../errors.ts';
import { createEpochSeries, type EpochSeries } from '../contracts/epoch-series.ts';
import type { ActiGraphAxis } from './actilife-csv.ts';
import { defaultImportLimits, type DeviceFileLimits } from '../importers/limits.ts';
import { RegularGrid } from './grid.ts';
import { msToLocalIso } from './local-time.ts';

/**
 * ActiGraph `.agd` files: an SQLite database written by ActiLife (opened read-only with node:sqlite).
 * `settings(settingName, settingValue)` holds `epochlength` (s), `startdatetime`, `deviceserial`,
 * `devicename`, ...; `data(dataTimestamp, axis1, axis2, axis3, steps, lux, incline...)` one row per epoch.
 * Timestamps are .NET ticks (100 ns since 0001-01-01) of local device time; they are converted without any
 * zone. Counts are kept at the file's own epoch (the fixture's .agd is 10 s: sum to 60 s with
 * `resampleEpochs` to get ActiLife's 60-s export).
 */

export interface AgdRecording {
  series: EpochSeries;
  settings: Record<string, string>;
}

/** .NET ticks at 1970-01-01T00:00:00. */
const UNIX_EPOCH_TICKS = 621_355_968_000_000_000n;

/** Naive milliseconds of .NET ticks. */
export function ticksToMs(ticks: bigint): number {
  return Number((ticks - UNIX_EPOCH_TICKS) / 10_000n);
}

function bad(reason: string): never {
  throw new ClarityError('parse_error', `AGD file: ${reason}`);
}

/**
 * node:sqlite prints an ExperimentalWarning on first load; on the CLI that line reads like an error, so this
 * one warning is dropped while the module loads (every other warning passes through).
 */
async function importSqliteQuietly(): Promise<typeof Sqlite> {
  const original = process.emitWarning.bind(process) as (...a: unknown[]) => void;
  const restore = Object.getOwnPropertyDescriptor(process, 'emitWarning');
  process.emitWarning = (warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (/SQLite is an experimental feature/.test(text)) return;
    original(warning, ...rest);
  };
  try {
    return await import('node:sqlite');
  } finally {
    if (restore) Object.defineProperty(process, 'emitWarning', restore);
    else Reflect.deleteProperty(process, 'emitWarning'); // back to the prototype's method
  }
}

/**
 * Reads an .agd file. node:sqlite is imported on first use: it prints an "experimental" warning when loaded,
 * which should only appear when an .agd is actually read.
 */
export async function readAgdFile(
  file: string,
  options: { axis?: ActiGraphAxis; limits?: DeviceFileLimits } = {},
): Promise<AgdRecording> {
  const axis = options.axis ?? 'axis1';
  const { DatabaseSync: Db } = await importSqliteQuietly();
  let db: DatabaseSync;
  try {
    db = new Db(file, { readOnly: true });
  } catch (e) {
    throw new ClarityError('parse_error', 'AGD file: not a readable SQLite database', { cause: e });
  }
  try {
    let tables: Set<string>;
    try {
      tables = new Set(
        db
          .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
          .all()
          .map((r) => String(r.name)),
      );
    } catch (e) {
      throw new ClarityError('parse_error', 'AGD file: not a readable SQLite database', { cause: e });
    }
    if (!tables.has('settings') || !tables.has('data')) bad('missing the settings or data table');
    const settings: Record<string, string> = {};
    for (const r of db.prepare('SELECT settingName, settingValue FROM settings').all())
      settings[String(r.settingName)] = String(r.settingValue);
    const epochSeconds = Number(settings.epochlength);
    if (!Number.isInteger(epochSeconds) || epochSeconds <= 0)
      bad('settings.epochlength is not a positive integer');

    const cols = new Set(
      db
        .prepare('PRAGMA table_info(data)')
        .all()
        .map((r) => String(r.name).toLowerCase()),
    );
    const valueExpr = axis === 'vm' ? 'sqrt(axis1*axis1 + axis2*axis2 + axis3*axis3)' : axis;
    const need = axis === 'vm' ? ['axis1', 'axis2', 'axis3'] : [axis];
    for (const c of need) if (!cols.has(c)) bad(`data table has no ${c} column`);

    const stmt = db.prepare(`SELECT dataTimestamp AS t, ${valueExpr} AS v FROM data ORDER BY dataTimestamp`);
    stmt.setReadBigInts(true);
    const grid = new RegularGrid(
      'AGD data',
      epochSeconds,
      Number(settings.epochcount) || 4096,
      options.limits ?? defaultImportLimits,
    );
    let row = 0;
    for (const r of stmt.iterate()) {
      row++;
      const t = r.t;
      if (typeof t !== 'bigint') bad(`data row ${row}: dataTimestamp is not an integer`);
      const v = r.v === null ? NaN : Number(r.v);
      grid.add(ticksToMs(t), v, row);
    }
    if (grid.start === undefined) bad('data table is empty');
    const device = [settings.devicename, settings.deviceserial].filter(Boolean).join(' ');
    const series = createEpochSeries({
      start: msToLocalIso(grid.start),
      epochSeconds,
      values: grid.values.toArray(),
      quantity: 'counts',
      source: {
        format: 'agd',
        axis,
        ...(device ? { device: `ActiGraph ${device}` } : {}),
        ...(settings.subjectname ? { subject: settings.subjectname } : {}),
      },
    });
    return { series, settings };
  } finally {
    db.close();
  }
}
