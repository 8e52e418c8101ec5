/**
 * Tracing: OpenTelemetry spans in W3C trace context, one trace from the upload request through every stage
 * (docs/architecture.md, "Tracing"). The one tracing module of the functions:
 *
 * - the HTTPS function continues the request's `traceparent` (`tracedRequest`, a SERVER span);
 * - a Firestore-triggered stage cannot inherit its writer's context, so the writer stores `traceparent` on
 *   the document (`traceField()`: upload, job, analysis, insight) and the trigger factory starts the stage's
 *   span from it (`inSpan`); Cloud Tasks requests carry it in their headers (`traceHeaders()`);
 * - spans are exported to Cloud Trace when deployed, to an OTLP/HTTP collector on the emulators (the
 *   harness's loopback receiver), and flushed before the function returns;
 * - attributes are names, routes, ids and status codes only: never a health value, body or token;
 * - every log line written in a span carries its trace id in `logging.googleapis.com/trace` (`traceLogFields`).
 *
 * The provider is this module's own (not registered globally); the context manager is the global one
 * (AsyncLocalStorage), so a span started here is the parent of spans started inside its callback.
 */
import {
  context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type TextMapGetter,
  type Tracer,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode, W3CTraceContextPropagator, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { runtime, traceExporter } from './config.ts';

export { SpanKind };

const propagator = new W3CTraceContextPropagator();
const traceparentPattern = /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/;

/** A stored or received `traceparent` when it is one (W3C version 00), else undefined. */
export function traceparentOf(v: unknown): string | undefined {
  return typeof v === 'string' && traceparentPattern.test(v) ? v : undefined;
}

/** An exporter loaded on first export, so the bundle's cold start does not pay for gRPC or OTLP code. */
class LazyExporter implements SpanExporter {
  private target: Promise<SpanExporter | undefined> | undefined;
  private readonly load: () => Promise<SpanExporter | undefined>;
  constructor(load: () => Promise<SpanExporter | undefined>) {
    this.load = load;
  }
  private get loaded(): Promise<SpanExporter | undefined> {
    this.target ??= this.load().catch(() => undefined);
    return this.target;
  }
  export(spans: ReadableSpan[], done: (r: ExportResult) => void): void {
    void this.loaded.then((e) => (e ? e.export(spans, done) : done({ code: ExportResultCode.SUCCESS })));
  }
  async shutdown(): Promise<void> {
    await (await this.loaded)?.shutdown();
  }
  async forceFlush(): Promise<void> {
    await (await this.loaded)?.forceFlush?.();
  }
}

/** The exporter the params choose: Cloud Trace only when deployed, OTLP only with an endpoint. */
function configuredExporter(): SpanExporter | undefined {
  const kind = traceExporter.value();
  const url = runtime.otlpTracesEndpoint;
  if (kind === 'otlp' && url) {
    return new LazyExporter(async () => {
      const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
      return new OTLPTraceExporter({ url });
    });
  }
  if (kind === 'cloud-trace' && runtime.isDeployed) {
    return new LazyExporter(async () => {
      const { TraceExporter } = await import('@google-cloud/opentelemetry-cloud-trace-exporter');
      return new TraceExporter({ projectId: runtime.projectId });
    });
  }
  return undefined;
}

let provider: BasicTracerProvider | undefined;
let tracerInstance: Tracer | undefined;
let contextManager: AsyncLocalStorageContextManager | undefined;
let exporting = false;

/**
 * Sets the span exporter (tests: an in-memory one; undefined = none) and returns the provider; the first
 * span otherwise sets up the configured one. Every span is sampled: a health pipeline's trace is wanted
 * whole, whatever a front end's sampling flag said.
 */
export function initTracing(exporter: SpanExporter | undefined = configuredExporter()): BasicTracerProvider {
  if (!contextManager) {
    contextManager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(contextManager);
  }
  exporting = exporter !== undefined;
  provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'clarity-functions',
      'service.version': runtime.version,
    }),
    sampler: new AlwaysOnSampler(),
    spanProcessors: exporter ? [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1000 })] : [],
  });
  tracerInstance = provider.getTracer('clarity-functions', runtime.version);
  return provider;
}

function tracer(): Tracer {
  if (!tracerInstance) initTracing();
  return tracerInstance as Tracer;
}

/** Sends the spans ended so far (before a function returns: the instance may be frozen after). */
export async function flushTraces(): Promise<void> {
  await provider?.forceFlush().catch(() => undefined);
}

const headerGetter: TextMapGetter<Record<string, unknown>> = {
  keys: (c) => Object.keys(c),
  get: (c, k) => {
    const v = c[k];
    return typeof v === 'string' || Array.isArray(v) ? (v as string | string[]) : undefined;
  },
};

