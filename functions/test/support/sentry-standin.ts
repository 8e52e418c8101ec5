/**
 * A loopback stand-in for Sentry's ingestion endpoint: the real @sentry/node SDK is pointed at it through a
 * DSN like http://publickey@127.0.0.1:PORT/1 and posts its envelopes here (POST /api/1/envelope/). We keep
 * the raw bytes (to grep for anything that must never leave the process) and the parsed items.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, inflateSync } from 'node:zlib';

export interface EnvelopeItem {
  header: { type?: string; [k: string]: unknown };
  payload: unknown;
}

export interface SentryStandin {
  dsn: string;
  /** Every envelope body as received (decompressed), in order. */
  raw: string[];
  items: EnvelopeItem[];
  events(): Record<string, unknown>[];
  close(): Promise<void>;
}

/** Envelope format: a header line, then per item a header line and a payload (length-prefixed or a line). */
export function parseEnvelope(body: string): EnvelopeItem[] {
  const items: EnvelopeItem[] = [];
  let rest = body.slice(body.indexOf('\n') + 1);
  while (rest.trim().length > 0) {
    const nl = rest.indexOf('\n');
    const header = JSON.parse(nl < 0 ? rest : rest.slice(0, nl)) as EnvelopeItem['header'];
    rest = nl < 0 ? '' : rest.slice(nl + 1);
    let payloadText: string;
    if (typeof header.length === 'number') {
      const bytes = Buffer.from(rest, 'utf8');
      payloadText = bytes.subarray(0, header.length).toString('utf8');
      rest = bytes.subarray(header.length).toString('utf8').replace(/^\n/, '');
    } else {
      const end = rest.indexOf('\n');
      payloadText = end < 0 ? rest : rest.slice(0, end);
      rest = end < 0 ? '' : rest.slice(end + 1);
    }
    let payload: unknown = payloadText;
    try {
      payload = JSON.parse(payloadText);
    } catch {
      // attachments are not JSON
    }
    items.push({ header, payload });
  }
  return items;
}

export async function startSentryStandin(): Promise<SentryStandin> {
  const raw: string[] = [];
  const items: EnvelopeItem[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      const enc = req.headers['content-encoding'];
      if (enc === 'gzip') body = gunzipSync(body);
      else if (enc === 'deflate') body = inflateSync(body);
      const text = body.toString('utf8');
      if (req.method === 'POST' && /\/api\/\d+\/envelope\/?/.test(req.url ?? '')) {
        raw.push(text);
        items.push(...parseEnvelope(text));
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    dsn: `http://publickey@127.0.0.1:${port}/1`,
    raw,
    items,
    events: () =>
      items.filter((i) => i.header.type === 'event').map((i) => i.payload as Record<string, unknown>),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
