/**
 * Wire contracts of the inference service, shared by the Cloud Run server (`inference-run`) and the
 * functions that call it: the model manifest, and the embed/predict request and response bodies.
 */
import { z } from 'zod';
import { PAT_EMBED_DIM, PAT_SEQUENCE_MINUTES } from './pat.ts';

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters');
const modelName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'lowercase letters, digits, ".", "_" or "-"');

/**
 * Normalisation applied after alignment. `per-minute-of-week`: column-wise standardisation as PAT's training
 * code did (sklearn StandardScaler over the 10 080 columns), so `mean[i]`/`std[i]` belong to minute i of the
 * sequence. `per-sequence`: standardise each sequence by its own observed mean and std (what PAT's
 * fine-tuning notebooks effectively do when no population statistics are at hand).
 */
export const normalisationSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('per-minute-of-week'),
    mean: z.array(z.number()).length(PAT_SEQUENCE_MINUTES),
    std: z.array(z.number().nonnegative()).length(PAT_SEQUENCE_MINUTES),
  }),
  z.object({
    kind: z.literal('per-sequence'),
    /** A sequence whose std is below this is only centred, never divided (a flat week stays all zeros). */
    minStd: z.number().positive().default(1e-6),
  }),
]);
export type Normalisation = z.infer<typeof normalisationSchema>;

export const calibrationSchema = z.discriminatedUnion('method', [
  z.object({ method: z.literal('none') }),
  /** Platt scaling of the head's logit: p = sigmoid(a * logit + b). */
  z.object({ method: z.literal('platt'), a: z.number(), b: z.number() }),
  /**
   * Platt scaling (multinomial: one scale, a bias per class) already folded into the head's output layer by
   * `model:train-head`; recorded for the reader, applied by nobody (the ONNX logits are calibrated).
   */
  z.object({ method: z.literal('platt-folded'), a: z.number(), b: z.array(z.number()).min(1) }),
]);

/** Held-out metrics of a trained head (subject-wise cross-validation, calibrated out of fold). */
export const headMetricsSchema = z.object({
  auroc: z.number(),
  balancedAccuracy: z.number(),
  brier: z.number(),
  ece: z.number(),
});

/** The thresholds an operator stated for `validated`; a metric without a threshold is not checked. */
export const headThresholdsSchema = z.object({
  minAuroc: z.number().optional(),
  minBalancedAccuracy: z.number().optional(),
  maxBrier: z.number().optional(),
  maxEce: z.number().optional(),
});
export type HeadThresholds = z.infer<typeof headThresholdsSchema>;

/**
 * An optional task head: an ONNX graph from `embedding` [batch, 96] to `logit` [batch, 1] (binary: the logit
 * of the positive class) or [batch, K] (multinomial: one logit per entry of `labels`, softmax).
 */
export const headSchema = z
  .object({
    task: modelName,
    label: z.string().min(1),
    file: z.string().min(1),
    sha256: sha256Hex,
    calibration: calibrationSchema,
    /** Only a head validated for its task (with `validation` naming the study) may be served as a prediction. */
    validated: z.boolean(),
    validation: z.string().optional(),
    kind: z.enum(['binary', 'multinomial']).default('binary'),
    /** Class names: binary [negative, positive]; multinomial one per logit, in order. */
    labels: z.array(z.string().min(1)).min(2).optional(),
    /** How a trained head was made (model:train-head): the table's hash and the cross-validation. */
    training: z
      .object({
        sha256: sha256Hex,
        samples: z.number().int().positive(),
        subjects: z.number().int().positive(),
        folds: z.number().int().min(2),
        /** True when every metric below was computed on subjects the scoring fold's head never saw. */
        heldOutSubjects: z.boolean(),
        hiddenUnits: z.number().int().nonnegative(),
        model: z.string().min(1),
      })
      .optional(),
    metrics: headMetricsSchema.optional(),
    thresholds: headThresholdsSchema.optional(),
  })
  .refine((h) => !h.validated || (h.validation !== undefined && h.validation.trim() !== ''), {
    message: 'a validated head must name its validation (study, cohort, metrics)',
    path: ['validation'],
  })
  .refine((h) => h.kind === 'binary' || (h.labels?.length ?? 0) > 2, {
    message: 'a multinomial head names its classes (labels, more than two)',
    path: ['labels'],
  });
