/**
 * What the Storage emulator does after an upload, for machines where it cannot run (its rules runtime is a
 * separate download): deliver the `google.cloud.storage.object.v1.finalized` CloudEvent to the Functions
 * emulator, which runs the same onObjectFinalized trigger a real upload would. Used only by the emulator-only
 * file route (api/routes/files.ts); nothing here runs when deployed.
 */
import { randomUUID } from 'node:crypto';

export interface FinalizedObject {
  name: string;
  size: number;
  contentType: string;
  metadata?: Record<string, string>;
}

/** Hands a finished object to the storage trigger, as the Storage service would. */
export interface ObjectFinalizer {
  readonly bucket: string;
  finalize(object: FinalizedObject, eventId?: string): Promise<void>;
}

/** The CloudEvent Cloud Storage (and its emulator) sends for a finalized object (structured mode). */
export function finalizedEvent(bucket: string, object: FinalizedObject, id: string = randomUUID()) {
  return {
    specversion: '1.0',
    id,
    source: `//storage.googleapis.com/projects/_/buckets/${bucket}`,
    type: 'google.cloud.storage.object.v1.finalized',
    subject: `objects/${object.name}`,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data: {
      bucket,
      name: object.name,
      size: String(object.size),
      contentType: object.contentType,
      kind: 'storage#object',
      generation: String(Date.now()),
      timeCreated: new Date().toISOString(),
      ...(object.metadata && Object.keys(object.metadata).length > 0 ? { metadata: object.metadata } : {}),
    },
  };
}

/**
 * Posts the event to the Functions emulator's multicast endpoint (which fans it out to every function
 * subscribed to that event type and bucket). The emulator's address is asked of the Emulator Hub
 * (FIREBASE_EMULATOR_HUB, set in every emulated function), so no port is hard-coded here.
 */
export function emulatorFinalizer(options: {
  hub: string;
  projectId: string;
  bucket: string;
  fetch?: typeof fetch;
}): ObjectFinalizer {
  const doFetch = options.fetch ?? fetch;
  let functionsOrigin: Promise<string> | undefined;
  const origin = (): Promise<string> =>
    (functionsOrigin ??= (async () => {
      const res = await doFetch(`http://${options.hub}/emulators`);
      if (!res.ok) throw new Error(`emulator hub answered ${res.status}`);
      const list = (await res.json()) as Record<string, { host: string; port: number } | undefined>;
      const f = list.functions;
      if (!f) throw new Error('the emulator hub lists no Functions emulator');
      const host = f.host.includes(':') ? `[${f.host}]` : f.host;
      return `http://${host}:${f.port}`;
    })().catch((e: unknown) => {
      functionsOrigin = undefined;
      throw e;
    }));
  return {
    bucket: options.bucket,
    async finalize(object, eventId) {
      const res = await doFetch(
        `${await origin()}/functions/projects/${options.projectId}/trigger_multicast`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/cloudevents+json' },
          body: JSON.stringify(finalizedEvent(options.bucket, object, eventId)),
        },
      );
      if (!res.ok) throw new Error(`the Functions emulator refused the finalize event: ${res.status}`);
    },
  };
}
