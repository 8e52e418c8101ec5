import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseGsUrl } from '../../src/models/source.ts';
import { jsonLogger } from '../../src/server/logger.ts';
import { startServer, type RunningServer } from '../../src/server/start.ts';
import { writeStandin } from '../../tools/standin.ts';
import { tempDir } from '../support/cache.ts';
import { post, week } from '../support/servers.ts';

/** Just enough of the GCS JSON API for the official client: object listing and media download. */
async function fakeGcs(
  bucket: string,
  root: string,
): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const objects = new Map<string, Buffer>();
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else objects.set(relative(root, p), await readFile(p));
    }
  };
  await walk(root);
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${req.method ?? ''} ${url.pathname}${url.search}`);
    const list = new RegExp(`^/storage/v1/b/${bucket}/o$`).exec(url.pathname);
    const media = new RegExp(`^/storage/v1/b/${bucket}/o/(.+)$`).exec(url.pathname);
    if (list) {
      const prefix = url.searchParams.get('prefix') ?? '';
      const items = [...objects.entries()]
        .filter(([n]) => n.startsWith(prefix))
        .map(([name, b]) => ({ kind: 'storage#object', bucket, name, size: String(b.length) }));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'storage#objects', items }));
      return;
    }
    if (media?.[1] && url.searchParams.get('alt') === 'media') {
      const body = objects.get(decodeURIComponent(media[1]));
      if (body) {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
        res.end(body);
        return;
      }
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 404, message: 'not found' } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

const running: RunningServer[] = [];
afterAll(async () => {
  await Promise.all(running.map((s) => s.shutdown()));
});

describe('models from gs://', () => {
  it('parses gs:// locations', () => {
    expect(parseGsUrl('gs://clarity-models/pat/v1/')).toEqual({ bucket: 'clarity-models', prefix: 'pat/v1' });
    expect(parseGsUrl('/models')).toBeUndefined();
  });

  it('loads and verifies a model through @google-cloud/storage pointed at a local JSON-API server', async () => {
    const bucketRoot = tempDir('bucket');
    await writeStandin({ size: 's', out: join(bucketRoot, 'pat', 'pat-s'), seed: 5 });
    const gcs = await fakeGcs('models-bucket', bucketRoot);
    try {
      const s = await startServer({
        models: 'gs://models-bucket/pat',
        port: 0,
        host: '127.0.0.1',
        logger: jsonLogger(() => undefined),
        gcs: { apiEndpoint: gcs.url, projectId: 'local' },
        cacheDir: tempDir('gcs-cache'),
        threads: 1,
      });
      running.push(s);
      await s.ready;
      expect(
        gcs.requests.some(
          (r) => r.startsWith('GET /storage/v1/b/models-bucket/o?') && r.includes('prefix=pat%2F'),
        ),
      ).toBe(true);
      expect(
        gcs.requests.some((r) => r.includes('/o/pat%2Fpat-s%2Fmodel.onnx') && r.includes('alt=media')),
      ).toBe(true);
      const r = await post(`${s.url}/v1/embed`, { sequences: [{ values: week(2) }] });
      expect(r.status).toBe(200);
      expect((r.json.model as { version: string }).version).toBe('standin-5');
    } finally {
      await gcs.close();
    }
  });
});
