/**
 * Fitbit exports as Fitabase writes them (`*_merged.csv`, one file for all participants):
 * - `minuteStepsWide_merged.csv`: `Id,ActivityHour,Steps00..Steps59`, one row per user-hour;
 * - `hourlySteps_merged.csv`: `Id,ActivityHour,StepTotal`;
 * - `dailySteps_merged.csv`: `Id,ActivityDay,StepTotal`.
 * Times are local wall-clock `M/D/YYYY h:mm:ss AM|PM` (days `M/D/YYYY`) without a zone; they are handled as
 * naive local times like every device file here.
 *
 * The readers stream: they take the file as chunks (e.g. `fs.createReadStream(path)`) and never hold the text.
 * Hours absent from the minute file are missing (NaN) in the series, never 0 steps.
 */
import { ClarityError } from '../errors.ts';
import { defaultImportLimits, limitExceeded, type DeviceFileLimits } from '../importers/limits.ts';
import { forEachLineOfChunks } from './lines.ts';
import { createEpochSeries, type EpochSeries } from '../contracts/epoch-series.ts';
import { localIsoToMs, msToLocalIso, partsToMs } from './local-time.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export type TextChunks = AsyncIterable<string | Uint8Array>;

/** Lines of a chunk stream (lines.ts: LF or CRLF, BOM dropped, bounded line length). */
const forEachLine = (
  chunks: TextChunks,
  onLine: (line: string, lineNo: number) => void,
  maxLineChars: number = defaultImportLimits.maxLineChars,
): Promise<void> => forEachLineOfChunks(chunks, onLine, { maxLineChars });

function parseError(line: number, message: string): ClarityError {
  return new ClarityError('parse_error', `line ${line}: ${message}`, {
    details: [{ path: ['line', line], line, message }],
  });
}

const DATE_TIME = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?: (\d{1,2}):(\d{2}):(\d{2}) ([AP]M))?$/;

/** Naive local ms of `M/D/YYYY[ h:mm:ss AM]`, or NaN. */
export function parseFitbitDateTime(text: string): number {
  const m = DATE_TIME.exec(text.trim());
  if (!m) return Number.NaN;
  let hour = m[4] === undefined ? 0 : Number(m[4]);
  if (m[7] !== undefined) {
    if (hour < 1 || hour > 12) return Number.NaN;
    hour = (hour % 12) + (m[7] === 'PM' ? 12 : 0);
  }
  return partsToMs(Number(m[3]), Number(m[1]), Number(m[2]), hour, Number(m[5] ?? 0), Number(m[6] ?? 0));
}

function expectHeader(line: string | undefined, lineNo: number, expected: string[]): void {
  const cols = (line ?? '').split(',').map((c) => c.trim());
  if (
    cols.length !== expected.length ||
    cols.some((c, i) => c.toLowerCase() !== expected[i]?.toLowerCase())
  ) {
    throw parseError(
      lineNo,
      `expected the header ${expected.length > 4 ? `${expected.slice(0, 3).join(',')},...,${expected.at(-1)}` : expected.join(',')}`,
    );
  }
}

function parseCount(text: string | undefined, line: number, column: string): number {
  // Digits only (optional surrounding spaces): hand-rolled because it runs 60 times per row.
  const t = text ?? '';
  let v = 0;
  let digits = 0;
  let i = 0;
  while (i < t.length && t.charCodeAt(i) === 32) i++;
  for (; i < t.length; i++) {
    const c = t.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    v = v * 10 + c;
    digits++;
  }
  while (i < t.length && t.charCodeAt(i) === 32) i++;
  if (digits === 0 || i !== t.length || digits > 15)
    throw parseError(line, `${column} must be a non-negative integer`);
  return v;
}

function parseId(text: string | undefined, line: number): string {
  const id = (text ?? '').trim();
  if (!/^[A-Za-z0-9_-]+$/.test(id)) throw parseError(line, 'Id is empty or not an identifier');
  return id;
}

export interface FitbitUserSeries {
  id: string;
  /** 60-s epochs of steps, from the first to the last hour present; absent hours are missing. */
  series: EpochSeries;
  /** User-hours present in the file. */
  hours: number;
}

export interface FitbitMinuteReadResult {
  users: FitbitUserSeries[];
  rows: number;
  /** Rows repeating a user-hour with identical values (dropped). Conflicting repeats are an error. */
  duplicateRows: number;
}

