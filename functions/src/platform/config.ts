/**
 * The one config module: every tunable is a Firebase param (set per project in functions/.env.<project>,
 * or prompted at deploy), read here and nowhere else. Nothing outside this file reads process.env.
 */
import { defineBoolean, defineInt, defineSecret, defineString } from 'firebase-functions/params';

export const region = defineString('REGION', {
  default: 'us-central1',
  description: 'Region of all functions',
});
export const maxUploadBytes = defineInt('MAX_UPLOAD_BYTES', {
  default: 5 * 1024 * 1024,
  description: 'Largest JSON upload body in bytes; larger data goes through a Storage file upload',
});
export const blobStoreKind = defineString('BLOB_STORE', {
  default: 'gcs',
  description:
    '"gcs" (Cloud Storage, the default bucket) or "fs" (a local folder, for the emulators where no Storage emulator runs)',
});
export const blobDir = defineString('BLOB_DIR', {
  default: '.cache/blobs',
  description: 'Folder of the "fs" blob store, relative to the repository root',
});
export const logLevel = defineString('LOG_LEVEL', {
  default: 'info',
  description: 'debug | info | warn | error',
});

// --- Security (functions/README-security.md) ---
export const rateLimitWindowSeconds = defineInt('RATE_LIMIT_WINDOW_SECONDS', {
  default: 60,
  description: 'The period the rate limits below are counted over, in seconds',
});
export const rateLimitPerUser = defineInt('RATE_LIMIT_PER_USER', {
  default: 120,
  description: 'Requests one signed-in user may make per window (a steady rate, GCRA)',
});
export const rateLimitUserBurst = defineInt('RATE_LIMIT_USER_BURST', {
  default: 30,
  description: 'Requests one signed-in user may make at once, from rest, on top of the steady rate',
});
export const rateLimitGlobal = defineInt('RATE_LIMIT_GLOBAL', {
  default: 6000,
  description:
    'Requests all signed-in users together may make per window, across all function instances (their pool)',
});
export const rateLimitAnonPerClient = defineInt('RATE_LIMIT_ANON_PER_CLIENT', {
  default: 60,
  description: 'Requests one anonymous client (one address) may make per window',
});
export const rateLimitAnonBurst = defineInt('RATE_LIMIT_ANON_BURST', {
  default: 10,
  description: 'Requests one anonymous client may make at once, from rest',
});
export const rateLimitAnonGlobal = defineInt('RATE_LIMIT_ANON_GLOBAL', {
  default: 3000,
  description:
    'Requests all anonymous clients together may make per window (their own pool, apart from signed-in users)',
});
export const rateLimitPoolShards = defineInt('RATE_LIMIT_POOL_SHARDS', {
  default: 64,
  description: 'Firestore documents each pool is spread over (keeps every counter document cool)',
});
export const trustedProxyHops = defineInt('TRUSTED_PROXY_HOPS', {
  default: 1,
  description:
    'Proxies in front of the api that append to X-Forwarded-For: 1 = called at its own URL (Google front end), 2 = behind Firebase Hosting or an HTTPS load balancer, 0 = none (emulator)',
});
export const appCheckEnforce = defineBoolean('APP_CHECK_ENFORCE', {
  default: false,
  description:
    'Every API request (but the health check and the OpenAPI document) needs a valid Firebase App Check token (X-Firebase-AppCheck)',
});
export const requireSecondFactor = defineBoolean('REQUIRE_SECOND_FACTOR', {
  default: true,
  description:
    "Clinicians and admins must have signed in with a second factor (Identity Platform MFA) to read another user's data",
});
export const corsOrigins = defineString('CORS_ORIGINS', {
  default: '',
  description:
    'Comma-separated browser origins allowed to call the API with credentials (e.g. https://app.example.com); empty = none',
});
export const maxJsonBytes = defineInt('MAX_JSON_BYTES', {
  default: 64 * 1024,
  description: 'Largest request body in bytes for every route except the upload route (MAX_UPLOAD_BYTES)',
});
export const signatureMaxSkewSeconds = defineInt('SIGNATURE_MAX_SKEW_SECONDS', {
  default: 300,
  description: 'How far a signed request timestamp may be from server time; nonces are kept twice as long',
});
/** Master key of the per-user request-signing keys (HMAC(master, uid:version)); never leaves the server. */
export const signingSecret = defineSecret('SIGNING_SECRET', {
  description: 'Master secret for per-user request signing keys (32+ random bytes, base64 or hex)',
});
/** Sentry DSN; error reporting is off unless this is an http(s) URL (the emulator uses "off"). */
export const sentryDsn = defineSecret('SENTRY_DSN', {
  description: 'Sentry DSN for error reporting, or "off"',
});
export const sentryEnvironment = defineString('SENTRY_ENVIRONMENT', {
  default: 'production',
  description: 'Environment name attached to Sentry events',
});

