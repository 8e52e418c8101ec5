import { ClarityError } from '../errors.ts';
import { createEpochSeries, type EpochSeries } from '../contracts/epoch-series.ts';
import { defaultImportLimits, type DeviceFileLimits } from '../importers/limits.ts';
import { RegularGrid } from './grid.ts';
import { forEachLineOfFile, forEachLineOfText, lineOptions, type DeviceReaderOptions } from './lines.ts';
import { msToLocalIso, partsToMs } from './local-time.ts';

/**
 * ActiGraph count exports (ActiLife 6 "CSV" and the tidy CSV that actigraph.sleepr writes). Three shapes:
 *
 * 1. ActiLife export with the 10-line header block
 *    (`------------ Data File Created By ActiGraph GT3X+ ActiLife v6.13.3 ... date format M/d/yyyy ...`,
 *    `Serial Number:`, `Start Time HH:MM:SS`, `Start Date`, `Epoch Period (hh:mm:ss)`, ..., `-----`),
 *    then an optional column-name row, then data. Without Date/Time columns, epoch i is start + i*epoch.
 * 2. ActiLife per-epoch export with `Date,Time,Axis1,...` columns (e.g. its sleep-scoring output), time as
 *    `10:54 AM` or `10:54:00`.
 * 3. Tidy `timestamp,axis1,axis2,axis3,...` with ISO timestamps. A trailing `Z` is ignored: these files hold
 *    local device time (the GT3X+ fixture is marked `Z` but is local).
 *
 * The analysed value is axis 1 (vertical) by default, as ActiLife's sleep and non-wear algorithms use it;
 * `axis: 'vm'` takes the vector magnitude column when present, else sqrt(axis1^2 + axis2^2 + axis3^2)
 * (unrounded). An empty cell is a missing epoch; rows missing between timestamps become missing epochs.
 */

export type ActiGraphAxis = 'axis1' | 'axis2' | 'axis3' | 'vm';

export interface ActiLifeCsvOptions {
  axis?: ActiGraphAxis;
  /** Span, epoch and line limits (default defaultImportLimits). */
  limits?: DeviceFileLimits;
}

export interface ActiLifeCsvRecording {
  series: EpochSeries;
  serial?: string;
  device?: string;
  /** Which of the three shapes above. */
  layout: 'actilife-header' | 'date-time-columns' | 'timestamp-column';
}

function fail(line: number, reason: string): never {
  throw new ClarityError('parse_error', `ActiLife CSV line ${line}: ${reason}`, {
    details: [{ path: ['line', line], message: reason, line }],
  });
}

function normaliseName(s: string): string {
  return s
    .trim()
    .replace(/^"|"$/g, '')
    .toLowerCase()
    .replace(/[\s_]+/g, '');
}

/** Default column order of an ActiLife export without a column-name row. */
const DEFAULT_COLUMNS = [
  'axis1',
  'axis2',
  'axis3',
  'steps',
  'lux',
  'inclinometeroff',
  'inclinometerstanding',
  'inclinometersitting',
  'inclinometerlying',
];

/** Parses a date in the file's declared order (`M/d/yyyy`, `d/M/yyyy`, `yyyy-MM-dd`, ...); NaN-safe. */
function dateParts(text: string, order: 'mdy' | 'dmy' | 'ymd'): [number, number, number] | undefined {
  const m = /^(\d{1,4})[/.-](\d{1,2})[/.-](\d{1,4})$/.exec(text.trim());
  if (!m) return undefined;
  const a = Number(m[1]);
  const b = Number(m[2]);
  const c = Number(m[3]);
  if (m[1]!.length === 4) return [a, b, c];
  return order === 'dmy' ? [c, b, a] : [c, a, b];
}

function timeParts(text: string): [number, number, number] | undefined {
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*([AaPp][Mm])?$/.exec(text.trim());
  if (!m) return undefined;
  let h = Number(m[1]);
  const ampm = m[4]?.toLowerCase();
  if (ampm !== undefined) {
    if (h < 1 || h > 12) return undefined;
    if (ampm === 'am' && h === 12) h = 0;
    else if (ampm === 'pm' && h !== 12) h += 12;
  }
  return [h, Number(m[2]), Number(m[3] ?? 0)];
}