const MINUTE_COLUMNS = Array.from({ length: 60 }, (_, i) => `Steps${String(i).padStart(2, '0')}`);

/**
 * Reads `minuteStepsWide_merged.csv` into one 60-s steps series per user (ids in order of appearance), within
 * the limits (span per user, minutes of all users together, line length; default defaultImportLimits).
 */
export async function readFitbitMinuteStepsWide(
  chunks: TextChunks,
  limits: DeviceFileLimits = defaultImportLimits,
): Promise<FitbitMinuteReadResult> {
  // Per user: hour (naive ms) -> 60 minute values. Rows are usually grouped by user and sorted, but need not be.
  const byUser = new Map<string, Map<number, Float64Array>>();
  let rows = 0;
  let duplicateRows = 0;
  let headerSeen = false;
  await forEachLine(
    chunks,
    (line, lineNo) => {
      if (!headerSeen) {
        expectHeader(line, lineNo, ['Id', 'ActivityHour', ...MINUTE_COLUMNS]);
        headerSeen = true;
        return;
      }
      if (line.trim() === '') return;
      const cells = line.split(',');
      if (cells.length !== 62) throw parseError(lineNo, `expected 62 columns, found ${cells.length}`);
      const id = parseId(cells[0], lineNo);
      const hour = parseFitbitDateTime(cells[1] ?? '');
      if (Number.isNaN(hour) || hour % HOUR_MS !== 0)
        throw parseError(lineNo, 'ActivityHour must be M/D/YYYY h:00:00 AM|PM');
      const minutes = new Float64Array(60);
      for (let m = 0; m < 60; m++) minutes[m] = parseCount(cells[m + 2], lineNo, MINUTE_COLUMNS[m] as string);
      let hours = byUser.get(id);
      if (hours === undefined) byUser.set(id, (hours = new Map<number, Float64Array>()));
      const previous = hours.get(hour);
      if (previous !== undefined) {
        if (previous.some((v, i) => v !== minutes[i]))
          throw parseError(lineNo, `repeats user-hour ${msToLocalIso(hour)} with different values`);
        duplicateRows++;
        return;
      }
      hours.set(hour, minutes);
      rows++;
    },
    limits.maxLineChars,
  );
  if (!headerSeen) throw parseError(1, 'empty file');
  const users: FitbitUserSeries[] = [];
  let totalEpochs = 0;
  for (const [id, hours] of byUser) {
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    for (const h of hours.keys()) {
      if (h < first) first = h;
      if (h > last) last = h;
    }
    const nHours = (last - first) / HOUR_MS + 1;
    // Checked before allocating: two rows years apart must not become millions of epochs (issue 15).
    if (last - first > limits.maxSpanDays * 86_400_000)
      throw limitExceeded(
        'maxSpanDays',
        limits.maxSpanDays,
        `Fitbit user ${id}: the rows span ${Math.round((last - first) / 86_400_000)} days`,
      );
    totalEpochs += nHours * 60;
    if (totalEpochs > limits.maxEpochs)
      throw limitExceeded(
        'maxEpochs',
        limits.maxEpochs,
        `the file's users together span more than ${limits.maxEpochs} minutes`,
      );
    const values = new Float64Array(nHours * 60).fill(Number.NaN);
    for (const [h, minutes] of hours) values.set(minutes, ((h - first) / HOUR_MS) * 60);
    users.push({
      id,
      hours: hours.size,
      series: createEpochSeries({
        start: msToLocalIso(first),
        epochSeconds: 60,
        values,
        quantity: 'steps',
        source: { format: 'fitbit-minuteStepsWide', device: 'Fitbit', subject: id },
      }),
    });
  }
  return { users, rows, duplicateRows };
}

export interface FitbitTotal {
  id: string;
  /** Local start of the hour (`YYYY-MM-DDTHH:00:00`) or the day (`YYYY-MM-DD`). */
  time: string;
  steps: number;
}

