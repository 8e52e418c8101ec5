import { ClarityError } from '../errors.ts';
import { createEpochSeries, type EpochSeries } from '../contracts/epoch-series.ts';
import { defaultImportLimits, limitExceeded, type DeviceFileLimits } from '../importers/limits.ts';
import { GrowableFloat64 } from './growable.ts';
import { forEachLineOfFile, forEachLineOfText, lineOptions, type DeviceReaderOptions } from './lines.ts';
import { msToLocalIso, partsToMs } from './local-time.ts';

/**
 * Philips Respironics / Cambridge Neurotechnology Actiwatch `.AWD` files.
 *
 * Layout (CRLF): seven header lines, then one activity count per line, optionally followed by the event
 * marker `M` (button press):
 *   1 subject name          4 epoch-length code         7 sex (M/F, often X)
 *   2 start date DD-Mon-YYYY 5 age
 *   3 start time HH:MM       6 device serial
 *
 * Models with a light sensor add a second number per line (light); it is skipped, the count is kept.
 *
 * Epoch code: the epoch length in units of 15 s, as Actiware and pyActigraphy read it:
 * 1 = 15 s, 2 = 30 s, 4 = 60 s (the usual setting), 8 = 120 s, 20 = 300 s. Any positive integer code is
 * accepted on that rule. Counts are non-negative numbers; the file has no missing-value marker.
 */

export interface AwdHeader {
  subject: string;
  /** Local start, `YYYY-MM-DDTHH:mm:ss`. */
  start: string;
  epochCode: number;
  epochSeconds: number;
  age: string;
  serial: string;
  sex: string;
}

export interface AwdRecording {
  header: AwdHeader;
  series: EpochSeries;
  /** Epoch indexes that carry the `M` event marker. */
  markers: number[];
}

const MONTHS: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};

function fail(line: number, reason: string): never {
  throw new ClarityError('parse_error', `AWD line ${line}: ${reason}`, {
    details: [{ path: ['line', line], message: reason, line }],
  });
}

class AwdParser {
  private readonly headerLines: string[] = [];
  private readonly values = new GrowableFloat64(32_768);
  private readonly markers: number[] = [];
  private blankAt = 0;
  private header: AwdHeader | undefined;
  private readonly limits: DeviceFileLimits;
  /** Epochs the limits allow (maxEpochs, and maxSpanDays at the header's epoch length). */
  private maxValues: number;

  constructor(limits: DeviceFileLimits = defaultImportLimits) {
    this.limits = limits;
    this.maxValues = limits.maxEpochs;
  }

  line(text: string, lineNo: number): void {
    if (lineNo <= 7) {
      this.headerLines.push(text.trim());
      if (lineNo === 7) {
        const h = parseHeader(this.headerLines);
        this.header = h;
        // Epoch k starts k epochs after the first: the span allows floor(days / epoch) + 1 epochs.
        const bySpan = Math.floor((this.limits.maxSpanDays * 86_400) / h.epochSeconds) + 1;
        this.maxValues = Math.min(this.limits.maxEpochs, bySpan);
      }
      return;
    }
    // Parse a count by hand: this loop runs once per epoch and a regex per line costs more than the I/O.
    const n = text.length;
    let i = 0;
    while (i < n && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
    if (i === n) {
      if (this.blankAt === 0) this.blankAt = lineNo;
      return;
    }
    if (this.blankAt !== 0) fail(this.blankAt, 'blank line inside the data');
    let value = 0;
    let digits = 0;
    let frac = 0;
    let scale = 1;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 48 && c <= 57) {
        if (frac) {
          scale /= 10;
          value += (c - 48) * scale;
        } else value = value * 10 + (c - 48);
        digits++;
      } else if (c === 46 && !frac) frac = 1;
      else break;
    }
    if (digits === 0) fail(lineNo, 'expected a non-negative activity count');
    let marker = false;
    let extraNumber = false;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 44) continue;
      if ((c === 77 || c === 109) && !marker) {
        marker = true;
        continue;
      }
      // Actiwatch models with a light sensor write a second number (light, lux) after the count: skipped.
      if (!extraNumber && !marker && ((c >= 48 && c <= 57) || c === 46)) {
        extraNumber = true;
        while (
          i + 1 < n &&
          ((text.charCodeAt(i + 1) >= 48 && text.charCodeAt(i + 1) <= 57) || text.charCodeAt(i + 1) === 46)
        )
          i++;
        continue;
      }
      fail(lineNo, 'expected a non-negative activity count, optionally followed by the marker M');
    }
    if (marker) this.markers.push(this.values.length);
    if (this.values.length >= this.maxValues) this.tooLong(lineNo);
    this.values.push(value);
  }

  private tooLong(lineNo: number): never {
    const l = this.limits;
    if (this.values.length >= l.maxEpochs)
      throw limitExceeded(
        'maxEpochs',
        l.maxEpochs,
        `AWD line ${lineNo}: the recording holds more than ${l.maxEpochs} epochs`,
      );
    throw limitExceeded(
      'maxSpanDays',
      l.maxSpanDays,
      `AWD line ${lineNo}: the recording would span more than ${l.maxSpanDays} days`,
    );
  }

  finish(): AwdRecording {
    if (!this.header) {
      if (this.headerLines.length === 0) fail(1, 'empty file');
      fail(this.headerLines.length, `header is truncated: ${this.headerLines.length} of 7 lines`);
    }
    if (this.values.length === 0) fail(8, 'no activity counts after the header');
    const h = this.header;
    const series = createEpochSeries({
      start: h.start,
      epochSeconds: h.epochSeconds,
      values: this.values.toArray(),
      quantity: 'counts',
      source: { format: 'awd', device: `Actiwatch ${h.serial}`.trim(), subject: h.subject },
    });
    return { header: h, series, markers: this.markers };
  }
}

function parseHeader(lines: string[]): AwdHeader {
  const [subject = '', date = '', time = '', code = '', age = '', serial = '', sex = ''] = lines;
  const dm = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(date);
  const month = dm ? MONTHS[dm[2]!.toLowerCase()] : undefined;
  if (!dm || month === undefined) fail(2, 'start date is not DD-Mon-YYYY');
  const tm = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(time);
  if (!tm) fail(3, 'start time is not HH:MM');
  const ms = partsToMs(Number(dm[3]), month, Number(dm[1]), Number(tm[1]), Number(tm[2]), Number(tm[3] ?? 0));
  if (Number.isNaN(ms)) fail(2, 'start date/time is not a valid calendar date');
  if (!/^\d+$/.test(code) || Number(code) < 1) fail(4, 'epoch-length code is not a positive integer');
  const epochCode = Number(code);
  return { subject, start: msToLocalIso(ms), epochCode, epochSeconds: 15 * epochCode, age, serial, sex };
}

/** Parses the text of an AWD file. */
export function parseAwd(text: string, limits: DeviceFileLimits = defaultImportLimits): AwdRecording {
  const p = new AwdParser(limits);
  forEachLineOfText(text, (l, n) => p.line(l, n), limits.maxLineChars);
  return p.finish();
}

/** Reads an AWD file (streamed when large). */
export async function readAwdFile(file: string, options: DeviceReaderOptions = {}): Promise<AwdRecording> {
  const p = new AwdParser(options.limits);
  await forEachLineOfFile(file, (l, n) => p.line(l, n), lineOptions(options));
  return p.finish();
}