export type ModelHead = z.infer<typeof headSchema>;

export const driftReferenceSchema = z.object({
  /** Raw-input (pre-normalisation) statistics of the training population. */
  mean: z.number(),
  std: z.number().positive(),
  /** Histogram bin edges (ascending, interior edges only) and the reference fraction in each of edges+1 bins. */
  edges: z.array(z.number()).min(1),
  fractions: z.array(z.number().nonnegative()),
  /**
   * Per-minute-of-week statistics of the reference recordings (index i = minute i of the aligned week, as
   * the model sees it): mean, std and number of recordings observed at that minute. `model:reference`.
   */
  perMinute: z
    .object({
      mean: z.array(z.number()).length(PAT_SEQUENCE_MINUTES),
      std: z.array(z.number().nonnegative()).length(PAT_SEQUENCE_MINUTES),
      count: z.array(z.number().int().nonnegative()).length(PAT_SEQUENCE_MINUTES),
    })
    .optional(),
  /** What the reference was built from (model:reference): recordings, weeks, observed minutes, sha256s. */
  source: z
    .object({
      recordings: z.number().int().positive(),
      weeks: z.number().int().positive(),
      observedMinutes: z.number().int().positive(),
      sha256: z.array(z.string()),
    })
    .optional(),
  /** PSI above this raises the drift metric and log event (default 0.2). */
  psiAlert: z.number().positive().optional(),
});
export type DriftReference = z.infer<typeof driftReferenceSchema>;

export const modelManifestSchema = z
  .object({
    schemaVersion: z.literal(1),
    name: modelName,
    version: z.string().min(1).max(64),
    family: z.literal('pat'),
    architecture: z.object({
      size: z.enum(['s', 'm', 'l']),
      patchSize: z.number().int().positive(),
      layers: z.number().int().positive(),
      heads: z.number().int().positive(),
      embedDim: z.literal(PAT_EMBED_DIM),
      ffDim: z.number().int().positive(),
      headDim: z.number().int().positive(),
    }),
    file: z.string().min(1),
    sha256: sha256Hex,
    input: z.object({
      name: z.string().min(1),
      minutes: z.literal(PAT_SEQUENCE_MINUTES),
      epochSeconds: z.literal(60),
      quantity: z.string().min(1),
      /** Inclusive bounds on raw values; anything outside is rejected with 400. */
      min: z.number(),
      max: z.number(),
    }),
    normalisation: normalisationSchema,
    outputs: z.object({ embedding: z.string().min(1), tokens: z.string().min(1) }),
    heads: z.array(headSchema).default([]),
    drift: driftReferenceSchema.optional(),
    /** fp32, or the dynamically quantised int8 variant written by the converter (a separate version). */
    precision: z.enum(['fp32', 'int8']).default('fp32'),
    /** int8 only: what was quantised (pat-graph.ts `Quantisation`). */
    quantisation: z
      .object({
        weights: z.literal('int8 per output channel, symmetric'),
        activations: z.literal('uint8 per tensor, dynamic'),
        attentionProducts: z.boolean(),
      })
      .optional(),
    /** int8 only: agreement with the fp32 version it was derived from, measured when it was written. */
    agreement: z
      .object({
        reference: z.string().min(1),
        sequences: z.number().int().positive(),
        seeded: z.number().int().nonnegative(),
        realDerived: z.number().int().nonnegative(),
        minCosine: z.number(),
        meanCosine: z.number(),
        /** Largest |p_int8 − p_fp32| over every head's classes (null without heads). */
        maxHeadProbabilityDiff: z.number().nullable(),
        /** minCosine ≥ 0.999 and head probabilities within 0.01. */
        passed: z.boolean(),
      })
      .optional(),
    /** False for seeded stand-ins: their output is meaningless and always labelled so. */
    trained: z.boolean(),
    licence: z.object({
      spdx: z.string().min(1),
      attribution: z.string().min(1),
      source: z.string().optional(),
    }),
    notes: z.string().optional(),
  })
  .refine((m) => m.input.min < m.input.max, { message: 'input.min must be below input.max', path: ['input'] })
  .refine((m) => !m.drift || m.drift.fractions.length === m.drift.edges.length + 1, {
    message: 'drift.fractions needs edges.length + 1 entries',
    path: ['drift', 'fractions'],
  });
