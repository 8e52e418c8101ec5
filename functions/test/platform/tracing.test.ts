/**
 * The functions' tracing module (platform/tracing.ts) with an in-memory exporter: the api continues the
 * request's traceparent and flushes before the response leaves; a stage continues a stored traceparent;
 * writers and task headers hand the active span on; log lines carry the trace in Cloud Logging's field.
 * The whole chain through the emulators is functions/test/live/faults.e2e.test.ts.
 */
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/platform/logger.ts';
import {
  currentTraceparent,
  flushTraces,
  initTracing,
  inSpan,
  traceField,
  traceHeaders,
  tracedRequest,
  traceparentOf,
} from '../../src/platform/tracing.ts';

const exporter = new InMemorySpanExporter();
beforeAll(() => {
  initTracing(exporter);
});
afterEach(() => exporter.reset());

const caller = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' };
const callerParent = `00-${caller.traceId}-${caller.spanId}-01`;

describe('tracing (W3C trace context)', () => {
  it('an HTTPS request: a SERVER span continuing its traceparent, ended and flushed before the response is sent', async () => {
    const order: string[] = [];
    let inside: string | undefined;
    const sent = new Promise<void>((resolve) => {
      const res = {
        statusCode: 202,
        end: () => {
          order.push(`end:${exporter.getFinishedSpans().length}`);
          resolve();
        },
      };
      tracedRequest(
        () => 'POST /v1/health/upload',
        (_req, r: typeof res) => {
          inside = currentTraceparent();
          setTimeout(() => r.end(), 5);
        },
      )({ method: 'POST', headers: { traceparent: callerParent } }, res);
    });
    await sent;
    // The span was exported before the response's end ran.
    expect(order).toEqual(['end:1']);
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('POST /v1/health/upload');
    expect(span?.kind).toBe(SpanKind.SERVER);
    expect(span?.spanContext().traceId).toBe(caller.traceId);
    expect(span?.parentSpanContext?.spanId).toBe(caller.spanId);
    expect(span?.attributes).toEqual({
      'http.request.method': 'POST',
      'http.route': '/v1/health/upload',
      'http.response.status_code': 202,
    });
    // What the handler stored on the upload document names this span.
    expect(inside).toBe(`00-${caller.traceId}-${span?.spanContext().spanId}-01`);
  });

  it('a stage continues the stored traceparent; its writes and task headers name the stage span', async () => {
    let stored: { traceparent?: string } = {};
    let headers: Record<string, string> = {};
    await inSpan('onJobCreated', { kind: SpanKind.CONSUMER, traceparent: callerParent, flush: true }, () => {
      stored = traceField();
      headers = traceHeaders();
      return inSpan('POST /v1/embed', { kind: SpanKind.CLIENT }, () => Promise.resolve());
    });
    const spans = exporter.getFinishedSpans();
    const stage = spans.find((s) => s.name === 'onJobCreated');
    const client = spans.find((s) => s.name === 'POST /v1/embed');
    expect(stage?.parentSpanContext?.spanId).toBe(caller.spanId);
    expect(client?.parentSpanContext?.spanId).toBe(stage?.spanContext().spanId);
    expect(new Set(spans.map((s) => s.spanContext().traceId))).toEqual(new Set([caller.traceId]));
    expect(stored.traceparent).toBe(`00-${caller.traceId}-${stage?.spanContext().spanId}-01`);
    expect(headers).toEqual({ traceparent: stored.traceparent });
  });

  it('no traceparent (or a malformed one) starts a new trace; outside a span nothing is stored', async () => {
    expect(traceField()).toEqual({});
    expect(traceHeaders()).toEqual({});
    expect(traceparentOf('00-xyz')).toBeUndefined();
    await inSpan('scheduledAnalysis', { traceparent: 'not-a-traceparent', flush: true }, () =>
      Promise.resolve(),
    );
    const [span] = exporter.getFinishedSpans();
    expect(span?.parentSpanContext).toBeUndefined();
    expect(span?.spanContext().traceId).not.toBe(caller.traceId);
  });

  it('a failing stage ends its span with an error status naming the error kind only', async () => {
    const failure = Object.assign(new Error('sample 182 bpm refused'), { code: 'invalid_input' });
    await expect(inSpan('onUploadCreated', {}, () => Promise.reject(failure))).rejects.toBe(failure);
    await flushTraces();
    const [span] = exporter.getFinishedSpans();
    expect(span?.status).toEqual({ code: 2, message: 'invalid_input' });
    expect(JSON.stringify(span?.attributes)).not.toContain('182');
  });

  it('log lines inside a span carry its trace in logging.googleapis.com/trace', async () => {
    const info = vi.spyOn(console, 'info').mockImplementation(() => undefined);
    try {
      const log = createLogger({ fn: 'test' });
      log.info('outside');
      await inSpan('onInsightCreated', { traceparent: callerParent, flush: true }, () => {
        log.info('inside', { jobId: 'j1' });
        return Promise.resolve();
      });
      const [outside, inside] = info.mock.calls.map(
        (c) => JSON.parse(String(c[0])) as Record<string, unknown>,
      );
      expect(outside).not.toHaveProperty('logging.googleapis.com/trace');
      expect(inside).toMatchObject({
        event: 'inside',
        jobId: 'j1',
        'logging.googleapis.com/trace': `projects/demo-clarity/traces/${caller.traceId}`,
        'logging.googleapis.com/trace_sampled': true,
      });
      expect(inside?.['logging.googleapis.com/spanId']).toBe(
        exporter.getFinishedSpans()[0]?.spanContext().spanId,
      );
    } finally {
      info.mockRestore();
    }
  });
});
