/**
 * Entry point: node inference-run/src/server/main.ts --models DIR|gs://bucket/path [--port N] [options]
 *
 *   --port N                 listen port (default: env PORT, as Cloud Run and the Dockerfile set it, else
 *                            8939: 8080 on a developer machine is the Firestore emulator's port)
 *   --default-model REF      name or name@version answering requests that name none (default: first loaded)
 *   --max-batch N            sequences per onnxruntime run (default 8)
 *   --max-wait-ms N          longest an idle batcher waits to fill a batch (default 1)
 *   --max-queue N            queued sequences per model before 503 + Retry-After (default 256)
 *   --timeout-ms N           per-request deadline (default 30000)
 *   --max-body-bytes N       request body limit, 413 above (default 8 MiB)
 *   --threads N              intra-op threads (default: the CPU quota)
 *   --ep auto|cpu|cuda       execution provider (default auto: CUDA when a GPU is visible and loads)
 *   --auth-audience AUD --auth-jwks FILE|URL --auth-email E [--auth-email E]...
 *                            require Google ID tokens (RS256) for that audience from these callers
 *   --local-only             no authentication, listening on 127.0.0.1 only (tests, the demo, a laptop);
 *                            without it, the three --auth-* options are required and it will not start
 *   --gcs-endpoint URL       GCS JSON API endpoint for gs:// models (tests, emulators)
 *   --allow-unvalidated-heads  serve heads not marked validated, labelled as research output
 * Env: PORT, MODELS, AUTH_AUDIENCE, AUTH_JWKS, AUTH_EMAILS (comma-separated), GCS_ENDPOINT mirror the flags;
 * TRACE_EXPORTER, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT and GOOGLE_CLOUD_PROJECT choose where spans go (tracing.ts).
 */
import { parseArgs } from 'node:util';
import { startServer } from './start.ts';
import { tracingFromEnv } from './tracing.ts';

function int(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer`);
  return n;
}

/**
 * Closed by default: caller authentication (audience, keys AND allowed callers), or an explicit
 * --local-only, which also keeps the server on loopback.
 */
function authOptions(values: {
  'auth-audience'?: string;
  'auth-jwks'?: string;
  'auth-email'?: string[];
  'local-only'?: boolean;
}): { auth: { audience: string; jwks: string; allowedEmails: string[] } } | { host: string } {
  const audience = values['auth-audience'] || process.env.AUTH_AUDIENCE || '';
  const jwks = values['auth-jwks'] || process.env.AUTH_JWKS || '';
  const emails = values['auth-email'] ?? (process.env.AUTH_EMAILS ?? '').split(',');
  const allowedEmails = emails.map((e) => e.trim()).filter((e) => e.length > 0);
  const any = audience !== '' || jwks !== '' || allowedEmails.length > 0;
  if (values['local-only']) {
    if (any) throw new Error('--local-only turns authentication off: drop the --auth-* options');
    return { host: '127.0.0.1' };
  }
  if (!any) {
    throw new Error(
      'authentication is required: --auth-audience, --auth-jwks and --auth-email (or AUTH_AUDIENCE, AUTH_JWKS, AUTH_EMAILS); --local-only runs without it on 127.0.0.1',
    );
  }
  if (!audience || !jwks || allowedEmails.length === 0) {
    throw new Error('--auth-audience, --auth-jwks and at least one --auth-email are all required');
  }
  return { auth: { audience, jwks, allowedEmails } };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      models: { type: 'string' },
      port: { type: 'string' },
      'default-model': { type: 'string' },
      'max-batch': { type: 'string' },
      'max-wait-ms': { type: 'string' },
      'max-queue': { type: 'string' },
      'timeout-ms': { type: 'string' },
      'max-body-bytes': { type: 'string' },
      threads: { type: 'string' },
      ep: { type: 'string' },
      'auth-audience': { type: 'string' },
      'auth-jwks': { type: 'string' },
      'auth-email': { type: 'string', multiple: true },
      'gcs-endpoint': { type: 'string' },
      'allow-unvalidated-heads': { type: 'boolean', default: false },
      'local-only': { type: 'boolean', default: false },
    },
  });
  const models = values.models ?? process.env.MODELS;
  if (!models) throw new Error('usage: main.ts --models DIR|gs://bucket/path [--port N]');
  const ep = values.ep ?? 'auto';
  if (ep !== 'auto' && ep !== 'cpu' && ep !== 'cuda') throw new Error('--ep must be auto, cpu or cuda');
  const auth = authOptions(values);
  const gcsEndpoint = values['gcs-endpoint'] ?? process.env.GCS_ENDPOINT;
  const running = await startServer({
    models,
    port: int(values.port, 'port') ?? int(process.env.PORT, 'PORT') ?? 8939,
    defaultModel: values['default-model'],
    maxBatch: int(values['max-batch'], 'max-batch'),
    maxWaitMs: int(values['max-wait-ms'], 'max-wait-ms'),
    maxQueue: int(values['max-queue'], 'max-queue'),
    threads: int(values.threads, 'threads'),
    provider: ep,
    server: {
      requestTimeoutMs: int(values['timeout-ms'], 'timeout-ms'),
      maxBodyBytes: int(values['max-body-bytes'], 'max-body-bytes'),
      allowUnvalidatedHeads: values['allow-unvalidated-heads'],
    },
    ...auth,
    gcs: gcsEndpoint ? { apiEndpoint: gcsEndpoint, projectId: 'local' } : undefined,
    tracing: tracingFromEnv(process.env),
  });
  const stop = (signal: string): void => {
    console.log(JSON.stringify({ severity: 'INFO', message: 'signal', event: 'signal', signal }));
    running.shutdown().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  // A model that fails verification keeps the process up and /readyz at 503 with the reason, so the
  // platform's startup probe fails visibly instead of the container crash-looping without one.
  await running.ready.catch(() => undefined);
}

main().catch((e: unknown) => {
  console.error(
    JSON.stringify({
      severity: 'ERROR',
      message: 'startup_failed',
      reason: e instanceof Error ? e.message : String(e),
    }),
  );
  process.exit(1);
});
