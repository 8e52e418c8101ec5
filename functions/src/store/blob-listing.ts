/**
 * Lists the objects under a prefix of a BlobStore (export and deletion need "everything this user sent").
 * Kept beside blob-store.ts rather than in the BlobStore interface while that file is being extended by the
 * import work; it dispatches on the two implementations.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { getStorage } from 'firebase-admin/storage';
import { ClarityError } from '@clarity/core';
import { FsBlobStore, GcsBlobStore, type BlobStore } from './blob-store.ts';

/** Object paths (sorted) that start with `prefix` (a folder prefix ending in '/'). */
export async function listObjects(blobs: BlobStore, prefix: string): Promise<string[]> {
  if (!prefix.endsWith('/') || prefix.startsWith('/') || prefix.includes('..')) {
    throw new ClarityError('invalid_argument', 'invalid object prefix');
  }
  if (blobs instanceof FsBlobStore) {
    const dir = path.join(blobs.root, prefix);
    let entries;
    try {
      entries = await readdir(dir, { recursive: true, withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    return entries
      .filter((e) => e.isFile() && !e.name.endsWith('.tmp'))
      .map((e) => path.relative(blobs.root, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
      .sort();
  }
  if (blobs instanceof GcsBlobStore) {
    // bucketName is private to the store; element access is TypeScript's sanctioned escape hatch.
    const [files] = await getStorage().bucket(blobs['bucketName']).getFiles({ prefix });
    return files.map((f) => f.name).sort();
  }
  throw new ClarityError('internal', 'this blob store cannot list objects');
}
