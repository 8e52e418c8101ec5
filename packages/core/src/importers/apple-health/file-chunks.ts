import { closeSync, openSync, readSync } from 'node:fs';

/**
 * The bytes of a local file as chunks read into one reused buffer: each chunk is overwritten by the next
 * read, so only a consumer that is done with a chunk before asking for the next may use this source.
 * readExportElements is one (it copies what it keeps: the text it scans, an unfinished element, a split
 * UTF-8 character). A stream that allocates a new buffer per read costs a page-faulting allocation per
 * chunk and pushes the garbage collector with external memory.
 *
 * Reads are synchronous: a read of a cached file takes tens of microseconds, less than handing it to the
 * thread pool and waiting for that thread to be scheduled, which on a busy machine leaves the parser idle
 * at every chunk. The event loop still turns between chunks (this is an async generator).
 *
 * @param chunkBytes bytes per read (default 256 KiB)
 */
// eslint-disable-next-line @typescript-eslint/require-await -- synchronous reads on purpose (above); async for ByteSource
export async function* fileChunks(path: string, chunkBytes = 256 * 1024): AsyncGenerator<Buffer, void> {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(chunkBytes);
    for (;;) {
      const bytesRead = readSync(fd, buf, 0, chunkBytes, null);
      if (bytesRead === 0) return;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    closeSync(fd);
  }
}