function isoToMs(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(?:Z)?$/.exec(text.trim());
  if (!m) return NaN;
  return partsToMs(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
}

class ActiLifeCsvParser {
  private readonly axis: ActiGraphAxis;
  private inHeaderBlock = false;
  private headerDone = false;
  private columns: string[] | undefined;
  private dateOrder: 'mdy' | 'dmy' | 'ymd' = 'mdy';
  private startDate: string | undefined;
  private startTime: string | undefined;
  private epochSeconds: number | undefined;
  private serial: string | undefined;
  private device: string | undefined;
  private layout: ActiLifeCsvRecording['layout'] = 'timestamp-column';
  private grid: RegularGrid | undefined;
  private rowIndex = 0;
  private idx = { value: -1, a1: -1, a2: -1, a3: -1, ts: -1, date: -1, time: -1 };
  private lastLine = 0;

  private readonly limits: DeviceFileLimits;

  constructor(options: ActiLifeCsvOptions) {
    this.axis = options.axis ?? 'axis1';
    this.limits = options.limits ?? defaultImportLimits;
  }

  line(text: string, lineNo: number): void {
    this.lastLine = lineNo;
    if (lineNo === 1 && text.startsWith('-----') && /actigraph/i.test(text)) {
      this.inHeaderBlock = true;
      this.layout = 'actilife-header';
      const dev = /ActiGraph\s+(\S+)/i.exec(text);
      if (dev) this.device = `ActiGraph ${dev[1]}`;
      const fmt = /date format\s+(\S+)/i.exec(text);
      if (fmt) {
        const f = fmt[1]!.toLowerCase();
        this.dateOrder = f.startsWith('d') ? 'dmy' : f.startsWith('y') ? 'ymd' : 'mdy';
      }
      return;
    }
    if (this.inHeaderBlock) {
      if (text.startsWith('-----')) {
        this.inHeaderBlock = false;
        return;
      }
      this.headerField(text, lineNo);
      return;
    }
    if (text.trim() === '') return;
    if (!this.headerDone) {
      this.headerDone = true;
      if (/[A-Za-z]/.test(text)) {
        this.setColumns(text.split(',').map(normaliseName), lineNo);
        return;
      }
      if (this.layout !== 'actilife-header')
        fail(lineNo, 'expected a column-name row (timestamp or Date,Time and axis1...)');
      this.setColumns(DEFAULT_COLUMNS.slice(0, text.split(',').length), lineNo);
    }
    this.row(text, lineNo);
  }

  private headerField(text: string, lineNo: number): void {
    const t = text.trim();
    let m: RegExpExecArray | null;
    if ((m = /^Serial Number:\s*(.+)$/i.exec(t))) this.serial = m[1]!.trim();
    else if ((m = /^Start Time\s+(.+)$/i.exec(t))) this.startTime = m[1]!.trim();
    else if ((m = /^Start Date\s+(.+)$/i.exec(t))) this.startDate = m[1]!.trim();
    else if ((m = /^Epoch Period \(hh:mm:ss\)\s+(\d+):(\d{2}):(\d{2})/i.exec(t))) {
      this.epochSeconds = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
      if (this.epochSeconds <= 0) fail(lineNo, 'epoch period is zero');
    }
  }

  private setColumns(cols: string[], lineNo: number): void {
    this.columns = cols;
    const find = (...names: string[]) => cols.findIndex((c) => names.includes(c));
    this.idx.a1 = find('axis1', 'activity', 'counts');
    this.idx.a2 = find('axis2');
    this.idx.a3 = find('axis3');
    this.idx.ts = find('timestamp', 'datetime');
    this.idx.date = find('date');
    this.idx.time = find('time', 'epoch');
    if (this.axis === 'vm') this.idx.value = find('vm', 'vectormagnitude', 'vectormagnitudecounts');
    else if (this.axis === 'axis1') this.idx.value = this.idx.a1;
    else this.idx.value = this.axis === 'axis2' ? this.idx.a2 : this.idx.a3;
    const vmComputable = this.idx.a1 >= 0 && this.idx.a2 >= 0 && this.idx.a3 >= 0;
    if (this.idx.value < 0 && !(this.axis === 'vm' && vmComputable)) {
      throw new ClarityError(
        'invalid_input',
        `ActiLife CSV line ${lineNo}: no ${this.axis} column (columns: ${cols.join(', ')})`,
      );
    }
    if (this.layout !== 'actilife-header') {
      if (this.idx.ts >= 0) this.layout = 'timestamp-column';
      else if (this.idx.date >= 0 && this.idx.time >= 0) this.layout = 'date-time-columns';
      else
        fail(lineNo, 'no timestamp (or Date and Time) column and no ActiLife header block with a start time');
    }
    this.grid = new RegularGrid('ActiLife CSV', this.epochSeconds, 16_384, this.limits);
  }

  private number(cell: string | undefined, lineNo: number, name: string): number {
    const t = (cell ?? '').trim();
    if (t === '') return NaN;
    const v = Number(t);
    if (!Number.isFinite(v)) fail(lineNo, `${name} is not a number`);
    return v;
  }

  private row(text: string, lineNo: number): void {
    const cells = text.split(',');
    const grid = this.grid!;
    let value: number;
    if (this.idx.value >= 0)
      value = this.number(cells[this.idx.value], lineNo, this.columns![this.idx.value]!);
    else {
      const a = this.number(cells[this.idx.a1], lineNo, 'axis1');
      const b = this.number(cells[this.idx.a2], lineNo, 'axis2');
      const c = this.number(cells[this.idx.a3], lineNo, 'axis3');
      value = Math.sqrt(a * a + b * b + c * c);
    }
    let t: number;
    if (this.idx.ts >= 0) {
      t = isoToMs(cells[this.idx.ts] ?? '');
      if (Number.isNaN(t)) fail(lineNo, 'timestamp is not YYYY-MM-DDTHH:mm:ss');
    } else if (this.idx.date >= 0 && this.idx.time >= 0) {
      const d = dateParts(cells[this.idx.date] ?? '', this.dateOrder);
      const tm = timeParts(cells[this.idx.time] ?? '');
      t = d && tm ? partsToMs(d[0], d[1], d[2], tm[0], tm[1], tm[2]) : NaN;
      if (Number.isNaN(t)) fail(lineNo, 'Date/Time is not a valid date and time');
    } else {
      if (this.rowIndex === 0) this.requireHeaderStart(lineNo);
      t = this.headerStartMs! + this.rowIndex * this.epochSeconds! * 1000;
    }
    this.rowIndex++;
    grid.add(t, value, lineNo);
  }

  private headerStartMs: number | undefined;

  private requireHeaderStart(lineNo: number): void {
    if (this.epochSeconds === undefined) fail(lineNo, 'header block has no "Epoch Period (hh:mm:ss)"');
    const d = this.startDate === undefined ? undefined : dateParts(this.startDate, this.dateOrder);
    const tm = this.startTime === undefined ? undefined : timeParts(this.startTime);
    const ms = d && tm ? partsToMs(d[0], d[1], d[2], tm[0], tm[1], tm[2]) : NaN;
    if (Number.isNaN(ms)) fail(lineNo, 'header block has no valid "Start Date" and "Start Time"');
    this.headerStartMs = ms;
  }

  finish(): ActiLifeCsvRecording {
    if (this.lastLine === 0) fail(1, 'empty file');
    if (this.inHeaderBlock) fail(this.lastLine, 'header block is truncated (no closing ----- line)');
    const grid = this.grid;
    if (!grid || grid.start === undefined) fail(this.lastLine, 'no data rows');
    const epochSeconds = grid.epochSeconds ?? this.epochSeconds;
    if (epochSeconds === undefined)
      fail(this.lastLine, 'cannot tell the epoch length from a single row without a header block');
    const series = createEpochSeries({
      start: msToLocalIso(grid.start),
      epochSeconds,
      values: grid.values.toArray(),
      quantity: 'counts',
      source: {
        format: 'actilife-csv',
        axis: this.axis,
        ...(this.device !== undefined || this.serial !== undefined
          ? { device: [this.device, this.serial].filter(Boolean).join(' ') }
          : {}),
      },
    });
    return {
      series,
      layout: this.layout,
      ...(this.serial !== undefined ? { serial: this.serial } : {}),
      ...(this.device !== undefined ? { device: this.device } : {}),
    };
  }
}

/** Parses the text of an ActiLife / ActiGraph count CSV. */
export function parseActiLifeCsv(text: string, options: ActiLifeCsvOptions = {}): ActiLifeCsvRecording {
  const p = new ActiLifeCsvParser(options);
  forEachLineOfText(text, (l, n) => p.line(l, n), (options.limits ?? defaultImportLimits).maxLineChars);
  return p.finish();
}

/** Reads an ActiLife / ActiGraph count CSV file (streamed when large). */
export async function readActiLifeCsvFile(
  file: string,
  options: ActiLifeCsvOptions & DeviceReaderOptions = {},
): Promise<ActiLifeCsvRecording> {
  const p = new ActiLifeCsvParser(options);
  await forEachLineOfFile(file, (l, n) => p.line(l, n), lineOptions(options));
  return p.finish();
}
