/**
 * The inference-run client against real local HTTP servers: which failures are retryable (the infer stage
 * retries them and, at the last task attempt, degrades) and which are not.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ClarityError } from '@clarity/core';
import { createInferenceClient } from '../../src/pipeline/inference-client.ts';

let server: Server | undefined;
const held: ServerResponse[] = [];

async function serve(handle: (res: ServerResponse, body: string, auth: string | undefined) => void) {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handle(res, body, req.headers.authorization));
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  for (const res of held.splice(0)) res.destroy();
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

const week = (): (number | null)[] => new Array<number | null>(10_080).fill(1);

async function failure(p: Promise<unknown>): Promise<ClarityError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ClarityError);
  return e as ClarityError;
}

const valid = {
  model: { name: 'pat-s', version: '1', sha256: 'a'.repeat(64), trained: false },
  results: [{ id: 'job-1', embedding: new Array<number>(96).fill(0.5), missingFraction: 0 }],
  notice: 'stand-in',
  requestId: 'r1',
};

describe('inference-run client', () => {
  it('posts the week with the job id and no token to a loopback URL, and returns the parsed answer', async () => {
    let seen: { body: string; auth: string | undefined } | undefined;
    const url = await serve((res, body, auth) => {
      seen = { body, auth };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(valid));
    });
    const out = await createInferenceClient(url, { model: 'pat-s' }).embed(week(), 'job-1');
    expect(out.results[0]?.embedding).toHaveLength(96);
    expect(seen?.auth).toBeUndefined();
    expect(JSON.parse(seen?.body ?? '')).toMatchObject({ model: 'pat-s', sequences: [{ id: 'job-1' }] });
  });

  it('a connection lost while the answer is read is retryable (the server died mid-response)', async () => {
    const url = await serve((res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '5000' });
      res.write('{"model":');
      setTimeout(() => res.destroy(), 20);
    });
    const e = await failure(createInferenceClient(url).embed(week(), 'j'));
    expect(e).toMatchObject({ code: 'unavailable', retryable: true });
    expect(e.message).toBe('inference service connection lost while answering');
  });

  it('no answer within the timeout is deadline_exceeded (retryable)', async () => {
    const url = await serve((res) => void held.push(res));
    const e = await failure(createInferenceClient(url, { timeoutMs: 100 }).embed(week(), 'j'));
    expect(e).toMatchObject({ code: 'deadline_exceeded', retryable: true });
  });

  it('nothing listening is unavailable (retryable)', async () => {
    const url = await serve(() => undefined);
    await new Promise<void>((r) => server?.close(() => r()));
    server = undefined;
    expect(await failure(createInferenceClient(url).embed(week(), 'j'))).toMatchObject({
      code: 'unavailable',
      retryable: true,
      message: 'inference service unreachable',
    });
  });

  it('503 and 429 are retryable; 400, a non-JSON answer and a contract mismatch are not', async () => {
    const answers: [number, string][] = [
      [503, '{}'],
      [429, '{}'],
      [400, '{"error":{}}'],
      [200, '<html>proxy</html>'],
      [200, JSON.stringify({ ...valid, results: [{ id: 'j', embedding: [1, 2] }] })],
    ];
    let i = 0;
    const url = await serve((res) => {
      const [status, body] = answers[i++] as [number, string];
      res.writeHead(status, { 'content-type': 'application/json' }).end(body);
    });
    const client = createInferenceClient(url);
    const got = [];
    for (let k = 0; k < answers.length; k++) {
      const e = await failure(client.embed(week(), 'j'));
      got.push([e.code, e.retryable, e.message]);
    }
    expect(got).toEqual([
      ['unavailable', true, 'inference service answered 503'],
      ['unavailable', true, 'inference service answered 429'],
      ['internal', false, 'inference service answered 400'],
      ['internal', false, 'inference response is not JSON'],
      ['internal', false, 'inference response does not match the embed contract'],
    ]);
  });
});
