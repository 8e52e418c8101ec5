import { Readable } from 'node:stream';
import { crc32, deflateRawSync } from 'node:zlib';
import {
  readExportElements,
  type ExportElement,
  type ParserChoice,
  type ParserInfo,
} from '../../src/importers/apple-health/index.ts';
import type { RandomAccessSource } from '../../src/importers/apple-health/index.ts';

/** The bytes as an async iterable of chunks of `size` bytes (splits UTF-8 characters and tags anywhere). */
export async function* chunks(data: Uint8Array | string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  for (let i = 0; i < bytes.length; i += size) {
    await Promise.resolve();
    yield bytes.subarray(i, Math.min(bytes.length, i + size));
  }
}

export async function collect(
  data: Uint8Array | string,
  parser: ParserChoice,
  chunkSize = 4096,
): Promise<{ elements: ExportElement[]; info: ParserInfo; error?: Error }> {
  const elements: ExportElement[] = [];
  const info: ParserInfo = { mode: 'fast', bytes: 0 };
  try {
    for await (const batch of readExportElements(chunks(data, chunkSize), { parser, info }))
      elements.push(...batch);
  } catch (e) {
    return { elements, info, error: e as Error };
  }
  return { elements, info };
}

export interface ZipEntrySpec {
  name: string;
  data: Uint8Array | string;
  /** Deflate (method 8, default) or store (method 0). */
  store?: boolean;
}

/** A minimal zip writer (local headers, central directory, end record), enough to build test archives. */
export function makeZip(entries: ZipEntrySpec[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const raw = typeof e.data === 'string' ? Buffer.from(e.data) : Buffer.from(e.data);
    const body = e.store ? raw : deflateRawSync(raw);
    const name = Buffer.from(e.name);
    const crc = crc32(raw);
    const method = e.store ? 0 : 8;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(0x21, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(raw.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** A RandomAccessSource over an in-memory buffer (as a Cloud Storage object would serve ranges). */
export function bufferSource(buf: Buffer): RandomAccessSource & { reads: number } {
  const src = {
    size: buf.length,
    reads: 0,
    read(start: number, end: number): Readable {
      src.reads++;
      return Readable.from([buf.subarray(start, end)]);
    },
  };
  return src;
}

/** Counts Record elements per type attribute with a plain regular expression, independent of the parsers. */
export function countRecordsByRegex(xml: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of xml.matchAll(/<Record\s[^>]*?\btype="([^"]+)"/g)) {
    const t = m[1] as string;
    counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  return counts;
}
