/**
 * Assembles the server: listen first (so /healthz answers while models load), then materialise, verify, open
 * and warm every model, then report ready. `shutdown()` is the SIGTERM path: readiness goes to 503, the
 * listener closes, queued and running batches finish, in-flight responses are written, then it resolves.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelRegistry } from '../models/registry.ts';
import { cpuQuota, type ProviderChoice } from '../models/session.ts';
import { materialise, type GcsOptions } from '../models/source.ts';
import { createApp, defaultServerConfig, type ServerConfig, type ServerState } from './app.ts';
import { createVerifier, type AuthConfig } from './auth.ts';
import { jsonLogger, type Logger } from './logger.ts';
import { ServerMetrics } from './metrics.ts';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ServerTracing, type TracingOptions } from './tracing.ts';

export interface StartOptions {
  models: string;
  port: number;
  host?: string;
  defaultModel?: string;
  maxBatch?: number;
  maxWaitMs?: number;
  maxQueue?: number;
  threads?: number;
  provider?: ProviderChoice;
  server?: Partial<ServerConfig>;
  auth?: AuthConfig;
  gcs?: GcsOptions;
  cacheDir?: string;
  logger?: Logger;
  drainTimeoutMs?: number;
  /** Span export (tracing.ts); absent: spans are made (log trace fields) but not exported. */
  tracing?: TracingOptions;
  /** A span exporter instance instead (tests: an in-memory one). */
  spanExporter?: SpanExporter;
}

export interface RunningServer {
  url: string;
  state: ServerState;
  registry: ModelRegistry;
  metrics: ServerMetrics;
  /** Its spans (a logger passed in can read the active span's log fields from it). */
  tracing: ServerTracing;
  /** Resolves when models are loaded (or rejects when loading failed; the server then stays up, not ready). */
  ready: Promise<void>;
  shutdown(): Promise<void>;
}

export async function startServer(options: StartOptions): Promise<RunningServer> {
  const tracing = await ServerTracing.create(options.tracing ?? {}, options.spanExporter);
  const logger = options.logger ?? jsonLogger(undefined, 'INFO', () => tracing.logFields());
  // Unset options keep their defaults (a spread of `{timeout: undefined}` would erase them).
  const overrides = Object.fromEntries(
    Object.entries(options.server ?? {}).filter(([, v]) => v !== undefined),
  );
  const config: ServerConfig = { ...defaultServerConfig, ...overrides };
  const state: ServerState = { phase: 'loading', inFlight: 0, arriving: 0 };
  // eslint-disable-next-line prefer-const
  let metrics: ServerMetrics;
  const registry = new ModelRegistry({
    maxBatch: options.maxBatch ?? 8,
    maxWaitMs: options.maxWaitMs ?? 1,
    maxQueue: options.maxQueue ?? 256,
    threads: options.threads ?? cpuQuota(),
    provider: options.provider ?? 'auto',
    onBatch: (m, s) => {
      metrics.batchSize.observe({ model: m.key }, s.size);
      metrics.batchSeconds.observe({ model: m.key }, s.durationMs / 1000);
    },
    onQueueDepth: (m, d) => metrics.queueDepth.set({ model: m.key }, d),
    onDrift: (m, e) => {
      metrics.driftAlerts.inc({ model: m.key });
      // The monitoring catalogue's inputDrift metric counts these entries (functions/src/platform/ops-metrics.ts).
      logger.warn('input_drift', {
        model: m.key,
        psi: e.psi,
        threshold: e.threshold,
        observedMinutes: e.count,
      });
    },
    arriving: () => state.arriving,
  });
  metrics = new ServerMetrics(() => registry.list());
  const verifier = options.auth ? await createVerifier(options.auth) : undefined;
  const server = http.createServer(
    createApp({ registry, metrics, logger, config, verifier, tracing }, state),
  );
  server.keepAliveTimeout = 65_000; // above Cloud Run's / load balancers' idle timeouts
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${address.port}`;
  logger.info('listening', {
    port: address.port,
    host: options.host ?? '0.0.0.0',
    auth: verifier ? 'google-id-token' : 'off (local only)',
  });

  const ready = (async () => {
    try {
      const dir = await materialise(
        options.models,
        options.cacheDir ?? join(tmpdir(), 'clarity-models'),
        options.gcs,
      );
      for (const m of await registry.loadAll(dir)) {
        logger.info('model_loaded', {
          model: m.key,
          sha256: m.manifest.sha256,
          size: m.manifest.architecture.size,
          executionProvider: m.provider,
          trained: m.manifest.trained,
          heads: m.heads.map((h) => h.head.task),
        });
      }
      if (options.defaultModel) registry.setDefault(options.defaultModel);
      state.phase = 'ready';
      logger.info('ready', {
        models: registry.list().map((m) => m.key),
        default: registry.default?.key,
      });
    } catch (e) {
      state.phase = 'failed';
      state.reason = e instanceof Error ? e.message : String(e);
      logger.error('model_load_failed', { reason: state.reason });
      throw e;
    }
  })();
  ready.catch(() => undefined);

  let shuttingDown: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    shuttingDown ??= (async () => {
      state.phase = 'draining';
      logger.info('draining', { inFlight: state.inFlight });
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const drained = (async () => {
        await registry.drain();
        await closed;
      })();
      const limit = options.drainTimeoutMs ?? 25_000;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([drained, new Promise<void>((resolve) => (timer = setTimeout(resolve, limit)))]);
      clearTimeout(timer);
      server.closeAllConnections();
      await registry.close();
      await tracing.shutdown().catch(() => undefined);
      logger.info('stopped', { inFlight: state.inFlight });
    })();
    return shuttingDown;
  };

  return { url, state, registry, metrics, tracing, ready, shutdown };
}
