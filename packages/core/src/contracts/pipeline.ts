/**
 * Pipeline documents (docs/architecture.md, "Data model"): analysis jobs, analyses, insights and dead letters, plus the
 * structured answer the insight LLM must return. One zod definition each, shared by the functions (which
 * write them) and by tests and clients (which read them). Timestamps are Firestore Timestamps on the wire
 * (`unknown` here); the store's converters own them.
 */
import { z } from 'zod';

export const stageNames = ['analyze', 'infer', 'insight', 'deliver'] as const;
export type StageName = (typeof stageNames)[number];

export const stageStatuses = ['pending', 'running', 'done', 'skipped', 'degraded', 'failed'] as const;
export type StageStatus = (typeof stageStatuses)[number];

export const jobReasons = ['api', 'upload', 'schedule', 'replay'] as const;
export type JobReason = (typeof jobReasons)[number];

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

/** Inclusive window of local calendar days. */
export const analysisWindowSchema = z.object({ start: isoDate, end: isoDate });
export type AnalysisWindow = z.infer<typeof analysisWindowSchema>;

export const stageStateSchema = z.object({
  status: z.enum(stageStatuses),
  /** Attempts that claimed the stage (redeliveries that found it done are not counted). */
  attempts: z.number().int().nonnegative(),
  startedAt: z.unknown().optional(),
  finishedAt: z.unknown().optional(),
  /** Why the stage was skipped/degraded/failed: a short cause, never health values. */
  note: z.string().max(500).optional(),
});
export type StageState = z.infer<typeof stageStateSchema>;

export const jobStatuses = ['queued', 'running', 'complete', 'failed'] as const;

/** users/{uid}/jobs/{jobId} */
export const jobDocSchema = z.object({
  uid: z.string(),
  status: z.enum(jobStatuses),
  reason: z.enum(jobReasons),
  requestedBy: z.string(),
  correlationId: z.string(),
  /** W3C trace context of the span that wrote it, for the stage this document triggers (docs/architecture.md). */
  traceparent: z.string().optional(),
  /** null: the analyze stage picks the 7 days ending at the newest stored day. */
  window: analysisWindowSchema.nullable(),
  timezone: z.string(),
  /** Upload that triggered the job, when one did. */
  uploadId: z.string().nullable(),
  /** Later uploads that joined this job before its analysis started (debounce); absent when none did. */
  uploadIds: z.array(z.string()).optional(),
  stages: z.object({
    analyze: stageStateSchema,
    infer: stageStateSchema,
    insight: stageStateSchema,
    deliver: stageStateSchema,
  }),
  /** Degradations the user should know about (no model, LLM fallback...), short machine-readable causes. */
  degraded: z.array(z.string()),
  analysisId: z.string().nullable(),
  insightId: z.string().nullable(),
  /** Channels due for delivery (push and webhooks are sent by later work). */
  channels: z.array(z.string()),
  error: z.object({ stage: z.string(), code: z.string(), message: z.string() }).nullable(),
  createdAt: z.unknown(),
  updatedAt: z.unknown(),
});
export type JobDoc = z.infer<typeof jobDocSchema>;

const num = z.number().finite().nullable();
const provenanceSchema = z.object({
  algorithm: z.string(),
  variant: z.string().optional(),
  parameters: z.record(z.string(), z.unknown()),
  epochSeconds: z.number().optional(),
  coverage: z.object({ total: z.number(), valid: z.number(), fraction: z.number() }),
});

export const dailyValueSchema = z.object({ date: isoDate, value: num });

export const analysisMetricsSchema = z.object({
  activity: z
    .object({
      meanDailySteps: num,
      meanDailyMvpaMinutes: num,
      meanDailySedentaryMinutes: num,
      validDays: z.number().int(),
      dailySteps: z.array(dailyValueSchema),
      provenance: provenanceSchema,
    })
    .nullable(),
  sleep: z
    .object({
      /** Where sleep came from: HealthKit sleep stages, or sleep scored from the movement series. */
      basis: z.enum(['healthkit_stages', 'movement_scoring']),
      nights: z.number().int(),
      meanTotalSleepMinutes: num,
      meanEfficiency: num,
      meanOnsetClock: z.string().nullable(),
      nightly: z.array(dailyValueSchema),
      provenance: provenanceSchema,
    })
    .nullable(),
  circadian: z
    .object({
      IS: num,
      IV: num,
      RA: num,
      L5Start: z.string().nullable(),
      M10Start: z.string().nullable(),
      /** Mean movement per local clock hour (0-23) over the window, on the series IS/IV/L5/M10 use. */
      hourlyProfile: z.array(num).length(24).optional(),
      provenance: provenanceSchema,
    })
    .nullable(),
  heartRate: z.object({ meanBpm: num, restingBpm: num, provenance: provenanceSchema }).nullable(),
  hrv: z.object({ meanSdnnMs: num, provenance: provenanceSchema }).nullable(),
  trends: z.array(
    z.object({
      metric: z.string(),
      slopePerDay: num,
      direction: z.enum(['increasing', 'decreasing', 'no trend']),
      pValue: num,
      n: z.number().int(),
    }),
  ),
  anomalies: z.array(
    z.object({
      metric: z.string(),
      date: isoDate,
      value: num,
      baselineMedian: num,
      z: num,
      direction: z.enum(['high', 'low']),
    }),
  ),
});
export type AnalysisMetrics = z.infer<typeof analysisMetricsSchema>;

