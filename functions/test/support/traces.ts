/**
 * Reading the spans of one trace back from the emulator session's trace collector (scripts/otlp-receiver.ts,
 * started by scripts/emulators.ts on an ephemeral loopback port and named by OTEL_EXPORTER_OTLP_TRACES_ENDPOINT).
 */
import { randomBytes } from 'node:crypto';

/** A span as the collector lists it (scripts/otlp-receiver.ts: ids in hex, attributes as plain values). */
export type ReceivedSpan = Record<
  'traceId' | 'spanId' | 'parentSpanId' | 'name' | 'service' | 'startTimeUnixNano' | 'endTimeUnixNano',
  string
> & {
  kind: number;
  attributes: Record<string, unknown>;
};

/** OTLP span kinds. */
export const kind = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;

export function collectorEndpoint(): string {
  const endpoint = process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (!endpoint) throw new Error('no trace collector: run under node scripts/emulators.ts exec');
  return endpoint;
}

/** A caller's own span context to send as `traceparent`: the trace id and the span id the api must continue. */
export function callerTrace(): { traceId: string; spanId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

export async function spansOfTrace(traceId: string): Promise<ReceivedSpan[]> {
  const res = await fetch(new URL('/spans', collectorEndpoint()));
  if (!res.ok) throw new Error(`trace collector answered ${res.status}`);
  return ((await res.json()) as ReceivedSpan[]).filter((s) => s.traceId === traceId);
}

/**
 * Waits until the trace holds spans for which `complete` is true (functions flush when they return, the
 * last webhook attempt a little after the job completes); polls, with a generous bound.
 */
export async function waitForTrace(
  traceId: string,
  complete: (spans: ReceivedSpan[]) => boolean,
  timeoutMs = 90_000,
): Promise<ReceivedSpan[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const spans = await spansOfTrace(traceId);
    if (complete(spans)) return spans;
    if (Date.now() > until)
      throw new Error(
        `trace ${traceId} incomplete after ${timeoutMs} ms: ${spans.map((s) => `${s.service}:${s.name}`).join(', ')}`,
      );
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Where a trace's time went: each span's start after the first span's start and its duration, in seconds,
 * in start order. The gap between a writer's span and the span its document or task starts is the
 * platform's delivery (on the emulators: the trigger's dispatch and a worker's start).
 */
export function timeline(spans: ReceivedSpan[]): string {
  const ms = (ns: string): number => Number(BigInt(ns) / 1_000_000n);
  const sorted = [...spans].sort((a, b) => ms(a.startTimeUnixNano) - ms(b.startTimeUnixNano));
  const t0 = ms(sorted[0]?.startTimeUnixNano ?? '0');
  return sorted
    .map((s) => {
      const start = ((ms(s.startTimeUnixNano) - t0) / 1000).toFixed(2).padStart(7);
      const took = ((ms(s.endTimeUnixNano) - ms(s.startTimeUnixNano)) / 1000).toFixed(2).padStart(6);
      return `${start} s  +${took} s  ${s.service}: ${s.name}`;
    })
    .join('\n');
}

/** The attribute keys spans may carry: names, routes, ids, status codes and outcomes, never a value. */
export const allowedAttributes = new Set([
  'faas.name',
  'faas.invocation_id',
  'http.request.method',
  'http.route',
  'http.response.status_code',
  'url.path',
  'gen_ai.request.model',
  'clarity.channel',
  'clarity.generator',
  'clarity.webhook.outcome',
]);
