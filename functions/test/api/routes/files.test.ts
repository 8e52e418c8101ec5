/**
 * The emulator-only file route's wiring without the emulators: it is off (404, naming the Storage SDK path)
 * unless an ObjectFinalizer is configured, and the finalizer finds the Functions emulator through the hub and
 * posts the same CloudEvent Cloud Storage sends. Its behaviour on the emulators: packages/client tests.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Auth } from 'firebase-admin/auth';
import type { Firestore } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../../src/api/app.ts';
import { defaultSecurity } from '../../../src/api/security.ts';
import { defaultBucketOf } from '../../../src/platform/config.ts';
import { emulatorFinalizer, type finalizedEvent } from '../../../src/platform/emulator-storage.ts';
import { createLogger } from '../../../src/platform/logger.ts';
import { FsBlobStore } from '../../../src/store/blob-store.ts';

describe('PUT /v1/health/files outside the emulators', () => {
  it('answers 404 before any authentication, pointing at the Storage SDK', async () => {
    const app = createApp({
      db: {} as Firestore,
      auth: {} as Auth,
      blobs: new FsBlobStore('/nonexistent'),
      log: createLogger({ test: 'files' }),
      now: Date.now,
      maxUploadBytes: 1024,
      version: 't',
      startedAt: 0,
      security: defaultSecurity,
    });
    const server = createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/v1/health/files/u1/export.zip`, {
        method: 'PUT',
        headers: { 'content-type': 'application/zip' },
        body: 'PK',
      });
      expect(res.status).toBe(404);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('not_found');
      expect(body.error.message).toMatch(/only served on the emulators.*Storage SDK/);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('the default bucket', () => {
  it("comes from FIREBASE_CONFIG's storageBucket, else <project>.appspot.com", () => {
    expect(defaultBucketOf('{"storageBucket":"b.example","projectId":"p"}', 'p')).toBe('b.example');
    expect(defaultBucketOf('{"projectId":"p"}', 'p')).toBe('p.appspot.com');
    expect(defaultBucketOf(undefined, 'demo-clarity')).toBe('demo-clarity.appspot.com');
    expect(defaultBucketOf('/path/to/config.json', 'p')).toBe('p.appspot.com');
  });
});

describe('emulatorFinalizer', () => {
  it('asks the hub for the Functions emulator and posts the finalize CloudEvent to its multicast route', async () => {
    const calls: { url: string; init?: RequestInit }[] = [];
    const stub = ((url: string, init?: RequestInit) => {
      calls.push({ url, ...(init ? { init } : {}) });
      if (url.endsWith('/emulators'))
        return Promise.resolve(Response.json({ functions: { host: '127.0.0.1', port: 5001 } }));
      return Promise.resolve(new Response('{}', { status: 200 }));
    }) as typeof fetch;
    const f = emulatorFinalizer({
      hub: '127.0.0.1:4400',
      projectId: 'demo-x',
      bucket: 'demo-x.appspot.com',
      fetch: stub,
    });
    await f.finalize(
      {
        name: 'uploads/u/a/x.AWD',
        size: 3,
        contentType: 'application/octet-stream',
        metadata: { timezone: 'UTC' },
      },
      'ev1',
    );
    await f.finalize({ name: 'uploads/u/b/y.AWD', size: 4, contentType: 'application/octet-stream' });
    expect(calls.map((c) => c.url)).toEqual([
      'http://127.0.0.1:4400/emulators',
      'http://127.0.0.1:5001/functions/projects/demo-x/trigger_multicast',
      'http://127.0.0.1:5001/functions/projects/demo-x/trigger_multicast',
    ]);
    expect(calls[1]?.init?.headers).toEqual({ 'content-type': 'application/cloudevents+json' });
    const event = JSON.parse(calls[1]?.init?.body as string) as ReturnType<typeof finalizedEvent>;
    expect(event).toMatchObject({
      id: 'ev1',
      type: 'google.cloud.storage.object.v1.finalized',
      source: '//storage.googleapis.com/projects/_/buckets/demo-x.appspot.com',
      subject: 'objects/uploads/u/a/x.AWD',
      data: {
        bucket: 'demo-x.appspot.com',
        name: 'uploads/u/a/x.AWD',
        size: '3',
        metadata: { timezone: 'UTC' },
      },
    });
    expect(JSON.parse(calls[2]?.init?.body as string)).not.toHaveProperty('data.metadata');
  });

  it('fails clearly when the emulator refuses the event', async () => {
    const stub = ((url: string) =>
      Promise.resolve(
        url.endsWith('/emulators')
          ? Response.json({ functions: { host: '::1', port: 5001 } })
          : new Response('no', { status: 500 }),
      )) as typeof fetch;
    const f = emulatorFinalizer({ hub: 'h:1', projectId: 'p', bucket: 'b', fetch: stub });
    await expect(f.finalize({ name: 'n', size: 1, contentType: 'text/csv' })).rejects.toThrow(
      /refused the finalize event: 500/,
    );
  });
});
