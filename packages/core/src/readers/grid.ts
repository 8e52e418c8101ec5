import { ClarityError } from '../errors.ts';
import { GrowableFloat64 } from './growable.ts';

/**
 * Collects timestamped values onto a regular epoch grid. Rows must come in time order on multiples of the
 * epoch length; a jump forward of k epochs inserts k-1 missing (NaN) epochs, so gaps in a device export stay
 * visible as missing data instead of silently closing up. Duplicates, rows going back in time and rows off
 * the grid are parse errors naming the line.
 */
export class RegularGrid {
  readonly values: GrowableFloat64;
  private epochMs: number | undefined;
  private startMs: number | undefined;
  private lastMs = NaN;
  private readonly label: string;

  constructor(label: string, epochSeconds?: number, capacity = 4096) {
    this.label = label;
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
    for (let k = step / epochMs; k > 1; k--) this.values.push(NaN);
    this.values.push(value);
    this.lastMs = tMs;
  }

  private fail(lineNo: number, reason: string): never {
    throw new ClarityError('parse_error', `${this.label} line ${lineNo}: ${reason}`, {
      details: [{ path: ['line', lineNo], message: reason, line: lineNo }],
    });
  }
}
