/**
 * The trigger factory without the emulators: an event reaches its handler with the stage dependencies, a
 * failure propagates (the platform redelivers it), and an event older than the poison-event limit is
 * dropped. The real trigger files are driven with events their handlers ignore, so no Firestore is needed.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { DocumentSnapshot } from 'firebase-admin/firestore';
import type { HttpsFunction, Request as HttpsRequest } from 'firebase-functions/v2/https';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { StageDeps } from '../../src/pipeline/deps.ts';
import { documentCreated, httpsRequest, maxEventAgeMs } from '../../src/triggers/factory.ts';

const savedProject = process.env.GCLOUD_PROJECT;
beforeAll(() => {
  process.env.GCLOUD_PROJECT = 'demo-clarity';
});
afterAll(() => {
  if (savedProject === undefined) delete process.env.GCLOUD_PROJECT;
  else process.env.GCLOUD_PROJECT = savedProject;
});

type Run = { run: (event: unknown) => Promise<unknown> };
const event = (ageMs: number, extra: Record<string, unknown> = {}) => ({
  id: 'event-1',
  time: new Date(Date.now() - ageMs).toISOString(),
  params: { id: 'doc-1' },
  data: undefined,
  ...extra,
});

describe('trigger factory', () => {
  it('hands the event and the stage dependencies to the handler', async () => {
    const seen: [unknown, StageDeps][] = [];
    const fn = documentCreated('testCreated', 'things/{id}', {}, (e, deps) => {
      seen.push([e, deps]);
      return Promise.resolve();
    }) as unknown as Run;
    await fn.run(event(1000));
    expect(seen).toHaveLength(1);
    expect((seen[0]?.[0] as { params: unknown }).params).toEqual({ id: 'doc-1' });
    expect(Object.keys(seen[0]?.[1] ?? {}).sort()).toEqual(
      [
        'account',
        'analyze',
        'deliver',
        'fileIngest',
        'infer',
        'ingest',
        'insight',
        'log',
        'schedule',
        'scheduleUser',
        'uploadFinished',
      ].sort(),
    );
  });

  it('rethrows a failure, so the platform redelivers the event', async () => {
    const fn = documentCreated('testFailing', 'things/{id}', {}, () =>
      Promise.reject(new Error('transient')),
    ) as unknown as Run;
    await expect(fn.run(event(1000))).rejects.toThrow('transient');
  });

  it('drops an event older than the poison-event limit without running the handler', async () => {
    const handler = vi.fn(() => Promise.resolve());
    const fn = documentCreated('testExpired', 'things/{id}', {}, handler) as unknown as Run;
    await fn.run(event(maxEventAgeMs + 60_000));
    expect(handler).not.toHaveBeenCalled();
    await fn.run(event(maxEventAgeMs - 60_000));
    expect(handler).toHaveBeenCalledTimes(1);
  });
});

describe('trigger factory: HTTPS', () => {
  /** Serves the declared function on a loopback port, as the Functions runtime would hand it requests. */
  async function serve(fn: HttpsFunction) {
    const app = express();
    // The runtime's request also carries `rawBody`, which these handlers do not read.
    app.use((req, res) => fn(req as HttpsRequest, res));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { base, close: () => new Promise((resolve) => server.close(resolve)) };
  }

  it('hands each request to the handler, which answers it', async () => {
    const seen: string[] = [];
    const fn = httpsRequest('testHttps', {}, (req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.status(201).json({ ok: true });
    });
    const { base, close } = await serve(fn);
    try {
      const res = await fetch(`${base}/v1/things/abc123?x=1`, { method: 'POST' });
      expect(res.status).toBe(201);
      expect(await res.json()).toEqual({ ok: true });
      expect(seen).toEqual(['POST /v1/things/abc123?x=1']);
    } finally {
      await close();
    }
  });

  it('answers 500 in the one error shape when the handler throws (e.g. building the app failed)', async () => {
    const fn = httpsRequest('testHttpsThrows', {}, () => {
      throw new Error('params missing');
    });
    const { base, close } = await serve(fn);
    try {
      const res = await fetch(`${base}/v1/anything`);
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({
        error: { code: 'internal', message: 'internal error', requestId: 'unknown' },
      });
    } finally {
      await close();
    }
  });
});

describe('trigger files reach their handlers', () => {
  const snap = (data: Record<string, unknown> | undefined) =>
    ({
      exists: data !== undefined,
      data: () => data,
      get: (f: string) => data?.[f],
    }) as unknown as DocumentSnapshot;

  it('onAnalysisReady and onUploadFinished ignore changes that are not theirs (no Firestore touched)', async () => {
    const { onAnalysisReady } = await import('../../src/triggers/analysis-ready.ts');
    const { onUploadFinished } = await import('../../src/triggers/upload-finished.ts');
    const change = (before: unknown, after: unknown) => ({
      data: {
        before: snap(before as Record<string, unknown>),
        after: snap(after as Record<string, unknown>),
      },
    });
    await expect(
      (onAnalysisReady as unknown as Run).run(
        event(1000, {
          params: { uid: 'u1', analysisId: 'a1' },
          ...change({ status: 'ready' }, { status: 'ready' }),
        }),
      ),
    ).resolves.toBeUndefined();
    await expect(
      (onUploadFinished as unknown as Run).run(
        event(1000, {
          params: { uid: 'u1', uploadId: 'up1' },
          ...change({ status: 'received' }, { status: 'parsing' }),
        }),
      ),
    ).resolves.toBeUndefined();
  });
});
