/**
 * Tracing of the model server (OpenTelemetry, W3C trace context; docs/architecture.md, "Tracing"): each
 * request under /v1/ is a SERVER span that continues the caller's `traceparent` (the infer task's CLIENT
 * span), so the embedding call sits in the upload's trace. Spans carry the route, method and status code
 * only (never a sequence, an embedding or a token); they are flushed before the response is written (Cloud
 * Run may throttle the CPU between requests). Log lines written in a span carry its trace id in
 * `logging.googleapis.com/trace`.
 *
 * Export, from the environment (Cloud Run sets K_SERVICE): TRACE_EXPORTER=cloud-trace (the default when
 * deployed; the project from GOOGLE_CLOUD_PROJECT), otlp (to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, as the
 * emulator tests run it) or none.
 */
import type http from 'node:http';
import {
  context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type TextMapGetter,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOnSampler,
  BasicTracerProvider,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';

export interface TracingOptions {
  exporter?: 'cloud-trace' | 'otlp' | 'none';
  otlpUrl?: string;
  projectId?: string;
}

/** The options the environment gives (main.ts passes them on). */
export function tracingFromEnv(env: NodeJS.ProcessEnv): TracingOptions {
  const chosen = env.TRACE_EXPORTER ?? (env.K_SERVICE ? 'cloud-trace' : 'none');
  const exporter = chosen === 'cloud-trace' || chosen === 'otlp' ? chosen : 'none';
  return {
    exporter,
    otlpUrl: env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || undefined,
    projectId: env.GOOGLE_CLOUD_PROJECT || env.GCLOUD_PROJECT || undefined,
  };
}

const getter: TextMapGetter<http.IncomingHttpHeaders> = {
  keys: (h) => Object.keys(h),
  get: (h, k) => h[k],
};

export class ServerTracing {
  private readonly provider: BasicTracerProvider;
  private readonly propagator = new W3CTraceContextPropagator();
  private readonly projectId: string | undefined;

  /** `exporter`: a span exporter instance (tests), or the options' choice. */
  static async create(options: TracingOptions, exporter?: SpanExporter): Promise<ServerTracing> {
    return new ServerTracing(exporter ?? (await exporterFor(options)), options.projectId);
  }

  private constructor(exporter: SpanExporter | undefined, projectId: string | undefined) {
    this.projectId = projectId;
    // One global AsyncLocalStorage context manager per process (false when one is registered already).
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    this.provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'inference-run' }),
      sampler: new AlwaysOnSampler(),
      spanProcessors: exporter ? [new SimpleSpanProcessor(exporter)] : [],
    });
  }

  /** A SERVER span for one request, continuing its `traceparent`; `run` executes inside it. */
  serverSpan<T>(req: http.IncomingMessage, route: string, run: (span: Span) => T): T {
    const parent: Context = this.propagator.extract(ROOT_CONTEXT, req.headers, getter);
    const span = this.provider.getTracer('inference-run').startSpan(
      `${req.method ?? 'GET'} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': req.method ?? 'GET', 'http.route': route },
      },
      parent,
    );
    return context.with(trace.setSpan(parent, span), () => run(span));
  }

  /** Ends a request's span with its status and waits for its export. */
  async finish(span: Span, status: number): Promise<void> {
    span.setAttribute('http.response.status_code', status);
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
    await this.provider.forceFlush().catch(() => undefined);
  }

  /** Cloud Logging's trace fields for the active span; {} outside one or without a project id. */
  logFields(): Record<string, string> {
    const sc = trace.getSpanContext(context.active());
    if (!sc || !trace.isSpanContextValid(sc) || !this.projectId) return {};
    return {
      'logging.googleapis.com/trace': `projects/${this.projectId}/traces/${sc.traceId}`,
      'logging.googleapis.com/spanId': sc.spanId,
    };
  }

  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }
}

async function exporterFor(o: TracingOptions): Promise<SpanExporter | undefined> {
  if (o.exporter === 'otlp' && o.otlpUrl) {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    return new OTLPTraceExporter({ url: o.otlpUrl });
  }
  if (o.exporter === 'cloud-trace') {
    const { TraceExporter } = await import('@google-cloud/opentelemetry-cloud-trace-exporter');
    return new TraceExporter(o.projectId ? { projectId: o.projectId } : {});
  }
  return undefined;
}
