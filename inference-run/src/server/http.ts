/** The small HTTP helpers of the model server (node:http): request ids, JSON bodies and replies. */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { ClarityError } from '@clarity/core';

/** An error found while reading the body: the connection is closed after the reply (the rest is unread). */
export class HttpError extends ClarityError {}

/** The caller's x-request-id (first 64 characters), or a new one. */
export function requestIdOf(req: http.IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return (typeof given === 'string' && given.slice(0, 64)) || randomUUID();
}

/** Reads a JSON body of at most `limit` bytes (declared or counted); content-type must be JSON. */
export async function readJson(req: http.IncomingMessage, limit: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit)
    throw new HttpError('payload_too_large', `body is ${declared} bytes; the limit is ${limit}`);
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type))
    throw new HttpError('unsupported_media_type', 'content-type must be application/json');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError('payload_too_large', `body exceeds the limit of ${limit} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new ClarityError(
      'parse_error',
      'body is not valid JSON (NaN and Infinity are not JSON; send null for a missing minute)',
    );
  }
}

/** Writes a reply: JSON, or Prometheus text when the body is a string. */
export function send(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': typeof body === 'string' ? 'text/plain; version=0.0.4' : 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}
