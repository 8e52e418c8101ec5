/**
 * Reader of NN-interval text files: one interval in milliseconds per line (integer or decimal), as written
 * by hrv-analysis' test data and pyHRV's sample series. Blank lines and lines starting with '#' are ignored;
 * anything else is a parse error naming the 1-based line. Intervals must be positive and finite.
 */
import { ClarityError } from '../errors.ts';

const NUMBER = /^[+]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function parseLine(raw: string, line: number): number | undefined {
  const text = raw.trim();
  if (text === '' || text.startsWith('#')) return undefined;
  const value = NUMBER.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(value) || value <= 0) {
    throw new ClarityError('parse_error', `line ${line}: expected one positive NN interval in ms`, {
      details: [{ path: ['line', line], line, message: 'expected one positive number (ms) per line' }],
    });
  }
  return value;
}

/** Growable Float64Array so millions of intervals do not become a boxed number[]. */
class FloatBuffer {
  private data = new Float64Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  toArray(): Float64Array {
    return this.data.slice(0, this.length);
  }
}

export function parseNnIntervals(text: string): Float64Array {
  const out = new FloatBuffer();
  let line = 0;
  let pos = 0;
  while (pos <= text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    line++;
    const v = parseLine(text.slice(pos, end), line);
    if (v !== undefined) out.push(v);
    pos = end + 1;
  }
  return out.toArray();
}

/**
 * Streaming variant: reads chunks (strings or UTF-8 bytes, e.g. a `fs.createReadStream`) without holding
 * the whole text in memory.
 */
export async function readNnIntervals(chunks: AsyncIterable<string | Uint8Array>): Promise<Float64Array> {
  const out = new FloatBuffer();
  const decoder = new TextDecoder();
  let carry = '';
  let line = 0;
  for await (const chunk of chunks) {
    carry += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let pos = 0;
    for (let end = carry.indexOf('\n', pos); end >= 0; end = carry.indexOf('\n', pos)) {
      line++;
      const v = parseLine(carry.slice(pos, end), line);
      if (v !== undefined) out.push(v);
      pos = end + 1;
    }
    carry = carry.slice(pos);
  }
  carry += decoder.decode();
  if (carry.length > 0) {
    const v = parseLine(carry, line + 1);
    if (v !== undefined) out.push(v);
  }
  return out.toArray();
}