/** Facts about the running process, not settings. */
export const runtime = {
  get isEmulator(): boolean {
    return process.env.FUNCTIONS_EMULATOR === 'true';
  },
  /** The replay CLI and tests point firebase-admin at the Firestore emulator without FUNCTIONS_EMULATOR. */
  get usesFirestoreEmulator(): boolean {
    return Boolean(process.env.FIRESTORE_EMULATOR_HOST);
  },
  get projectId(): string {
    return process.env.GCLOUD_PROJECT ?? process.env.GCP_PROJECT ?? 'demo-clarity';
  },
  /** The Emulator Suite hub (host:port), set by the Functions emulator; undefined when deployed. */
  get emulatorHub(): string | undefined {
    return process.env.FIREBASE_EMULATOR_HUB || undefined;
  },
  /**
   * The default Storage bucket: FIREBASE_CONFIG's storageBucket (set by Cloud Functions and by the Functions
   * emulator), else `<project>.appspot.com`, the default the emulators also use.
   */
  get storageBucket(): string {
    return defaultBucketOf(process.env.FIREBASE_CONFIG, this.projectId);
  },
  /** Deployed (Cloud Functions / Cloud Run set K_SERVICE), not the emulator, a test or a tool. */
  get isDeployed(): boolean {
    return Boolean(process.env.K_SERVICE) && process.env.FUNCTIONS_EMULATOR !== 'true';
  },
  /**
   * The OTLP/HTTP traces endpoint of a trace collector, OpenTelemetry's own variable: the emulator harness
   * (scripts/emulators.ts) sets it to its loopback receiver; undefined elsewhere.
   */
  get otlpTracesEndpoint(): string | undefined {
    return process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || undefined;
  },
  startedAt: Date.now(),
  version: '0.1.0',
};

/** The bucket named by a FIREBASE_CONFIG value (JSON), else the project's default bucket name. */
export function defaultBucketOf(firebaseConfig: string | undefined, projectId: string): string {
  if (firebaseConfig) {
    try {
      const bucket: unknown = (JSON.parse(firebaseConfig) as { storageBucket?: unknown }).storageBucket;
      if (typeof bucket === 'string' && bucket !== '') return bucket;
    } catch {
      // not JSON (a path to a file is also allowed by firebase-admin): fall back to the default name
    }
  }
  return `${projectId}.appspot.com`;
}

// --- Operations (deploy/README.md) ---
export const traceExporter = defineString('TRACE_EXPORTER', {
  default: 'cloud-trace',
  description:
    '"cloud-trace" (Cloud Trace, when deployed), "otlp" (the OTLP/HTTP collector named by OTEL_EXPORTER_OTLP_TRACES_ENDPOINT; the emulators) or "none"; spans and log trace ids exist either way',
});
export const flagsSource = defineString('FLAGS_SOURCE', {
  default: 'remote',
  description:
    '"remote" (the Remote Config server template, with the in-code defaults as fallback) or "defaults" (code only); the emulators always use the defaults',
});

