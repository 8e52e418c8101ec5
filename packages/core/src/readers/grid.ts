import { ClarityError } from '../errors.ts';
import { defaultImportLimits, limitExceeded, type ImportLimits } from '../importers/limits.ts';
import { GrowableFloat64 } from './growable.ts';

/**
 * Collects timestamped values onto a regular epoch grid. Rows must come in time order on multiples of the
 * epoch length; a jump forward of k epochs inserts k-1 missing (NaN) epochs, so gaps in a device export stay
 * visible as missing data instead of silently closing up. Duplicates, rows going back in time and rows off
 * the grid are parse errors naming the line.
 *
 * Bounded (issue 15): the span from the first row and the epoch count, gaps included, are checked against
 * maxSpanDays / maxEpochs BEFORE anything is allocated, so two rows 20 years apart end the read at once
 * instead of filling 630 million epochs; a gap within the limits is one bulk fill, never a loop per epoch.
 */
export class RegularGrid {
  readonly values: GrowableFloat64;
  private epochMs: number | undefined;
  private startMs: number | undefined;
  private lastMs = NaN;
  private readonly label: string;

  private readonly limits: Pick<ImportLimits, 'maxEpochs' | 'maxSpanDays'>;

  constructor(
    label: string,
    epochSeconds?: number,
    capacity = 4096,
    limits: Pick<ImportLimits, 'maxEpochs' | 'maxSpanDays'> = defaultImportLimits,
  ) {
    this.label = label;
    this.limits = limits;
    // A capacity read from the file (an .agd's epoch count) is a hint, never an allocation beyond the limit.
    capacity = Math.min(Math.max(16, capacity), limits.maxEpochs, 1 << 20);
    this.epochMs = epochSeconds === undefined ? undefined : epochSeconds * 1000;
    this.values = new GrowableFloat64(capacity);
  }

  get start(): number | undefined {
    return this.startMs;
  }

  get epochSeconds(): number | undefined {
    return this.epochMs === undefined ? undefined : this.epochMs / 1000;
  }

  add(tMs: number, value: number, lineNo: number): void {
    if (this.startMs === undefined) {
      this.startMs = tMs;
      this.lastMs = tMs;
      this.values.push(value);
      return;
    }
    const step = tMs - this.lastMs;
    if (this.epochMs === undefined) {
      if (step <= 0) this.fail(lineNo, 'timestamp does not increase');
      this.epochMs = step;
    }
    const epochMs = this.epochMs;
    if (step <= 0) this.fail(lineNo, 'timestamp is not after the previous row');
    if (step % epochMs !== 0) this.fail(lineNo, `timestamp is not on the ${epochMs / 1000}-s epoch grid`);
    const spanMs = tMs - this.startMs;
    if (spanMs > this.limits.maxSpanDays * 86_400_000)
      throw limitExceeded(
        'maxSpanDays',
        this.limits.maxSpanDays,
        `${this.label} line ${lineNo}: the recording would span ${Math.round(spanMs / 86_400_000)} days`,
      );
    const epochs = spanMs / epochMs + 1;
    if (epochs > this.limits.maxEpochs)
      throw limitExceeded(
        'maxEpochs',
        this.limits.maxEpochs,
        `${this.label} line ${lineNo}: the recording would hold ${epochs} epochs`,
      );
    this.values.pushRepeated(NaN, step / epochMs - 1);
    this.values.push(value);
    this.lastMs = tMs;
  }

  private fail(lineNo: number, reason: string): never {
    throw new ClarityError('parse_error', `${this.label} line ${lineNo}: ${reason}`, {
      details: [{ path: ['line', lineNo], message: reason, line: lineNo }],
    });
  }
}
