import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { defaultImportLimits, limitExceeded, type DeviceFileLimits } from '../importers/limits.ts';

/** Called once per line (without its CR/LF) with its 1-based line number. */
export type LineHandler = (line: string, lineNo: number) => void;

/**
 * Calls `onLine` for each line of `text`. CRLF, LF and a final line without terminator are all accepted;
 * a trailing empty line after the last terminator is not reported.
 */
export function forEachLineOfText(
  text: string,
  onLine: LineHandler,
  maxLineChars: number = defaultImportLimits.maxLineChars,
): void {
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a UTF-8 BOM is not part of the first field
  let lineNo = 0;
  const n = text.length;
  while (start < n) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = n;
    const stop = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    if (stop - start > maxLineChars) throw longLine(lineNo + 1, maxLineChars);
    onLine(text.slice(start, stop), ++lineNo);
    start = end + 1;
  }
}

/** Files up to this size are read in one go (fast path); larger ones are streamed line by line. */
export const STREAM_THRESHOLD_BYTES = 32 * 1024 * 1024;

/** Progress is reported about every this many bytes while streaming. */
const PROGRESS_STEP_BYTES = 8 << 20;

export interface LineReadOptions {
  /** Called with (bytesRead, totalBytes) while streaming large files; the CLI draws progress with it. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Stream files larger than this (default STREAM_THRESHOLD_BYTES). */
  streamThresholdBytes?: number;
  /** Longest line accepted (default limits.maxLineChars): a file without line breaks ends here. */
  maxLineChars?: number;
}

/** The options of a device reader: how to read its lines, and its limits (default defaultImportLimits). */
export interface DeviceReaderOptions extends LineReadOptions {
  limits?: DeviceFileLimits;
}

/** Line options with the limits' maxLineChars (an explicit maxLineChars wins). */
export function lineOptions(options: DeviceReaderOptions): LineReadOptions {
  const { limits, ...rest } = options;
  return { ...rest, maxLineChars: options.maxLineChars ?? (limits ?? defaultImportLimits).maxLineChars };
}

function longLine(lineNo: number, max: number) {
  return limitExceeded(
    'maxLineChars',
    max,
    `line ${lineNo} is longer than ${max} characters (no line break?)`,
  );
}

/**
 * Reads a text file line by line. Small files are read whole (a single string split is several times faster
 * than readline); files above STREAM_THRESHOLD_BYTES go through node:readline so memory stays bounded by the
 * parsed output, not the file.
 */
export async function forEachLineOfFile(
  file: string,
  onLine: LineHandler,
  options: LineReadOptions = {},
): Promise<void> {
  const { size } = await stat(file);
  if (size <= (options.streamThresholdBytes ?? STREAM_THRESHOLD_BYTES)) {
    forEachLineOfText(await readFile(file, 'utf8'), onLine, options.maxLineChars);
    return;
  }
  // Split by hand, not node:readline: readline buffers a line whole, so a file without line breaks would be
  // held in memory; here a line longer than maxLineChars ends the read as soon as it is seen.
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  let lastReport = 0;
  try {
    await forEachLineOfChunks(stream as AsyncIterable<string>, onLine, {
      ...(options.maxLineChars !== undefined ? { maxLineChars: options.maxLineChars } : {}),
      onChunk: () => {
        if (options.onProgress && stream.bytesRead - lastReport >= PROGRESS_STEP_BYTES) {
          lastReport = stream.bytesRead;
          options.onProgress(stream.bytesRead, size);
        }
      },
    });
  } finally {
    stream.destroy();
  }
  options.onProgress?.(size, size);
}

/**
 * Calls `onLine` for each line of a chunk stream (strings or UTF-8 bytes; LF or CRLF; a BOM on the first
 * line dropped) with its 1-based number. A line longer than maxLineChars ends the read as soon as the
 * carried text passes it, so a stream without line breaks never accumulates.
 */
export async function forEachLineOfChunks(
  chunks: AsyncIterable<string | Uint8Array>,
  onLine: LineHandler,
  options: { maxLineChars?: number; onChunk?: () => void } = {},
): Promise<void> {
  const maxLine = options.maxLineChars ?? defaultImportLimits.maxLineChars;
  const decoder = new TextDecoder();
  let carry = '';
  let lineNo = 0;
  const emit = (raw: string) => {
    lineNo++;
    let line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (lineNo === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    if (line.length > maxLine) throw longLine(lineNo, maxLine);
    onLine(line, lineNo);
  };
  for await (const chunk of chunks) {
    carry += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let pos = 0;
    for (let end = carry.indexOf('\n'); end >= 0; end = carry.indexOf('\n', pos)) {
      emit(carry.slice(pos, end));
      pos = end + 1;
    }
    carry = carry.slice(pos);
    if (carry.length > maxLine + 1) throw longLine(lineNo + 1, maxLine);
    options.onChunk?.();
  }
  carry += decoder.decode();
  if (carry.length > 0) emit(carry);
}
