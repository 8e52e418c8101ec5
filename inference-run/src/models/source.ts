/**
 * Where models come from: a local folder, or gs://bucket/prefix copied into a local cache folder through the
 * official @google-cloud/storage client (Application Default Credentials on Cloud Run; `apiEndpoint` points it
 * elsewhere, e.g. a test server speaking the GCS JSON API). Checksums are verified after the copy, by the
 * registry, from the manifest: the copy itself is not trusted.
 */
import { mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { Storage } from '@google-cloud/storage';

export interface GcsOptions {
  /** e.g. http://127.0.0.1:4443 for a local server; unset on Cloud Run. */
  apiEndpoint?: string;
  projectId?: string;
}

export function parseGsUrl(url: string): { bucket: string; prefix: string } | undefined {
  const m = /^gs:\/\/([a-z0-9][a-z0-9._-]{1,220})(?:\/(.*))?$/.exec(url);
  if (!m?.[1]) return undefined;
  const prefix = (m[2] ?? '').replace(/\/+$/, '');
  return { bucket: m[1], prefix };
}

/** Returns a local folder holding the models at `location` (downloading gs:// into `cacheDir`). */
export async function materialise(location: string, cacheDir: string, gcs: GcsOptions = {}): Promise<string> {
  const gs = parseGsUrl(location);
  if (!gs) return location;
  const storage = new Storage({
    ...(gcs.apiEndpoint ? { apiEndpoint: gcs.apiEndpoint, useAuthWithCustomEndpoint: false } : {}),
    ...(gcs.projectId ? { projectId: gcs.projectId } : {}),
  });
  const target = join(cacheDir, gs.bucket, gs.prefix);
  const [files] = await storage
    .bucket(gs.bucket)
    .getFiles({ prefix: gs.prefix === '' ? undefined : `${gs.prefix}/` });
  if (files.length === 0) throw new Error(`no objects under ${location}`);
  for (const file of files) {
    if (file.name.endsWith('/')) continue;
    const rel = relative(gs.prefix, file.name);
    if (rel.startsWith('..')) continue;
    const dest = join(target, rel);
    await mkdir(join(dest, '..'), { recursive: true });
    // The sha256 in the manifest is the integrity check; GCS's own hash headers are optional extras.
    await file.download({ destination: dest, validation: false });
  }
  return target;
}
