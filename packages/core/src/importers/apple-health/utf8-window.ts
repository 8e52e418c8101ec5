import { isUtf8 } from 'node:buffer';
import { ClarityError } from '../../errors.ts';

const noBytes = Buffer.alloc(0);

/**
 * Cuts UTF-8 byte chunks at character boundaries after checking that they are valid UTF-8 (simdutf, via
 * buffer.isUtf8); the scanner reads them as latin1 text (one char per byte). Latin1 strings are one byte
 * per char in V8 and cost a copy to make, where UTF-8 decoding of text with any non-ASCII character
 * (Apple's "Jane’s iPhone") gives two-byte strings; all markup is ASCII, and the scanner decodes the few
 * values with bytes above 0x7f itself. A leading byte-order mark is dropped, as a UTF-8 decoder does.
 */
export class Utf8Window {
  private carry: Buffer | null = null;
  private atStart = true;
  /** Bytes accepted so far (for error positions). */
  bytes = 0;

  push(chunk: Uint8Array): Buffer {
    let buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.carry) buf = Buffer.concat([this.carry, buf]);
    this.carry = null;
    if (this.atStart) {
      if (buf.length < 3 && [0xef, 0xbb, 0xbf].slice(0, buf.length).every((b, i) => buf[i] === b)) {
        this.carry = Buffer.from(buf);
        return noBytes;
      }
      this.atStart = false;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
    }
    let cut = buf.length;
    for (let k = 1; k <= Math.min(3, buf.length); k++) {
      const b = buf[buf.length - k] as number;
      if (b < 0x80) break;
      if (b >= 0xc0) {
        const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
        if (need > k) cut = buf.length - k;
        break;
      }
    }
    if (cut < buf.length) {
      this.carry = Buffer.from(buf.subarray(cut));
      buf = buf.subarray(0, cut);
    }
    if (!isUtf8(buf))
      throw new ClarityError('parse_error', `the file is not valid UTF-8 (near byte ${this.bytes})`);
    this.bytes += buf.length;
    return buf;
  }

  /** Bytes of an incomplete character held back (handed to a UTF-8 decoder on a switch). */
  takeCarry(): Buffer | null {
    const c = this.carry;
    this.carry = null;
    return c;
  }

  end(): void {
    if (this.carry)
      throw new ClarityError('parse_error', 'the file ends inside a UTF-8 character (truncated?)');
  }
}

/** Latin1 text of UTF-8 bytes (as the fast path holds it) back to the characters. */
export function latin1ToUtf8(text: string): string {
  return Buffer.from(text, 'latin1').toString('utf8');
}
