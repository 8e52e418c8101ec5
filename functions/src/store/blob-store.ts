/**
 * Raw objects (what users sent) behind one small interface. In production it is Cloud Storage; on the
 * emulators, where no Storage emulator can run on every machine, it is a local folder. Handlers take a
 * BlobStore, so the same code is tested on real files either way.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { getStorage } from 'firebase-admin/storage';
import { ClarityError } from '@clarity/core';

export interface BlobStore {
  put(objectPath: string, data: Buffer, contentType: string): Promise<void>;
  get(objectPath: string): Promise<Buffer>;
  /** Streams an object: large exports are never read whole into memory. */
  openRead(objectPath: string): Readable;
  /** Streams bytes [start, end) of an object (zip archives are read by ranges). */
  openRange(objectPath: string, start: number, end: number): Readable;
  size(objectPath: string): Promise<number>;
  copy(from: string, to: string): Promise<void>;
  exists(objectPath: string): Promise<boolean>;
  deletePrefix(prefix: string): Promise<void>;
}

function checkPath(objectPath: string): string {
  const normal = path.posix.normalize(objectPath);
  if (normal.startsWith('..') || normal.startsWith('/') || normal !== objectPath) {
    throw new ClarityError('invalid_argument', 'invalid object path');
  }
  return normal;
}

export class FsBlobStore implements BlobStore {
  readonly root: string;
  constructor(root: string) {
    this.root = path.resolve(root);
  }
  private file(objectPath: string): string {
    return path.join(this.root, checkPath(objectPath));
  }
  async put(objectPath: string, data: Buffer, _contentType?: string): Promise<void> {
    const f = this.file(objectPath);
    await mkdir(path.dirname(f), { recursive: true });
    // Write-then-rename so a reader never sees half an object; a unique temporary name per write, because
    // concurrent writes of one object (retried uploads under load) in the same millisecond collided.
    const tmp = `${f}.${process.pid}.${randomUUID()}.tmp`;
    await writeFile(tmp, data);
    await rename(tmp, f);
  }
  async get(objectPath: string): Promise<Buffer> {
    try {
      return await readFile(this.file(objectPath));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT')
        throw new ClarityError('not_found', `object ${objectPath} not found`);
      throw e;
    }
  }
  openRead(objectPath: string): Readable {
    return createReadStream(this.file(objectPath));
  }
  openRange(objectPath: string, start: number, end: number): Readable {
    if (end <= start) return Readable.from([]);
    // createReadStream's `end` is inclusive; ours is exclusive.
    return createReadStream(this.file(objectPath), { start, end: end - 1 });
  }
  async size(objectPath: string): Promise<number> {
    try {
      return (await stat(this.file(objectPath))).size;
    } catch {
      throw new ClarityError('not_found', `object ${objectPath} not found`);
    }
  }
  async copy(from: string, to: string): Promise<void> {
    const dest = this.file(to);
    await mkdir(path.dirname(dest), { recursive: true });
    await pipeline(createReadStream(this.file(from)), createWriteStream(dest));
  }
  async exists(objectPath: string): Promise<boolean> {
    return stat(this.file(objectPath)).then(
      () => true,
      () => false,
    );
  }
  async deletePrefix(prefix: string): Promise<void> {
    await rm(this.file(prefix), { recursive: true, force: true });
  }
}

export class GcsBlobStore implements BlobStore {
  private readonly bucketName: string | undefined;
  constructor(bucketName?: string) {
    this.bucketName = bucketName;
  }
  private get bucket() {
    return getStorage().bucket(this.bucketName);
  }
  async put(objectPath: string, data: Buffer, contentType: string): Promise<void> {
    await this.bucket.file(checkPath(objectPath)).save(data, { contentType, resumable: false });
  }
  async get(objectPath: string): Promise<Buffer> {
    const [buf] = await this.bucket.file(checkPath(objectPath)).download();
    return buf;
  }
  openRead(objectPath: string): Readable {
    return this.bucket.file(checkPath(objectPath)).createReadStream();
  }
  openRange(objectPath: string, start: number, end: number): Readable {
    return this.bucket.file(checkPath(objectPath)).createReadStream({ start, end: end - 1 });
  }
  async size(objectPath: string): Promise<number> {
    const [meta] = await this.bucket.file(checkPath(objectPath)).getMetadata();
    return Number(meta.size);
  }
  async copy(from: string, to: string): Promise<void> {
    await this.bucket.file(checkPath(from)).copy(this.bucket.file(checkPath(to)));
  }
  async exists(objectPath: string): Promise<boolean> {
    const [e] = await this.bucket.file(checkPath(objectPath)).exists();
    return e;
  }
  async deletePrefix(prefix: string): Promise<void> {
    await this.bucket.deleteFiles({ prefix: checkPath(prefix) });
  }
}
