/**
 * The operational metrics that matter, defined once. Each is a structured log event (the logger's `event`
 * field) plus the fields it carries; `deploy/monitoring` turns this catalogue into Cloud Logging log-based
 * metric definitions, SLOs, alerts and the dashboard, and a test checks that every event named here is
 * emitted by the code (or listed as pending with the reason). Fields are identifiers, counts and durations
 * only: never a health value.
 */

export type OpsMetricKind = 'counter' | 'distribution';

export interface OpsMetric {
  /** Log-based metric id (`logging.googleapis.com/user/<name>`). */
  name: string;
  description: string;
  kind: OpsMetricKind;
  /** Cloud Logging filter on the structured payload (the logger writes `jsonPayload.event`). */
  filter: string;
  /** The `event` values the filter matches, as the code writes them (a `*` stands for a stage name). */
  events: string[];
  /** For distributions: the numeric payload field. */
  valueField?: string;
  unit: string;
  /** Label name → payload field (strings only). */
  labels: Record<string, string>;
  /** For distributions: explicit bucket bounds in `unit`. */
  buckets?: number[];
  /** Set when the event is not emitted yet: why, and which work adds it. */
  pending?: string;
  /** The service writing the event when it is not the functions (inference-run/src). */
  emittedBy?: 'inference-run';
}

const ev = (name: string): string => `jsonPayload.event="${name}"`;
/** A stage's final failure (`${stage}.failed`); mail.failed is one email attempt (mail_deliveries), not a stage. */
const stageFailed = `jsonPayload.event=~"^[a-z_]+\\.failed$" AND jsonPayload.event!="mail.failed"`;

export const opsMetrics = {
  uploadToInsight: {
    name: 'upload_to_insight_latency',
    description: 'Time from the job document being created (upload accepted) to its insight being written.',
    kind: 'distribution',
    filter: ev('insight.finished'),
    events: ['insight.finished'],
    valueField: 'uploadToInsightMs',
    unit: 'ms',
    labels: { generator: 'generator' },
    buckets: [1_000, 5_000, 15_000, 30_000, 60_000, 120_000, 180_000, 300_000, 600_000, 1_800_000, 3_600_000],
  },
  stageFailures: {
    name: 'pipeline_stage_failures',
    description: 'Pipeline stages that failed for good (the job is failed and a dead letter recorded).',
    kind: 'counter',
    filter: stageFailed,
    events: ['*.failed'],
    unit: '1',
    labels: { stage: 'stage', code: 'code' },
  },
  stageDegradations: {
    name: 'pipeline_stage_degradations',
    description:
      'Stages that completed degraded: inference dead-lettered (analytics only) or rule-based insight.',
    kind: 'counter',
    filter: `${ev('infer.dead_lettered')} OR (${ev('insight.finished')} AND jsonPayload.fallback=true)`,
    events: ['infer.dead_lettered', 'insight.finished'],
    unit: '1',
    labels: { stage: 'stage' },
  },
  deadLetters: {
    name: 'dead_letters',
    description: 'Work that exhausted its retries and was written to deadLetters/ (replayable).',
    kind: 'counter',
    filter: `(${stageFailed}) OR ${ev('infer.dead_lettered')}`,
    events: ['*.failed', 'infer.dead_lettered'],
    unit: '1',
    labels: { stage: 'stage' },
  },
  llmPromptTokens: {
    name: 'llm_prompt_tokens',
    description:
      'Prompt tokens per uncached Gemini insight (cost = tokens × the price in deploy/monitoring).',
    kind: 'distribution',
    filter: `${ev('insight.finished')} AND jsonPayload.llmCalled=true`,
    events: ['insight.finished'],
    valueField: 'promptTokens',
    unit: '1',
    labels: { generator: 'generator' },
    buckets: [250, 500, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000],
  },
  llmOutputTokens: {
    name: 'llm_output_tokens',
    description: 'Output tokens per uncached Gemini insight.',
    kind: 'distribution',
    filter: `${ev('insight.finished')} AND jsonPayload.llmCalled=true`,
    events: ['insight.finished'],
    valueField: 'outputTokens',
    unit: '1',
    labels: { generator: 'generator' },
    buckets: [100, 250, 500, 1_000, 2_000, 4_000, 8_000],
  },
  inputDrift: {
    name: 'inference_input_drift',
    description:
      "inference-run's input histogram moved away from the model's drift reference: PSI above the manifest's threshold (0.2 by default), once per crossing.",
    kind: 'counter',
    filter: ev('input_drift'),
    events: ['input_drift'],
    unit: '1',
    labels: { model: 'model' },
    emittedBy: 'inference-run',
  },
  inferenceLatency: {
    name: 'inference_call_latency',
    description: 'Latency of the infer task calling inference-run, as the caller sees it.',
    kind: 'distribution',
    filter: ev('infer.finished'),
    events: ['infer.finished'],
    valueField: 'inferenceMs',
    unit: 'ms',
    labels: { model: 'model' },
    buckets: [50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000],
  },
  webhookDeliveries: {
    name: 'webhook_deliveries',
    description:
      'Webhook delivery attempts by outcome (delivered: 2xx; failed: anything else, retried on the schedule; gone: 410, endpoint disabled).',
    kind: 'counter',
    filter: ev('webhook.attempt'),
    events: ['webhook.attempt'],
    unit: '1',
    labels: { outcome: 'outcome' },
  },
  pushDeliveries: {
    name: 'push_deliveries',
    description:
      "Pushes of an insight to a user's devices by status (sent: every device; partial; failed: none, retried).",
    kind: 'counter',
    filter: ev('push.sent'),
    events: ['push.sent'],
    unit: '1',
    labels: { status: 'status' },
  },
  mailDeliveries: {
    name: 'mail_deliveries',
    description:
      'Email attempts by outcome (mail.sent: accepted by the SMTP relay; mail.failed: retried or final).',
    kind: 'counter',
    filter: `${ev('mail.sent')} OR ${ev('mail.failed')}`,
    events: ['mail.sent', 'mail.failed'],
    unit: '1',
    labels: { outcome: 'event' },
  },
  rateLimitRefusals: {
    name: 'rate_limit_refusals',
    description: 'API requests refused with 429 by the per-caller or global limiter.',
    kind: 'counter',
    filter: ev('api.rate_limited'),
    events: ['api.rate_limited'],
    unit: '1',
    labels: { scope: 'scope' },
  },
} as const satisfies Record<string, OpsMetric>;

export type OpsMetricKey = keyof typeof opsMetrics;

/** Milliseconds between a Firestore timestamp (or millis) and `now`; null when the timestamp is absent. */
export function elapsedMs(since: unknown, now: number): number | null {
  if (typeof since === 'number') return Math.max(0, now - since);
  if (since && typeof (since as { toMillis?: unknown }).toMillis === 'function') {
    return Math.max(0, now - (since as { toMillis(): number }).toMillis());
  }
  return null;
}