async function readTotals(
  chunks: TextChunks,
  timeColumn: 'ActivityHour' | 'ActivityDay',
): Promise<FitbitTotal[]> {
  const out: FitbitTotal[] = [];
  let headerSeen = false;
  await forEachLine(chunks, (line, lineNo) => {
    if (!headerSeen) {
      expectHeader(line, lineNo, ['Id', timeColumn, 'StepTotal']);
      headerSeen = true;
      return;
    }
    if (line.trim() === '') return;
    const cells = line.split(',');
    if (cells.length !== 3) throw parseError(lineNo, `expected 3 columns, found ${cells.length}`);
    const id = parseId(cells[0], lineNo);
    const ms = parseFitbitDateTime(cells[1] ?? '');
    const unit = timeColumn === 'ActivityHour' ? HOUR_MS : DAY_MS;
    if (Number.isNaN(ms) || ms % unit !== 0)
      throw parseError(
        lineNo,
        `${timeColumn} is not a valid ${timeColumn === 'ActivityHour' ? 'hour' : 'day'}`,
      );
    const iso = msToLocalIso(ms);
    out.push({
      id,
      time: timeColumn === 'ActivityDay' ? iso.slice(0, 10) : iso,
      steps: parseCount(cells[2], lineNo, 'StepTotal'),
    });
  });
  if (!headerSeen) throw parseError(1, 'empty file');
  return out;
}

/** Reads `hourlySteps_merged.csv`. */
export function readFitbitHourlySteps(chunks: TextChunks): Promise<FitbitTotal[]> {
  return readTotals(chunks, 'ActivityHour');
}

/** Reads `dailySteps_merged.csv`. */
export function readFitbitDailySteps(chunks: TextChunks): Promise<FitbitTotal[]> {
  return readTotals(chunks, 'ActivityDay');
}

export interface FitbitDisagreement {
  id: string;
  time: string;
  minuteSum: number;
  fitbitTotal: number;
  /** fitbitTotal - minuteSum. */
  difference: number;
  /** Minutes of the hour/day present in the minute file (60 or 1440 when complete). */
  minutesCovered: number;
}

export interface FitbitComparison {
  /** User-hours (user-days) present in both sources. */
  compared: number;
  agreeing: number;
  disagreeing: FitbitDisagreement[];
  /** Present only in the minute file / only in Fitbit's totals: not compared. */
  onlyInMinutes: number;
  onlyInTotals: number;
}

/**
 * Sums the minute series per hour or per local day and compares them with Fitbit's own totals (exact integer
 * equality). Sums cover the minutes present; `minutesCovered` says how many that was.
 */
export function compareFitbitTotals(
  users: FitbitUserSeries[],
  totals: FitbitTotal[],
  unit: 'hour' | 'day',
): FitbitComparison {
  const size = unit === 'hour' ? HOUR_MS : DAY_MS;
  // user id -> bucket start (naive ms) -> sum of the minutes present and how many there were
  const sums = new Map<string, Map<number, { sum: number; covered: number }>>();
  let buckets = 0;
  for (const { id, series } of users) {
    const start = localIsoToMs(series.start);
    let perUser = sums.get(id);
    if (perUser === undefined) sums.set(id, (perUser = new Map<number, { sum: number; covered: number }>()));
    let bucket = Number.NaN;
    let acc: { sum: number; covered: number } | undefined;
    for (let i = 0; i < series.values.length; i++) {
      const v = series.values[i] as number;
      if (Number.isNaN(v)) continue;
      const t = start + i * 60_000;
      const b = t - (t % size);
      if (b !== bucket || acc === undefined) {
        bucket = b;
        acc = perUser.get(b);
        if (acc === undefined) {
          perUser.set(b, (acc = { sum: 0, covered: 0 }));
          buckets++;
        }
      }
      acc.sum += v;
      acc.covered++;
    }
  }
  const disagreeing: FitbitDisagreement[] = [];
  let compared = 0;
  let onlyInTotals = 0;
  for (const { id, time, steps } of totals) {
    const s = sums.get(id)?.get(localIsoToMs(unit === 'day' ? `${time}T00:00:00` : time));
    if (s === undefined) {
      onlyInTotals++;
      continue;
    }
    compared++;
    if (s.sum !== steps) {
      disagreeing.push({
        id,
        time,
        minuteSum: s.sum,
        fitbitTotal: steps,
        difference: steps - s.sum,
        minutesCovered: s.covered,
      });
    }
  }
  return {
    compared,
    agreeing: compared - disagreeing.length,
    disagreeing,
    onlyInMinutes: buckets - compared,
    onlyInTotals,
  };
}
