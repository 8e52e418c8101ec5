/**
 * The emulator session's trace collector (scripts/otlp-receiver.ts) against the official OTLP/HTTP exporter:
 * what the functions and inference-run send arrives with the same ids, parents, kinds, attributes and times.
 */
import { SpanKind, context, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../otlp-receiver.ts';

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(() => receiver.close());

describe('OTLP receiver (loopback trace collector)', () => {
  it('receives the official exporter’s spans and lists them with hex ids, parents and plain attributes', async () => {
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'svc-test' }),
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: receiver.endpoint }))],
    });
    const tracer = provider.getTracer('t');
    const parent = tracer.startSpan('parent', { kind: SpanKind.SERVER, attributes: { 'http.route': '/x' } });
    const child = tracer.startSpan(
      'child',
      { kind: SpanKind.CLIENT, attributes: { 'http.response.status_code': 200 } },
      trace.setSpan(context.active(), parent),
    );
    child.end();
    parent.end();
    await provider.forceFlush();
    await provider.shutdown();

    const listed = (await (await fetch(new URL('/spans', receiver.endpoint))).json()) as ReceivedSpan[];
    expect(listed).toHaveLength(2);
    const byName = Object.fromEntries(listed.map((s) => [s.name, s]));
    expect(byName.parent).toMatchObject({
      traceId: parent.spanContext().traceId,
      spanId: parent.spanContext().spanId,
      parentSpanId: '',
      kind: 2,
      service: 'svc-test',
      attributes: { 'http.route': '/x' },
    });
    expect(byName.child).toMatchObject({
      traceId: parent.spanContext().traceId,
      parentSpanId: parent.spanContext().spanId,
      kind: 3,
      attributes: { 'http.response.status_code': 200 },
    });
    expect(BigInt(byName.child?.endTimeUnixNano ?? '0')).toBeGreaterThanOrEqual(
      BigInt(byName.child?.startTimeUnixNano ?? '1'),
    );
    expect((await fetch(new URL('/nothing', receiver.endpoint))).status).toBe(404);
  });
});