/** The context a `traceparent` continues, or the root (a new trace). */
export function contextOf(traceparent: string | undefined): Context {
  const tp = traceparentOf(traceparent);
  return tp ? propagator.extract(ROOT_CONTEXT, { traceparent: tp }, headerGetter) : ROOT_CONTEXT;
}

function endWith(span: Span, error: unknown): void {
  if (error !== undefined) {
    // The error's kind only: messages can quote input.
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: (error as { code?: unknown }).code ? String((error as { code: unknown }).code) : 'error',
    });
  }
  span.end();
}

export interface SpanOptions {
  kind?: SpanKind;
  /** The `traceparent` to continue (a document's or a header's); absent: the active span, or a new trace. */
  traceparent?: string | undefined;
  attributes?: Attributes;
  /** Flush the exporter when the span ends (the outermost span of an invocation). */
  flush?: boolean;
}

/** Runs `body` in a new span (a child of `traceparent` when given, else of the active span). */
export async function inSpan<T>(
  name: string,
  options: SpanOptions,
  body: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = options.traceparent !== undefined ? contextOf(options.traceparent) : context.active();
  const span = tracer().startSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes ?? {} },
    parent,
  );
  let failure: unknown;
  try {
    return await context.with(trace.setSpan(parent, span), () => body(span));
  } catch (e) {
    failure = e ?? new Error('rejected');
    throw e;
  } finally {
    endWith(span, failure);
    if (options.flush) await flushTraces();
  }
}

/** Runs synchronous `body` in a new INTERNAL child span of the active span. */
export function inSpanSync<T>(name: string, attributes: Attributes, body: () => T): T {
  const parent = context.active();
  const span = tracer().startSpan(name, { kind: SpanKind.INTERNAL, attributes }, parent);
  let failure: unknown;
  try {
    return context.with(trace.setSpan(parent, span), body);
  } catch (e) {
    failure = e ?? new Error('thrown');
    throw e;
  } finally {
    endWith(span, failure);
  }
}

/** The active span's `traceparent`, or undefined outside a span. */
export function currentTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagator.inject(context.active(), carrier, {
    set: (c: Record<string, string>, k: string, v: string) => {
      c[k] = v;
    },
  });
  return traceparentOf(carrier.traceparent);
}

/** `{traceparent}` for a document a trigger will start from (spread into the write); {} outside a span. */
export function traceField(): { traceparent?: string } {
  const tp = currentTraceparent();
  return tp ? { traceparent: tp } : {};
}

/** Headers that carry the active span to an HTTP server or a Cloud Tasks task. */
export function traceHeaders(): Record<string, string> {
  const tp = currentTraceparent();
  return tp ? { traceparent: tp } : {};
}

/** The fields Cloud Logging links a log entry to its trace on; {} outside a span. */
export function traceLogFields(): Record<string, string | boolean> {
  const sc = trace.getSpanContext(context.active());
  if (!sc || !trace.isSpanContextValid(sc)) return {};
  return {
    'logging.googleapis.com/trace': `projects/${runtime.projectId}/traces/${sc.traceId}`,
    'logging.googleapis.com/spanId': sc.spanId,
    'logging.googleapis.com/trace_sampled': (sc.traceFlags & 1) === 1,
  };
}

interface TracedRequest {
  method?: string;
  headers: Record<string, unknown>;
}
interface TracedResponse {
  statusCode: number;
  end: (...args: never[]) => unknown;
}
type AnyEnd = { end: (...args: unknown[]) => unknown };

/**
 * An HTTPS function's handler in a SERVER span that continues the request's `traceparent`. The span ends
 * and the exporter flushes when the response is ended, before the bytes go out, so nothing is lost when
 * the instance is frozen after the response. `name` gives the span name from the request (a route
 * without ids).
 */
export function tracedRequest<Req extends TracedRequest, Res extends TracedResponse>(
  name: (req: Req) => string,
  handler: (req: Req, res: Res) => void,
): (req: Req, res: Res) => void {
  return (req, res) => {
    const parent = propagator.extract(ROOT_CONTEXT, req.headers, headerGetter);
    const spanName = name(req);
    const span = tracer().startSpan(
      spanName,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': req.method ?? 'GET',
          'http.route': spanName.replace(/^\S+\s/, ''),
        },
      },
      parent,
    );
    const end = (res as unknown as AnyEnd).end.bind(res);
    let ended = false;
    (res as unknown as AnyEnd).end = (...args: unknown[]) => {
      if (ended) return end(...args);
      ended = true;
      span.setAttribute('http.response.status_code', res.statusCode);
      endWith(span, res.statusCode >= 500 ? { code: 'http_5xx' } : undefined);
      // Nothing to send (no exporter): the response ends at once, as without tracing.
      if (!exporting) return end(...args);
      void flushTraces().finally(() => end(...args));
      return res;
    };
    context.with(trace.setSpan(parent, span), () => handler(req, res));
  };
}
