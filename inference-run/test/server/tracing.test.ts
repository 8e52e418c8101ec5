/**
 * inference-run's SERVER spans (src/server/tracing.ts): a /v1/ request continues the caller's traceparent
 * (the infer task's CLIENT span), the span is exported before the response is written, it carries no
 * sequence value, and the request's log line carries the trace in Cloud Logging's field.
 */
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLogger } from '../../src/server/logger.ts';
import { startServer, type RunningServer } from '../../src/server/start.ts';
import { tracingFromEnv } from '../../src/server/tracing.ts';
import { standinModels, week } from '../support/servers.ts';

const exporter = new InMemorySpanExporter();
const lines: Record<string, unknown>[] = [];
let server: RunningServer;
let logFields: () => Record<string, string> = () => ({});

beforeAll(async () => {
  const models = await standinModels();
  server = await startServer({
    models,
    port: 0,
    host: '127.0.0.1',
    threads: 1,
    tracing: { projectId: 'demo-trace' },
    spanExporter: exporter,
    logger: jsonLogger(
      (l) => lines.push(JSON.parse(l) as Record<string, unknown>),
      'INFO',
      () => logFields(),
    ),
  });
  logFields = () => server.tracing.logFields();
  await server.ready;
}, 60_000);

afterAll(async () => {
  await server.shutdown();
});

describe('inference-run tracing', () => {
  it('continues the caller traceparent in a SERVER span, exported before the answer, without values', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const parent = 'b7ad6b7169203331';
    const values = week(5);
    const res = await fetch(`${server.url}/v1/embed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${parent}-01` },
      body: JSON.stringify({ sequences: [{ id: 'w', values }] }),
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    // Exported by the time the response arrived.
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(1);
    const [span] = spans;
    expect(span?.name).toBe('POST /v1/embed');
    expect(span?.kind).toBe(SpanKind.SERVER);
    expect(span?.spanContext().traceId).toBe(traceId);
    expect(span?.parentSpanContext?.spanId).toBe(parent);
    expect(span?.attributes).toEqual({
      'http.request.method': 'POST',
      'http.route': '/v1/embed',
      'http.response.status_code': 200,
    });
  });

  it('health probes make no span; a request without traceparent starts a trace', async () => {
    exporter.reset();
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    const res = await fetch(`${server.url}/v1/embed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sequences: [{ id: 'w', values: week(1) }] }),
    });
    expect(res.status).toBe(200);
    expect(exporter.getFinishedSpans()[0]?.parentSpanContext).toBeUndefined();
  });

  it('the request log line carries the trace in logging.googleapis.com/trace', () => {
    const request = lines.filter((l) => l.event === 'request');
    expect(request.length).toBeGreaterThan(0);
    const traced = request.find((l) => 'logging.googleapis.com/trace' in l);
    expect(traced?.['logging.googleapis.com/trace']).toMatch(/^projects\/demo-trace\/traces\/[0-9a-f]{32}$/);
  });

  it('chooses the exporter from the environment: Cloud Trace when deployed, OTLP with an endpoint, else none', () => {
    expect(tracingFromEnv({ K_SERVICE: 'inference-run', GOOGLE_CLOUD_PROJECT: 'p' })).toEqual({
      exporter: 'cloud-trace',
      otlpUrl: undefined,
      projectId: 'p',
    });
    expect(tracingFromEnv({}).exporter).toBe('none');
    expect(
      tracingFromEnv({
        TRACE_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:1/v1/traces',
      }),
    ).toMatchObject({ exporter: 'otlp', otlpUrl: 'http://127.0.0.1:1/v1/traces' });
  });
});