export const inferenceStateSchema = z.object({
  status: z.enum(['pending', 'done', 'skipped', 'failed']),
  note: z.string().max(500).optional(),
  model: z
    .object({ name: z.string(), version: z.string(), sha256: z.string(), trained: z.boolean() })
    .optional(),
  /** The 96-d PAT embedding: a representation, never a prediction. */
  embedding: z.array(z.number()).optional(),
  missingFraction: z.number().optional(),
  notice: z.string().optional(),
  /**
   * Task-head outputs from inference-run's /v1/predict, for the heads the pipeline is configured to ask for
   * (INFERENCE_HEADS), each with its confidence and the head's held-out metrics. Insights mention only
   * `validated` ones, as estimates with their uncertainty, never as a diagnosis.
   */
  predictions: z
    .array(
      z.object({
        task: z.string(),
        label: z.string(),
        validated: z.boolean(),
        probability: z.number(),
        confidence: z.number(),
        spread: z.number(),
        predicted: z.string().optional(),
        positive: z.string().optional(),
        metrics: z
          .object({ auroc: z.number(), balancedAccuracy: z.number(), brier: z.number(), ece: z.number() })
          .optional(),
      }),
    )
    .optional(),
  /** Why predictions are absent although heads were configured (none served, call failed). */
  predictionNote: z.string().max(300).optional(),
});
export type InferenceState = z.infer<typeof inferenceStateSchema>;

/** users/{uid}/analyses/{id} (id = job id) */
export const analysisDocSchema = z.object({
  uid: z.string(),
  jobId: z.string(),
  correlationId: z.string(),
  /** W3C trace context of the span that wrote it, for the stage this document triggers (docs/architecture.md). */
  traceparent: z.string().optional(),
  window: analysisWindowSchema,
  timezone: z.string(),
  /** analyzed: analytics written, inference pending; ready: inference merged or skipped. */
  status: z.enum(['analyzed', 'ready']),
  metrics: analysisMetricsSchema,
  coverage: z.object({
    days: z.number().int(),
    minutesWithData: z.record(z.string(), z.number().int()),
  }),
  inference: inferenceStateSchema,
  degraded: z.array(z.string()),
  /** Earlier analyses used as the baseline for anomalies and trends. */
  baselineAnalysisIds: z.array(z.string()),
  createdAt: z.unknown(),
  updatedAt: z.unknown(),
});
export type AnalysisDoc = z.infer<typeof analysisDocSchema>;

export const insightLocales = ['en', 'es', 'de'] as const;
export type InsightLocale = (typeof insightLocales)[number];

/** What the LLM must answer (responseJsonSchema is generated from this). */
export const insightLlmOutputSchema = z.object({
  narrative: z.string().min(1).max(2000),
  keyInsights: z
    .array(
      z.object({
        title: z.string().min(1).max(120),
        detail: z.string().min(1).max(600),
        /** Analysis metric paths the statement rests on, e.g. "activity.meanDailySteps". */
        metrics: z.array(z.string().max(80)).max(6),
      }),
    )
    .min(1)
    .max(6),
  recommendations: z.array(z.string().min(1).max(400)).max(5),
  confidence: z.enum(['low', 'medium', 'high']),
});
export type InsightLlmOutput = z.infer<typeof insightLlmOutputSchema>;

/** users/{uid}/insights/{id} (id = job id) */
export const insightDocSchema = insightLlmOutputSchema.extend({
  uid: z.string(),
  jobId: z.string(),
  analysisId: z.string(),
  correlationId: z.string(),
  /** W3C trace context of the span that wrote it, for the stage this document triggers (docs/architecture.md). */
  traceparent: z.string().optional(),
  locale: z.enum(insightLocales),
  disclaimer: z.string().min(1),
  /** 'rules' or the Gemini model id that wrote it. */
  generator: z.string(),
  templateVersion: z.string(),
  inputHash: z.string(),
  /** Numbers quoted in the text, exactly as in the analysis (the app can link them). */
  figures: z.record(z.string(), z.number().nullable()),
  fallback: z.object({ cause: z.string().max(300) }).nullable(),
  /**
   * What this insight was written without: the analysis's degradations when it was generated (e.g.
   * 'inference unavailable: analytics-only') plus an LLM fallback. A later replay that completes the
   * analysis does not rewrite the insight, so this stays true of its text.
   */
  degraded: z.array(z.string()).default([]),
  usage: z
    .object({ promptTokens: z.number().int(), outputTokens: z.number().int(), cached: z.boolean() })
    .nullable(),
  /** Safety pass edits (sentences dropped for diagnosis language). */
  safety: z.object({ removed: z.number().int() }),
  /** The prompt-template experiment arm the user is in (functions/src/llm/experiments.ts); null before them. */
  experiment: z.object({ name: z.string(), variant: z.string() }).nullable().default(null),
  createdAt: z.unknown(),
});
export type InsightDoc = z.infer<typeof insightDocSchema>;

/** deadLetters/{id} */
export const deadLetterDocSchema = z.object({
  /**
   * A job stage, `ingest` for an upload (then jobId is the upload id), or `webhook` for a message that
   * exhausted its delivery schedule to one endpoint (then endpointId and messageId say which).
   */
  stage: z.enum([...stageNames, 'ingest', 'webhook']),
  uid: z.string(),
  jobId: z.string(),
  uploadId: z.string().optional(),
  endpointId: z.string().optional(),
  messageId: z.string().optional(),
  correlationId: z.string(),
  cause: z.object({ code: z.string(), message: z.string() }),
  attempts: z.number().int(),
  replay: z.string(),
  status: z.enum(['open', 'replayed']),
  createdAt: z.unknown(),
  replayedAt: z.unknown().optional(),
});
export type DeadLetterDoc = z.infer<typeof deadLetterDocSchema>;
