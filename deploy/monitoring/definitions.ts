/**
 * SLOs, alerts and the dashboard: the one place their numbers live. `generate.ts` renders this file (with
 * the metric catalogue in functions/src/platform/ops-metrics.ts) into the Terraform JSON and dashboard JSON
 * beside it; `npm test` fails when those files are stale or break the provider schema in provider-schema.ts.
 * scripts/canary-check.ts reads the same SLOs to judge a canary revision.
 */
import { opsMetrics, type OpsMetricKey } from '../../functions/src/platform/ops-metrics.ts';

/** The Cloud Run services behind the SLOs (a 2nd-gen function `api` runs as the Cloud Run service `api`). */
export const services = {
  api: { serviceId: 'clarity-api', displayName: 'Clarity API (function api)', cloudRunService: 'api' },
  pipeline: { serviceId: 'clarity-pipeline', displayName: 'Clarity upload→insight pipeline' },
  inference: {
    serviceId: 'clarity-inference-run',
    displayName: 'Clarity inference-run (PAT model server)',
    cloudRunService: 'inference-run',
  },
} as const;
export type ServiceKey = keyof typeof services;

export type Sli =
  /** Share of requests that did not fail with a 5xx. */
  | { kind: 'availability'; cloudRunService: string }
  /** Share of requests served within `thresholdMs` (Cloud Run's request_latencies). */
  | { kind: 'latency'; cloudRunService: string; thresholdMs: number }
  /** Share of events of a log-based distribution metric at most `thresholdMs`. */
  | { kind: 'log-distribution'; metric: OpsMetricKey; thresholdMs: number };

export interface Slo {
  id: string;
  service: ServiceKey;
  displayName: string;
  goal: number;
  sli: Sli;
  /** Why this target: what a user notices when it is missed. */
  rationale: string;
}

/** Rolling window of every SLO; the burn-rate thresholds below are the SRE workbook's for 30 days. */
export const rollingPeriodDays = 30;

export const slos = [
  {
    id: 'api-availability',
    service: 'api',
    displayName: 'API availability 99.9 %',
    goal: 0.999,
    sli: { kind: 'availability', cloudRunService: 'api' },
    rationale: 'Uploads and reads fail visibly in the app; 43 min of errors a month is the budget.',
  },
  {
    id: 'api-latency',
    service: 'api',
    displayName: 'API latency: 99 % within 1 s',
    goal: 0.99,
    sli: { kind: 'latency', cloudRunService: 'api', thresholdMs: 1_000 },
    rationale: 'Uploads return 202 after validation and dedupe; anything slower than 1 s stalls the sync UI.',
  },
  {
    id: 'upload-to-insight',
    service: 'pipeline',
    displayName: 'Upload→insight within 5 min for 99 %',
    goal: 0.99,
    sli: { kind: 'log-distribution', metric: 'uploadToInsight', thresholdMs: 300_000 },
    rationale:
      'The app promises a fresh insight shortly after a sync; the pipeline degrades rather than stalls.',
  },
  {
    id: 'inference-availability',
    service: 'inference',
    displayName: 'inference-run availability 99.5 %',
    goal: 0.995,
    sli: { kind: 'availability', cloudRunService: 'inference-run' },
    rationale:
      'A failed call is retried and then degrades to analytics-only; 99.5 % keeps degradations rare.',
  },
  {
    id: 'inference-latency',
    service: 'inference',
    displayName: 'inference-run p99 within 2 s',
    goal: 0.99,
    sli: { kind: 'latency', cloudRunService: 'inference-run', thresholdMs: 2_000 },
    rationale: 'One week of minutes per request, micro-batched; 2 s at p99 leaves the task timeout far away.',
  },
] as const satisfies readonly Slo[];
export type SloId = (typeof slos)[number]['id'];

export function slo(id: SloId): Slo {
  const found = slos.find((s) => s.id === id);
  if (!found) throw new Error(`unknown SLO ${id}`);
  return found;
}

/**
 * Multi-window, multi-burn-rate alerting (Google SRE workbook, ch. 5): a policy fires when both the long
 * and the short window burn faster than `burnRate` (the short window makes it reset quickly once fixed).
 */
export interface BurnRateAlert {
  longWindow: `${number}${'m' | 'h' | 'd'}`;
  shortWindow: `${number}${'m' | 'h' | 'd'}`;
  burnRate: number;
  severity: 'page' | 'ticket';
  /** Share of the whole period's budget spent when the long window alone fires. */
  budgetSpent: number;
}
export const burnRateAlerts: readonly BurnRateAlert[] = [
  { longWindow: '1h', shortWindow: '5m', burnRate: 14.4, severity: 'page', budgetSpent: 0.02 },
  { longWindow: '6h', shortWindow: '30m', burnRate: 6, severity: 'page', budgetSpent: 0.05 },
  { longWindow: '3d', shortWindow: '6h', burnRate: 1, severity: 'ticket', budgetSpent: 0.1 },
];

