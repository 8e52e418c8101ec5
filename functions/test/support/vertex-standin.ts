/**
 * A local stand-in for Vertex AI's generateContent REST endpoint, as @google/genai calls it in vertexai mode
 * with httpOptions.baseUrl pointing here:
 *   POST {baseUrl}/v1beta1/projects/{project}/locations/{location}/publishers/google/models/{model}:generateContent
 * Each request takes the next scripted behaviour (the last one repeats): a valid JSON answer, malformed
 * JSON, a safety block, HTTP 429 or 503 (google.rpc error bodies), or a hang (no answer until closed).
 * `scriptFor(marker, ...)` gives requests whose body contains `marker` (e.g. a per-test string in the
 * user's context) their own script, so tests sharing one stand-in across processes stay independent.
 * Every request is recorded (path, headers, parsed body) so tests can check what the SDK sent.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type StandinBehaviour =
  | { kind: 'json'; value: unknown; promptTokens?: number; outputTokens?: number }
  | { kind: 'malformed' }
  | { kind: 'safety' }
  | { kind: 'status'; status: 429 | 500 | 503 }
  | { kind: 'hang' };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface VertexStandin {
  baseUrl: string;
  requests: RecordedRequest[];
  script(...behaviours: StandinBehaviour[]): void;
  scriptFor(marker: string, ...behaviours: StandinBehaviour[]): void;
  close(): Promise<void>;
}

const modelVersion = 'gemini-2.5-flash-standin-001';

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function candidate(text: string, promptTokens: number, outputTokens: number) {
  return {
    candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: {
      promptTokenCount: promptTokens,
      candidatesTokenCount: outputTokens,
      totalTokenCount: promptTokens + outputTokens,
    },
    modelVersion,
  };
}

const statusNames: Record<number, string> = {
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

/**
 * Starts the stand-in on 127.0.0.1. `port` 0 (default) takes a free port; the live emulator session needs
 * the fixed port that functions/.env.demo-clarity-live names in VERTEX_BASE_URL.
 */
export async function startVertexStandin(options: { port?: number } = {}): Promise<VertexStandin> {
  let queue: StandinBehaviour[] = [{ kind: 'malformed' }];
  const byMarker = new Map<string, StandinBehaviour[]>();
  const next = (q: StandinBehaviour[]): StandinBehaviour =>
    q.length > 1 ? (q.shift() as StandinBehaviour) : (q[0] as StandinBehaviour);
  const requests: RecordedRequest[] = [];
  const hanging = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: unknown;
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      if (req.method !== 'POST' || !/\/models\/[^/]+:generateContent$/.test(req.url ?? '')) {
        send(res, 404, { error: { code: 404, message: 'not found', status: 'NOT_FOUND' } });
        return;
      }
      const marked = [...byMarker].find(([marker]) => text.includes(marker));
      const b = next(marked ? marked[1] : queue);
      switch (b.kind) {
        case 'json':
          send(res, 200, candidate(JSON.stringify(b.value), b.promptTokens ?? 1200, b.outputTokens ?? 300));
          return;
        case 'malformed':
          send(res, 200, candidate('{"narrative": "Your week', 1200, 40));
          return;
        case 'safety':
          send(res, 200, {
            candidates: [{ finishReason: 'SAFETY', index: 0, safetyRatings: [] }],
            usageMetadata: { promptTokenCount: 1200, totalTokenCount: 1200 },
            modelVersion,
          });
          return;
        case 'status':
          send(res, b.status, {
            error: { code: b.status, message: `stand-in ${b.status}`, status: statusNames[b.status] },
          });
          return;
        case 'hang':
          hanging.add(res);
          return;
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    script: (...behaviours) => {
      queue = behaviours.length > 0 ? behaviours : [{ kind: 'malformed' }];
    },
    scriptFor: (marker, ...behaviours) => {
      byMarker.set(marker, behaviours.length > 0 ? behaviours : [{ kind: 'malformed' }]);
    },
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
