import { PassThrough, Readable } from 'node:stream';
import { defaultImportLimits, limitExceeded, type ImportLimits } from '../limits.ts';
import yauzl from 'yauzl';
import { ClarityError } from '../../errors.ts';

/**
 * A zip archive the reader can seek in: the central directory sits at the end of a zip, so an archive is
 * read by ranges, never as one stream. For Cloud Storage, `read` maps to
 * `file.createReadStream({ start, end: end - 1 })`; for a local file, pass its path instead.
 */
export interface RandomAccessSource {
  /** Total size in bytes. */
  size: number;
  /** A stream of bytes [start, end) (end exclusive). */
  read(start: number, end: number): Readable;
}

export interface ZipEntryStream {
  /** The entry's path inside the archive. */
  entryName: string;
  /** Uncompressed size as the archive declares it (for progress). */
  uncompressedSize: number;
  stream: Readable;
}

/** Path of the export inside Apple's archive; other exporters put it at the root or under another folder. */
export const exportXmlEntry = 'apple_health_export/export.xml';

/** Largest archive tail (central directory + end record) fetched in one range read. */
const maxDirectoryFetchBytes = 32 * 1024 * 1024;

/**
 * yauzl reads the central directory one record at a time (46 bytes + name each): against Cloud Storage that
 * would be one ranged request per entry, including the thousands of entries (routes, ECGs) the importer
 * skips. The first small read inside the archive's tail fetches the rest of the file from there in ONE
 * range read and serves every later directory read from memory; large reads (the entry's data) stream.
 */
class SourceReader extends yauzl.RandomAccessReader {
  private readonly source: RandomAccessSource;
  private cache: { start: number; bytes: Buffer } | undefined;
  /** Range reads issued against the source (tests check that skipped entries cost none). */
  rangeReads = 0;
  constructor(source: RandomAccessSource) {
    super();
    this.source = source;
  }
  override _readStreamForRange(start: number, end: number): Readable {
    const c = this.cache;
    if (c && start >= c.start && end <= c.start + c.bytes.length)
      return Readable.from([c.bytes.subarray(start - c.start, end - c.start)]);
    const tail = this.source.size - start;
    if (end - start <= 65_557 + 1024 && tail <= maxDirectoryFetchBytes) {
      this.rangeReads++;
      const whole = this.source.read(start, this.source.size);
      const out = new PassThrough();
      void (async () => {
        try {
          const parts: Buffer[] = [];
          for await (const part of whole) parts.push(Buffer.from(part as Uint8Array));
          const bytes = Buffer.concat(parts);
          this.cache = { start, bytes };
          out.end(bytes.subarray(0, end - start));
        } catch (e) {
          out.destroy(e as Error);
        }
      })();
      return out;
    }
    this.rangeReads++;
    return this.source.read(start, end);
  }
}

function openZip(source: string | RandomAccessSource): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, zip?: yauzl.ZipFile): void => {
      if (err || !zip)
        reject(
          new ClarityError('parse_error', `not a readable zip archive: ${err?.message ?? 'unknown error'}`, {
            cause: err,
          }),
        );
      else resolve(zip);
    };
    const options = { lazyEntries: true, autoClose: false, strictFileNames: false, validateEntrySizes: true };
    if (typeof source === 'string') yauzl.open(source, options, done);
    else {
      const reader = new SourceReader(source);
      yauzl.fromRandomAccessReader(reader, source.size, options, done);
    }
  });
}

function pickEntry(names: yauzl.Entry[]): yauzl.Entry | undefined {
  const exact = names.find((e) => e.fileName === exportXmlEntry);
  if (exact) return exact;
  // Apple names the folder in some locales differently; any single `<folder>/export.xml` or root export.xml.
  const candidates = names
    .filter((e) => /(^|\/)export\.xml$/.test(e.fileName) && !e.fileName.startsWith('__MACOSX/'))
    .sort(
      (x, y) =>
        x.fileName.split('/').length - y.fileName.split('/').length || x.fileName.localeCompare(y.fileName),
    );
  return candidates[0];
}

/**
 * Opens `apple_health_export/export.xml` (or the shallowest other `export.xml`) inside a zip and returns
 * its decompressed byte stream. Throws ClarityError('invalid_input') when the archive holds no export.xml,
 * 'parse_error' when it is not a readable zip. The archive closes when the stream ends or is destroyed.
 */
export async function openExportXmlInZip(
  source: string | RandomAccessSource,
  limits: ImportLimits = defaultImportLimits,
): Promise<ZipEntryStream> {
  const zip = await openZip(source);
  const entries: yauzl.Entry[] = [];
  try {
    // Bounded before a single directory record is read: the end record states the entry count.
    if (zip.entryCount > limits.maxZipEntries)
      throw limitExceeded(
        'maxZipEntries',
        limits.maxZipEntries,
        `the zip archive declares ${zip.entryCount} entries`,
      );
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (e: yauzl.Entry) => {
        entries.push(e);
        zip.readEntry();
      });
      zip.on('end', () => resolve());
      zip.on('error', (err: Error) =>
        reject(new ClarityError('parse_error', `not a readable zip archive: ${err.message}`, { cause: err })),
      );
      zip.readEntry();
    });
    const entry = pickEntry(entries);
    if (!entry) {
      throw new ClarityError(
        'invalid_input',
        `the zip archive holds no ${exportXmlEntry} (${entries.length} entries); export it from the Health app with "Export All Health Data"`,
      );
    }
    // A zip bomb declares what it inflates to (yauzl's validateEntrySizes stops an entry that inflates past
    // its declared size), so the declared size and ratio bound the work before any byte is inflated.
    if (entry.uncompressedSize > limits.maxEntryBytes)
      throw limitExceeded(
        'maxEntryBytes',
        limits.maxEntryBytes,
        `${entry.fileName} inflates to ${entry.uncompressedSize} bytes`,
      );
    if (
      entry.uncompressedSize > 1 << 20 &&
      entry.uncompressedSize > limits.maxCompressionRatio * Math.max(1, entry.compressedSize)
    )
      throw limitExceeded(
        'maxCompressionRatio',
        limits.maxCompressionRatio,
        `${entry.fileName} inflates ${Math.round(entry.uncompressedSize / Math.max(1, entry.compressedSize))}-fold`,
      );
    const stream = await new Promise<Readable>((resolve, reject) => {
      zip.openReadStream(entry, (err, s) => {
        if (err || !s)
          reject(
            new ClarityError(
              'parse_error',
              `cannot read ${entry.fileName} in the zip archive: ${err?.message ?? 'unknown error'}`,
              { cause: err },
            ),
          );
        else resolve(s);
      });
    });
    stream.once('close', () => zip.close());
    stream.once('end', () => zip.close());
    return { entryName: entry.fileName, uncompressedSize: entry.uncompressedSize, stream };
  } catch (e) {
    zip.close();
    throw e;
  }
}

/** True when the first bytes are a zip local file header ("PK\x03\x04") or an empty archive ("PK\x05\x06"). */
export function looksLikeZip(head: Uint8Array): boolean {
  return (
    head.length >= 4 &&
    head[0] === 0x50 &&
    head[1] === 0x4b &&
    ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6))
  );
}