/** Threshold alerts on the catalogue's metrics (events the SLOs do not cover). */
export interface MetricAlert {
  id: string;
  displayName: string;
  metric: OpsMetricKey;
  /** Aligned per `windowSeconds`: a sum for counters, this percentile for distributions. */
  aggregate: 'sum' | 'p99';
  windowSeconds: number;
  above: number;
  /** Only series whose metric labels have these values. */
  where?: Record<string, string>;
  severity: 'page' | 'ticket';
  runbook: string;
}
export const metricAlerts = [
  {
    id: 'dead-letters',
    displayName: 'Work dead-lettered',
    metric: 'deadLetters',
    aggregate: 'sum',
    windowSeconds: 600,
    above: 0,
    severity: 'ticket',
    runbook:
      'List deadLetters/ (cause, stage); fix the cause, then `npm run replay -- <id>`. A burst after a deploy: roll back.',
  },
  {
    id: 'stage-failures',
    displayName: 'Pipeline stage failures burst',
    metric: 'stageFailures',
    aggregate: 'sum',
    windowSeconds: 900,
    above: 10,
    severity: 'page',
    runbook:
      'Group the *.failed log entries by stage and code; a deploy in the last hour: roll back functions.',
  },
  {
    id: 'degradations',
    displayName: 'Degraded insights (no model or rule-based)',
    metric: 'stageDegradations',
    aggregate: 'sum',
    windowSeconds: 3_600,
    above: 50,
    severity: 'ticket',
    runbook: 'Check inference-run health and the Vertex quota; the circuit breakers say which is open.',
  },
  {
    id: 'llm-prompt-tokens',
    displayName: 'LLM prompt tokens per insight p99 above budget',
    metric: 'llmPromptTokens',
    aggregate: 'p99',
    windowSeconds: 3_600,
    above: 16_000,
    severity: 'ticket',
    runbook: 'A prompt template grew or context assembly pulls too much history; compare template versions.',
  },
  {
    id: 'inference-call-latency',
    displayName: 'Infer task sees inference-run p99 above 10 s',
    metric: 'inferenceLatency',
    aggregate: 'p99',
    windowSeconds: 900,
    above: 10_000,
    severity: 'ticket',
    runbook: 'Cold starts or a saturated queue: check inference_queue_depth and min instances.',
  },
  {
    id: 'inference-input-drift',
    displayName: 'Model input drifted from its reference (PSI above 0.2)',
    metric: 'inputDrift',
    aggregate: 'sum',
    windowSeconds: 3_600,
    above: 0,
    severity: 'ticket',
    runbook:
      'inference_input_psi on /metrics says how far; a device or importer change shifts counts (compare inference_input_mean with the reference). Rebuild the reference with `npm run model:reference` only if the new population is intended.',
  },
  {
    id: 'rate-limit-refusals',
    displayName: 'Rate-limit refusals spike',
    metric: 'rateLimitRefusals',
    aggregate: 'sum',
    windowSeconds: 300,
    above: 500,
    severity: 'ticket',
    runbook:
      'One caller (scope=caller) is a misbehaving client; scope=global means the service is at capacity.',
  },
  {
    id: 'webhook-failures',
    displayName: 'Webhook deliveries failing',
    metric: 'webhookDeliveries',
    where: { outcome: 'failed' },
    aggregate: 'sum',
    windowSeconds: 3_600,
    above: 20,
    severity: 'ticket',
    runbook: 'Look at users/{uid}/webhooks/{id}/attempts for the failing endpoints; disable those that 4xx.',
  },
] as const satisfies readonly MetricAlert[];

/** How scripts/canary-check.ts judges a canary revision against these SLOs. */
export interface CanaryPolicy {
  availabilitySlo: SloId;
  latencySlo: SloId;
  /** Fewer canary requests than this in the window: no verdict is possible, so roll back. */
  minRequests: number;
  /** Roll back when the canary spends error budget faster than this multiple of the sustainable rate. */
  maxBurnRate: number;
  /** Roll back when the canary p99 exceeds the stable p99 by this factor plus `latencySlackMs`. */
  maxLatencyRatio: number;
  latencySlackMs: number;
}
/**
 * inference-run at 10 % traffic for 10 minutes: at least 200 requests (staging's synthetic load gives ~600);
 * a canary may burn the 99.5 % budget at 2x (1 error in 100) before it is judged worse than sustainable;
 * p99 within its SLO and within 1.25x stable + 50 ms (bucket granularity of request_latencies).
 */
export const canaryPolicy: CanaryPolicy = {
  availabilitySlo: 'inference-availability',
  latencySlo: 'inference-latency',
  minRequests: 200,
  maxBurnRate: 2,
  maxLatencyRatio: 1.25,
  latencySlackMs: 50,
};

/** Gemini price per million tokens (USD) used for the cost tiles; change with the model. */
export const llmPricePerMillionTokens = { prompt: 0.3, output: 2.5 };

/** Prometheus metrics inference-run serves on /metrics (collected by Managed Service for Prometheus). */
export const inferencePrometheus = {
  requestSeconds: 'inference_request_duration_seconds',
  batchSize: 'inference_batch_size',
  queueDepth: 'inference_queue_depth',
  errors: 'inference_errors_total',
} as const;

export { opsMetrics };
