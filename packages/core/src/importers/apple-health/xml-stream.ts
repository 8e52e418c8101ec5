import { TextDecoder } from 'node:util';
import { ClarityError } from '../../errors.ts';
import { ElementBuilder, type ExportElement } from './elements.ts';
import { FastScanner, LeaveFastPath, Utf8Window, latin1ToUtf8 } from './fast-scanner.ts';
import { ConformingParser } from './saxes-parser.ts';
import { defaultImportLimits, limitExceeded, type ImportLimits } from '../limits.ts';

/** A byte source: a Node Readable (async-iterable) or any AsyncIterable of byte chunks. */
export type ByteSource = AsyncIterable<Uint8Array | string>;

/**
 * 'auto': the fast scanner, switching to saxes for the rest of the file where it leaves its subset.
 * 'conforming': saxes for the whole file. 'fast': the fast scanner only; leaving its subset is an error
 * (used by tests to prove that real exports stay on the fast path).
 */
export type ParserChoice = 'auto' | 'fast' | 'conforming';

export interface ParserInfo {
  /** Which front end read the file: 'fast', 'conforming', or 'fast+conforming' after a switch. */
  mode: 'fast' | 'conforming' | 'fast+conforming';
  /** Why the fast path was left, when it was. */
  fallbackReason?: string;
  /** Bytes read from the source so far. */
  bytes: number;
}

/**
 * Streams the elements of an Apple Health export.xml, one array per input chunk (often empty). Memory is
 * bounded by the chunk size plus the largest single top-level element: nothing holds the whole file.
 * Pulling is driven by the consumer (async iteration), so a slow consumer slows the reading (backpressure).
 *
 * Throws ClarityError: 'invalid_input' for an empty file or a root other than HealthData, 'parse_error'
 * for malformed XML or invalid UTF-8. Elements completed before an error are yielded before it is thrown.
 */
export async function* readExportElements(
  source: ByteSource,
  options: { parser?: ParserChoice; info?: ParserInfo; limits?: ImportLimits } = {},
): AsyncGenerator<ExportElement[], void, undefined> {
  const limits = options.limits ?? defaultImportLimits;
  const choice = options.parser ?? 'auto';
  const info: ParserInfo = options.info ?? { mode: 'fast', bytes: 0 };
  info.mode = choice === 'conforming' ? 'conforming' : 'fast';
  info.bytes = 0;
  const builder = new ElementBuilder(limits);
  // Bytes must keep turning into elements: a DOCTYPE, a tag, an attribute or a text run that goes on and on
  // is refused once it passes its limit, whichever front end holds it (bounded memory for either).
  let eventsSeen = 0;
  let bytesSinceEvent = 0;
  const checkProgress = (n: number): void => {
    if (builder.events !== eventsSeen) {
      eventsSeen = builder.events;
      bytesSinceEvent = 0;
      return;
    }
    bytesSinceEvent += n;
    if (!builder.rootOpened && bytesSinceEvent > limits.maxDtdBytes)
      throw limitExceeded(
        'maxDtdBytes',
        limits.maxDtdBytes,
        `the XML prologue (DOCTYPE) runs past ${limits.maxDtdBytes} bytes without an element`,
      );
    if (builder.rootOpened && bytesSinceEvent > limits.maxTagBytes)
      throw limitExceeded(
        'maxTagBytes',
        limits.maxTagBytes,
        `one tag or text run is longer than ${limits.maxTagBytes} bytes`,
      );
  };
  // The fast path reads latin1 windows of validated UTF-8; the conforming parser gets decoded text.
  const window = new Utf8Window();
  let decoder: TextDecoder | null = null;
  let fast: FastScanner | null = null;
  let conforming: ConformingParser | null = null;
  if (choice === 'conforming') {
    decoder = new TextDecoder('utf-8', { fatal: true });
    conforming = new ConformingParser(builder, 'whole', limits);
  } else fast = new FastScanner(builder);

  const switchOver = (e: LeaveFastPath): void => {
    if (choice === 'fast') {
      throw new ClarityError('parse_error', `the file leaves the fast XML path (${e.reason})`);
    }
    info.mode = 'fast+conforming';
    info.fallbackReason = e.reason;
    fast = null;
    decoder = new TextDecoder('utf-8', { fatal: true });
    const carry = window.takeCarry();
    if (carry) decoder.decode(carry, { stream: true });
    conforming = new ConformingParser(builder, e.mode, limits);
    conforming.feed(latin1ToUtf8(e.resumeText));
  };
  const feedFast = (scanner: FastScanner, bytes: Buffer): void => {
    if (bytes.length === 0) return;
    try {
      scanner.feed(bytes);
    } catch (e) {
      if (!(e instanceof LeaveFastPath)) throw e;
      switchOver(e);
    }
  };
  const decode = (bytes: Uint8Array | undefined): string => {
    try {
      return bytes === undefined
        ? (decoder as TextDecoder).decode()
        : (decoder as TextDecoder).decode(bytes, { stream: true });
    } catch (e) {
      throw bytes === undefined
        ? new ClarityError('parse_error', 'the file ends inside a UTF-8 character (truncated?)', { cause: e })
        : new ClarityError('parse_error', `the file is not valid UTF-8 (near byte ${info.bytes})`, {
            cause: e,
          });
    }
  };

  let failure: Error | undefined;
  try {
    for await (const chunk of source) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      info.bytes += bytes.byteLength;
      if (fast) feedFast(fast, window.push(bytes));
      else conforming?.feed(decode(bytes));
      checkProgress(bytes.byteLength);
      if (builder.out.length > 0) yield builder.take();
    }
    if (info.bytes === 0) throw new ClarityError('invalid_input', 'the file is empty');
    if (fast) {
      window.end();
      try {
        fast.end();
      } catch (e) {
        if (!(e instanceof LeaveFastPath)) throw e;
        switchOver(e);
      }
    }
    if (conforming) {
      conforming.feed(decode(undefined));
      conforming.end();
    }
  } catch (e) {
    failure = e instanceof Error ? e : new Error('the byte source failed');
  }
  if (builder.out.length > 0) yield builder.take();
  if (failure !== undefined) throw failure;
}
