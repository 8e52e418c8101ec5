import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';

/** Called once per line (without its CR/LF) with its 1-based line number. */
export type LineHandler = (line: string, lineNo: number) => void;

/**
 * Calls `onLine` for each line of `text`. CRLF, LF and a final line without terminator are all accepted;
 * a trailing empty line after the last terminator is not reported.
 */
export function forEachLineOfText(text: string, onLine: LineHandler): void {
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a UTF-8 BOM is not part of the first field
  let lineNo = 0;
  const n = text.length;
  while (start < n) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = n;
    const stop = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
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
    forEachLineOfText(await readFile(file, 'utf8'), onLine);
    return;
  }
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  let lineNo = 0;
  let lastReport = 0;
  for await (const raw of rl) {
    lineNo++;
    const line = lineNo === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    onLine(line, lineNo);
    if (options.onProgress && stream.bytesRead - lastReport >= PROGRESS_STEP_BYTES) {
      lastReport = stream.bytesRead;
      options.onProgress(stream.bytesRead, size);
    }
  }
  options.onProgress?.(size, size);
}