export type ModelManifest = z.infer<typeof modelManifestSchema>;

/** A sequence as sent on the wire: exactly 10 080 one-minute values, null for a missing minute. */
export const sequenceSchema = z.object({
  id: z.string().max(128).optional(),
  values: z.array(z.number().nullable()),
});

/**
 * The same sequence with only the array checked: the server validates the 10 080 elements itself, once, with
 * `sequenceIssues` (which also applies the manifest's bounds and names the index). Running zod over every
 * element too doubled the per-request CPU on the server's event loop (~1 ms of ~2 ms measured).
 */
export const sequenceShallowSchema = z.object({
  id: z.string().max(128).optional(),
  values: z.custom<(number | null)[]>((v) => Array.isArray(v), 'must be an array of numbers or null'),
});

/** fp32 or int8: picks the loaded version of that precision (fp32 when absent). */
const precision = z.enum(['fp32', 'int8']).optional();

const embedRequestShape = {
  /** `name` or `name@version`; the server's default model when absent. */
  model: z.string().max(130).optional(),
  precision,
  includeTokens: z.boolean().default(false),
};
export const embedRequestSchema = z.object({
  ...embedRequestShape,
  sequences: z.array(sequenceSchema).min(1).max(64),
});
export type EmbedRequest = z.infer<typeof embedRequestSchema>;
/** What the server parses: element checks are left to `sequenceIssues`. */
export const embedRequestShallowSchema = z.object({
  ...embedRequestShape,
  sequences: z.array(sequenceShallowSchema).min(1).max(64),
});

export const modelRefSchema = z.object({
  name: z.string(),
  version: z.string(),
  precision: z.enum(['fp32', 'int8']).optional(),
  sha256: sha256Hex,
  trained: z.boolean(),
});

export const embedResponseSchema = z.object({
  model: modelRefSchema,
  results: z.array(
    z.object({
      id: z.string().optional(),
      embedding: z.array(z.number()).length(PAT_EMBED_DIM),
      tokens: z.array(z.array(z.number())).optional(),
      missingFraction: z.number().min(0).max(1),
    }),
  ),
  notice: z.string().optional(),
  requestId: z.string(),
});
export type EmbedResponse = z.infer<typeof embedResponseSchema>;

/** Models to ensemble (name or name@version); every loaded model with a servable head when absent. */
const predictModels = z.array(z.string().max(130)).min(1).max(8).optional();
export const predictRequestSchema = z.object({
  models: predictModels,
  precision,
  sequences: z.array(sequenceSchema).min(1).max(64),
});
export type PredictRequest = z.infer<typeof predictRequestSchema>;
export const predictRequestShallowSchema = z.object({
  models: predictModels,
  precision,
  sequences: z.array(sequenceShallowSchema).min(1).max(64),
});

export const predictResponseSchema = z.object({
  models: z.array(modelRefSchema),
  results: z.array(
    z.object({
      id: z.string().optional(),
      heads: z.array(
        z.object({
          task: z.string(),
          label: z.string(),
          validated: z.boolean(),
          /**
           * Ensemble mean of the calibrated probability across model sizes: binary, of the positive class;
           * multinomial, of the most probable class (`predicted`).
           */
          probability: z.number().min(0).max(1),
          /** Binary max(p, 1 - p); multinomial the top class's probability: how far from undecided. */
          confidence: z.number().min(0).max(1),
          /** The most probable class, when the head names its classes. */
          predicted: z.string().optional(),
          /** Binary heads that name their classes: the class `probability` is about. */
          positive: z.string().optional(),
          /** The head's held-out metrics from its manifest (model:train-head), when it has them. */
          metrics: headMetricsSchema.optional(),
          /** Multinomial: every class with its ensemble-mean probability. */
          classes: z.array(z.object({ label: z.string(), probability: z.number() })).optional(),
          /** Population standard deviation of the probability across models (0 with one model). */
          spread: z.number().min(0),
          byModel: z.array(z.object({ model: z.string(), probability: z.number() })),
        }),
      ),
    }),
  ),
  clinical: z.boolean(),
  notice: z.string().optional(),
  requestId: z.string(),
});
export type PredictResponse = z.infer<typeof predictResponseSchema>;
