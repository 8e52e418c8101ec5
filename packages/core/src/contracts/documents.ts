/**
 * Firestore document shapes (docs/architecture.md, "Data model"), as zod schemas so the backend writes and reads them
 * through one definition. Timestamps are Firestore Timestamps on the wire; here they are `unknown` and the
 * store's converters own them.
 */
import { z } from 'zod';
import { sleepStages } from './health-types.ts';

export const uploadStatuses = ['received', 'parsing', 'ingested', 'partial', 'rejected'] as const;
export type UploadStatus = (typeof uploadStatuses)[number];

export const countsSchema = z.object({
  accepted: z.number().int().nonnegative(),
  duplicate: z.number().int().nonnegative(),
  rejected: z.number().int().nonnegative(),
});
export type Counts = z.infer<typeof countsSchema>;

export const fieldIssueSchema = z.object({
  path: z.array(z.union([z.string(), z.number()])),
  message: z.string(),
  line: z.number().int().optional(),
});

/** How many rejection reasons an upload document keeps (the raw object keeps everything). */
export const maxStoredRejections = 20;

/**
 * Where a file import that ran out of its invocation's time stopped (functions: store/uploads.ts writes it,
 * pipeline/ingest-apple-export.ts reads it): the batches already stored and the writer's running totals, so
 * the continuation re-reads the file without writing those batches again and ends with one run's counts.
 */
export const importCheckpointSchema = z.object({
  /** Batches of the importer stored so far (the next invocation skips this many). */
  batches: z.number().int().nonnegative(),
  records: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  /** Invocations that have run so far (the first included). */
  invocations: z.number().int().positive(),
  /** True from the checkpoint until the continuation claims the upload. */
  handedOff: z.boolean(),
  /** The first invocation's clock for the future-date check, so every invocation judges records alike. */
  nowMs: z.number().int(),
  totals: z.object({
    samples: countsSchema,
    byType: z.record(z.string(), countsSchema),
    workouts: countsSchema,
    summaries: countsSchema,
    zone: z.string().nullable(),
  }),
});
export type ImportCheckpoint = z.infer<typeof importCheckpointSchema>;

export const uploadDocSchema = z.object({
  status: z.enum(uploadStatuses),
  source: z.enum(['healthkit', 'apple_health_export', 'actigraphy', 'fitbit']),
  format: z.enum(['json', 'xml', 'zip', 'awd', 'csv', 'agd', 'other']),
  byteSize: z.number().int().nonnegative(),
  /** Of the raw bytes; null until a streamed file has been read to the end. */
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
  sampleCount: z.number().int().nonnegative().nullable(),
  rawPath: z.string(),
  correlationId: z.string(),
  /** W3C trace context of the span that wrote it, for the stage this document triggers (docs/architecture.md). */
  traceparent: z.string().optional(),
  timezone: z.string().nullable(),
  counts: countsSchema.nullable(),
  byType: z.record(z.string(), countsSchema).nullable(),
  rejections: z.array(fieldIssueSchema),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  attempts: z.number().int().nonnegative(),
  createdAt: z.unknown(),
  updatedAt: z.unknown(),
  /** When each status was reached: the app shows progress from this. */
  statusTimes: z.record(z.string(), z.unknown()),
  /** Set while a file import continues over several invocations (importCheckpointSchema). */
  checkpoint: importCheckpointSchema.nullable().optional(),
});
export type UploadDoc = z.infer<typeof uploadDocSchema>;

/** One stored sample inside a per-day series document (short keys: these documents hold thousands). */
export const storedSampleSchema = z.object({
  s: z.number().int(), // start, epoch ms
  e: z.number().int(), // end, epoch ms
  v: z.number().nullable(), // value in the series unit; null for categories
  st: z.enum(sleepStages).nullable(), // sleep stage
  src: z.string(), // source name
  up: z.string(), // upload that first stored it
  c: z.string().optional(), // category value name (category types other than sleep)
  u: z.string().optional(), // the sample's unit, when it is not the document's (identifiers stored generically)
});
export type StoredSample = z.infer<typeof storedSampleSchema>;

/** users/{uid}/series/{metric}_{YYYY-MM-DD}: one metric on one local day. */
export const seriesDocSchema = z.object({
  metric: z.string(),
  /** The HealthKit type identifier the metric stores (absent on documents written before it was recorded). */
  type: z.string().optional(),
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  unit: z.string().nullable(),
  samples: z.record(z.string(), storedSampleSchema),
  sampleCount: z.number().int().nonnegative(),
  sources: z.array(z.string()),
  /**
   * Shard documents beyond this one (users/{uid}/series/{id}/shards/{1..n}) that hold the rest of the day's
   * samples when it has more than `maxSamplesPerSeriesDoc`; absent or 0: all samples are here.
   */
  shards: z.number().int().nonnegative().optional(),
  updatedAt: z.unknown(),
});
export type SeriesDoc = z.infer<typeof seriesDocSchema>;

/**
 * Most samples one series document (a day's head or one of its shards) holds. A Firestore document holds at
 * most 1 MiB and 20 000 fields; a stored sample is about 150 bytes and 7 fields with its key, and the head
 * also carries the 1440-minute view (up to 4 arrays of 1440), so 1500 keeps every document inside both and a
 * day of one-minute samples in one document (continuous 5-s heart rate, 17 280 a day, takes the head and 11
 * shards).
 */
export const maxSamplesPerSeriesDoc = 1500;

/**
 * users/{uid}/workouts/{id}: one workout from an Apple Health export. The id is the importer's
 * deterministic hash of (user, activity type, start, end, source), so a re-imported workout is a duplicate.
 */
export const workoutDocSchema = z.object({
  /** HKWorkoutActivityType..., as the export names it. */
  activityType: z.string().max(120),
  startMs: z.number().int(),
  endMs: z.number().int(),
  /** UTC offset of the start (the user's zone when known). */
  offsetMinutes: z.number().int(),
  /** Local calendar date of the start. */
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  durationMin: z.number().nonnegative().nullable(),
  distanceM: z.number().nonnegative().nullable(),
  energyKcal: z.number().nonnegative().nullable(),
  source: z.string().max(200),
  device: z.string().max(500).nullable(),
  /** IANA zone from the workout's HKTimeZone metadata, when present. */
  timeZone: z.string().max(64).nullable(),
  /** Upload that first stored it. */
  uploadId: z.string(),
  createdAt: z.unknown(),
});
export type WorkoutDoc = z.infer<typeof workoutDocSchema>;

/** users/{uid}/activitySummaries/{YYYY-MM-DD}: Apple's daily ring summary (null where the export has none). */
export const activitySummaryDocSchema = z.object({
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  activeEnergyKcal: z.number().nonnegative().nullable(),
  activeEnergyGoalKcal: z.number().nonnegative().nullable(),
  exerciseMin: z.number().nonnegative().nullable(),
  exerciseGoalMin: z.number().nonnegative().nullable(),
  standHours: z.number().nonnegative().nullable(),
  standHoursGoal: z.number().nonnegative().nullable(),
  /** Upload whose values the document holds (a later export of the same day replaces earlier values). */
  uploadId: z.string(),
  updatedAt: z.unknown(),
});
export type ActivitySummaryDoc = z.infer<typeof activitySummaryDocSchema>;
