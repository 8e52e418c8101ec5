/**
 * Delivering a Storage `object.v1.finalized` CloudEvent to the Functions emulator, as the Storage emulator
 * would (none runs on this machine): the object is written through the blob interface the functions use
 * on the emulators (BLOB_DIR=.cache/blobs), then the event is POSTed.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { FsBlobStore } from '../../src/store/blob-store.ts';
import { emulatorOrigin, projectId, repoRoot } from '../support/emulators.ts';

export const emulatorBlobs = (): FsBlobStore => new FsBlobStore(path.join(repoRoot, '.cache', 'blobs'));

export async function fireFinalized(
  name: string,
  size: number,
  options: { contentType?: string; metadata?: Record<string, string>; id?: string } = {},
): Promise<void> {
  const bucket = `${projectId}.appspot.com`;
  const event = {
    specversion: '1.0',
    id: options.id ?? randomUUID(),
    source: `//storage.googleapis.com/projects/_/buckets/${bucket}`,
    type: 'google.cloud.storage.object.v1.finalized',
    subject: `objects/${name}`,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data: {
      bucket,
      name,
      size: String(size),
      contentType: options.contentType ?? 'application/octet-stream',
      kind: 'storage#object',
      generation: '1',
      ...(options.metadata ? { metadata: options.metadata } : {}),
    },
  };
  const res = await fetch(
    `${emulatorOrigin('functions')}/functions/projects/${projectId}/trigger_multicast`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify(event),
    },
  );
  if (res.status !== 200) throw new Error(`finalize event refused: ${res.status}`);
}

/** Puts a file where the app's Storage upload would and delivers its finalize event. */
export async function uploadObject(
  uid: string,
  uploadId: string,
  filename: string,
  data: Buffer,
  options: { contentType?: string; metadata?: Record<string, string>; id?: string } = {},
): Promise<string> {
  const name = `uploads/${uid}/${uploadId}/${filename}`;
  await emulatorBlobs().put(name, data, options.contentType ?? 'application/octet-stream');
  await fireFinalized(name, data.length, options);
  return name;
}