// --- Pipeline and insights (functions/README-pipeline.md) ---
export const inferenceUrl = defineString('INFERENCE_URL', {
  default: '',
  description:
    'Base URL of inference-run (PAT model server); empty = no model configured, the infer stage is skipped',
});
export const inferenceModel = defineString('INFERENCE_MODEL', {
  default: '',
  description: 'Model name (or name@version) to ask inference-run for; empty = its default model',
});
export const inferenceTimeoutMs = defineInt('INFERENCE_TIMEOUT_MS', {
  default: 30_000,
  description:
    'Timeout of one inference-run call in milliseconds (the infer task retries within its own timeout)',
});
export const inferenceHeads = defineString('INFERENCE_HEADS', {
  default: '',
  description:
    'Task heads (comma-separated task names) whose predictions the infer stage asks inference-run for (/v1/predict) and stores; empty = none, no predict call. Insights mention only validated heads',
});
export const vertexProject = defineString('VERTEX_PROJECT', {
  default: '',
  description: 'Google Cloud project for Gemini on Vertex AI; empty = the rule-based insight generator only',
});
export const vertexLocation = defineString('VERTEX_LOCATION', {
  default: 'us-central1',
  description: 'Vertex AI location of the Gemini model',
});
export const geminiModel = defineString('GEMINI_MODEL', {
  default: 'gemini-2.5-flash',
  description: 'Gemini model id used for insights',
});
export const vertexBaseUrl = defineString('VERTEX_BASE_URL', {
  default: '',
  description: 'Override of the Vertex AI endpoint (tests and local stand-ins only); empty = the SDK default',
});
export const llmMaxConcurrency = defineInt('LLM_MAX_CONCURRENCY', {
  default: 4,
  description: 'Concurrent Gemini calls per function instance',
});
export const llmDailyTokensPerUser = defineInt('LLM_DAILY_TOKENS_PER_USER', {
  default: 50_000,
  description:
    'Gemini tokens (prompt + output) one user may use per UTC day; beyond it the rules generator answers',
});
export const llmDailyTokensProject = defineInt('LLM_DAILY_TOKENS_PROJECT', {
  default: 5_000_000,
  description:
    'Gemini tokens all users together may use per UTC day (a cost cap); beyond it the rules generator answers',
});
export const llmTimeoutMs = defineInt('LLM_TIMEOUT_MS', {
  default: 20_000,
  description: 'Timeout of one Gemini call in milliseconds',
});
export const uploadJobDebounceMinutes = defineInt('UPLOAD_JOB_DEBOUNCE_MINUTES', {
  default: 10,
  description: 'Finished uploads of one user within one window of this many minutes share one analysis job',
});
export const ingestTimeBudgetSeconds = defineInt('INGEST_TIME_BUDGET_SECONDS', {
  default: 480,
  description:
    'Seconds an Apple export import may run in one invocation (the Storage trigger has 540) before it checkpoints on the upload document and continues in the ingestContinuation task queue',
});
export const importLimitOverrides = defineString('IMPORT_LIMITS', {
  default: '',
  description:
    "Overrides of the importers' named resource limits, NAME=VALUE,NAME=VALUE (packages/core/src/importers/limits.ts), e.g. maxDistinctTypes=5000; empty = the defaults",
});

// --- Delivery: webhooks, email, push (functions/src/delivery/) ---
export const webhookRetrySchedule = defineString('WEBHOOK_RETRY_SCHEDULE', {
  default: '0,5,300,1800,7200,18000,36000,36000',
  description:
    'Delay in seconds before each webhook attempt (Svix schedule: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h); shortened for tests',
});
export const webhookTimeoutMs = defineInt('WEBHOOK_TIMEOUT_MS', {
  default: 15_000,
  description: 'Timeout of one webhook attempt in milliseconds',
});
export const webhookAllowLoopback = defineBoolean('WEBHOOK_ALLOW_LOOPBACK', {
  default: false,
  description:
    'Allow loopback webhook URLs and plain http (the emulator configuration only; ignored outside the emulator)',
});
export const webhookRotationOverlapHours = defineInt('WEBHOOK_ROTATION_OVERLAP_HOURS', {
  default: 24,
  description: 'How long the previous webhook secret still signs after a rotation',
});
export const smtpHost = defineString('SMTP_HOST', {
  default: '',
  description: 'SMTP server that sends the insight emails; empty = email is recorded as not configured',
});
export const smtpPort = defineInt('SMTP_PORT', {
  default: 587,
  description: 'SMTP port (465: implicit TLS; otherwise STARTTLS when the server offers it)',
});
export const smtpUser = defineString('SMTP_USER', {
  default: '',
  description: 'SMTP user name; empty = no authentication',
});
/** The SMTP password (with SMTP_USER); never logged, never in a document. */
export const smtpPassword = defineSecret('SMTP_PASSWORD', {
  description: 'Password of SMTP_USER on SMTP_HOST',
});
export const mailFrom = defineString('MAIL_FROM', {
  default: 'Clarity <no-reply@clarity.invalid>',
  description: 'From address of the insight emails',
});
export const publicApiUrl = defineString('PUBLIC_API_URL', {
  default: '',
  description:
    'Public base URL of the API, before /v1 (e.g. https://app.example.com): the unsubscribe links in emails point here',
});
export const deliveryEmulatorSinks = defineBoolean('DELIVERY_EMULATOR_SINKS', {
  default: false,
  description:
    'Emulator only: push goes to the local adapter and email to the loopback SMTP server named in system/deliverySinks (written by a test or npm run demo); ignored outside the emulator',
});

/**
 * A param's value, or its declared default where the environment does not set it: the functions runtime
 * always sets it (from .env files and defaults); a plain Node process such as the replay command does not.
 */
export function paramValue<T extends string | number>(p: {
  name: string;
  value: () => T;
  options?: { default?: unknown };
}): T {
  const fromEnv = process.env[p.name];
  if (fromEnv !== undefined && fromEnv !== '') return p.value();
  return (p.options?.default as T | undefined) ?? p.value();
}
