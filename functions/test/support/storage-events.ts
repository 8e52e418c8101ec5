/**
 * Files reach the functions the way a client sends them. On this machine (no Storage emulator) that is the
 * emulator-only route PUT /v1/health/files/{uploadId}/{filename} (api/routes/files.ts), which stores the
 * bytes where the Storage SDK would and delivers the `object.v1.finalized` CloudEvent to the storage trigger;
 * no test writes into the blob folder itself. `fireFinalized` redelivers an event for an object already
 * uploaded (the at-least-once redelivery Cloud Storage may do).
 */
import { finalizedEvent } from '../../src/platform/emulator-storage.ts';
import { emulatorOrigin, projectId } from './emulators.ts';

export const apiUrl = `${emulatorOrigin('functions')}/${projectId}/us-central1/api`;

/** Redelivers the finalize event of an uploaded object to the Functions emulator. */
export async function fireFinalized(
  name: string,
  size: number,
  options: { contentType?: string; metadata?: Record<string, string>; id?: string } = {},
): Promise<void> {
  const event = finalizedEvent(
    `${projectId}.appspot.com`,
    {
      name,
      size,
      contentType: options.contentType ?? 'application/octet-stream',
      ...(options.metadata ? { metadata: options.metadata } : {}),
    },
    options.id,
  );
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

/**
 * Uploads a file as a signed-in client does on the emulators (the file route); returns the object name,
 * uploads/{uid}/{uploadId}/{filename}.
 */
export async function uploadAsClient(
  idToken: string,
  uploadId: string,
  filename: string,
  data: Buffer,
  options: { contentType?: string; metadata?: { timezone?: string; subject?: string } } = {},
): Promise<string> {
  const query = new URLSearchParams(options.metadata ?? {}).toString();
  const res = await fetch(
    `${apiUrl}/v1/health/files/${encodeURIComponent(uploadId)}/${encodeURIComponent(filename)}${query ? `?${query}` : ''}`,
    {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${idToken}`,
        'content-type': options.contentType ?? 'application/octet-stream',
      },
      body: new Uint8Array(data),
    },
  );
  const body = (await res.json()) as { data?: { object: string }; error?: { message: string } };
  if (res.status !== 201 || !body.data)
    throw new Error(`file upload refused: ${res.status} ${body.error?.message ?? ''}`);
  return body.data.object;
}
