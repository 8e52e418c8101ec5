/**
 * Request and response schemas of the API, in zod. Routes validate body, query and params with `parseInput`
 * and the OpenAPI document (openapi.ts) is generated from these same objects, so the two cannot drift.
 */
import { z } from 'zod';
import {
  ClarityError,
  apiUidSchema,
  careTeamPatientsPageSchema,
  daysBetween,
  earliestPlausibleDay,
  fieldIssues,
  insightItemSchema,
  insightsPageSchema,
  metricIds,
  parseInstant,
} from '@clarity/core';
import { webhookEventTypes } from '../delivery/webhooks.ts';

const uid = apiUidSchema;
/**
 * Earliest day a window may name: the core's earliestPlausibleDay, the earliest day a sample may start on
 * (device clocks: the real Actiwatch recordings in the shared data are dated 1918), so every stored sample
 * can be charted and nothing before it can be stored.
 */
export const earliestDay = earliestPlausibleDay;
/** Latest day a window may name, from a clock: tomorrow (a user east of UTC is already there). */
export function latestDay(nowMs = Date.now()): string {
  return new Date(nowMs + 86_400_000).toISOString().slice(0, 10);
}
/** True for a real calendar day: 2026-02-30 and 2026-13-45 are not. */
export function isCalendarDate(d: string): boolean {
  const t = Date.parse(`${d}T00:00:00Z`);
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === d;
}
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date YYYY-MM-DD', abort: true })
  .refine(isCalendarDate, { message: 'is not a calendar date', abort: true })
  .refine((d) => d >= earliestDay && d <= latestDay(), {
    message: `must lie between ${earliestDay} and tomorrow`,
  })
  .describe(`Local calendar day, YYYY-MM-DD, from ${earliestDay} to tomorrow`);

export const roles = ['user', 'clinician', 'admin'] as const;
export type Role = (typeof roles)[number];

// ---- shared shapes --------------------------------------------------------------------------------------

export const errorSchema = z.object({
  error: z.object({
    code: z.string().describe('Stable machine-readable code, e.g. invalid_input, permission_denied'),
    message: z.string(),
    details: z
      .array(z.object({ path: z.array(z.union([z.string(), z.number()])), message: z.string() }))
      .optional(),
    requestId: z.string(),
  }),
});

export const metaSchema = z.object({ requestId: z.string() });

/** The success envelope `{data, meta}` around a data schema. */
export function enveloped<T extends z.ZodType>(data: T) {
  return z.object({ data, meta: metaSchema });
}

/**
 * Validates one part of a request. Failures become ClarityError('invalid_input') whose details name each
 * field (prefixed with body/query/params) and the reason; values are never echoed.
 */
export function parseInput<T extends z.ZodType>(
  schema: T,
  value: unknown,
  where: 'body' | 'query' | 'params',
): z.infer<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const details = fieldIssues(r.error.issues, [where]);
  throw new ClarityError('invalid_input', `invalid request ${where}: ${details.length} problem(s)`, {
    details,
  });
}

// ---- POST /v1/auth/login --------------------------------------------------------------------------------

export const loginBody = z
  .object({
    idToken: z
      .string()
      .min(10)
      .max(4096)
      .optional()
      .describe('Firebase ID token; alternatively send Authorization: Bearer <token>'),
    session: z
      .boolean()
      .optional()
      .describe('Web clients: true sets the __session cookie (httpOnly, Secure, SameSite=Strict)'),
  })
  .strict();

export const profileSchema = z.object({
  uid,
  locale: z.string().nullable(),
  timezone: z.string().nullable(),
  units: z.enum(['metric', 'imperial']).nullable(),
  consent: z.record(z.string(), z.boolean()),
  careTeam: z.array(uid),
});

export const loginResponse = z.object({
  profile: profileSchema,
  roles: z.array(z.enum(roles)),
  session: z
    .object({ cookie: z.literal('__session'), expiresInSeconds: z.number().int() })
    .nullable()
    .describe('Set when a session cookie was issued'),
});

// ---- GET /v1/health/insights ----------------------------------------------------------------------------

/** `limit` and `cursor` of the cursor-paginated reads (insights, care-team patients). */
const pageQuery = {
  limit: z.coerce.number().int().min(1).max(50).default(20),
  cursor: z
    .string()
    .max(512)
    .regex(/^[A-Za-z0-9_-]+$/)
    .optional()
    .describe('Opaque cursor from data.nextCursor of the previous page'),
};

export const insightsQuery = z
  .object({
    uid: uid.optional().describe('Patient uid (clinicians in the care team, admins); default: the caller'),
    ...pageQuery,
    locale: z.enum(['en', 'es', 'de']).optional().describe('Only insights written in this locale'),
  })
  .strict();

/** The items and page of GET /v1/health/insights: the core's contract, which @clarity/client types too. */
export const insightItem = insightItemSchema;
export const insightsResponse = insightsPageSchema;

// ---- POST /v1/health/insights/{id}/feedback and /opened -------------------------------------------------

export const insightIdParams = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/) });

/** Why an insight was or was not helpful: a fixed list, so answers can be counted (no free text). */
export const feedbackReasons = [
  'actionable',
  'clear',
  'accurate',
  'not_accurate',
  'not_relevant',
  'too_generic',
  'hard_to_understand',
  'already_knew',
  'other',
] as const;

export const feedbackBody = z
  .object({
    helpful: z.boolean().describe('Was this insight helpful?'),
    reason: z.enum(feedbackReasons).optional().describe('Optional reason code'),
  })
  .strict();

export const engagementResponse = z.object({
  insightId: z.string(),
  openedAt: z.string().describe('ISO 8601, the first time it was opened'),
  helpful: z.boolean().nullable(),
  reason: z.enum(feedbackReasons).nullable(),
  changed: z.boolean().describe('False when the request repeated what was already recorded'),
});

// ---- GET /v1/system/experiments -------------------------------------------------------------------------

const pValue = z.number().min(0).max(1).nullable();

export const experimentsResponse = z.object({
  experiments: z.array(
    z.object({
      name: z.string(),
      control: z.string(),
      shards: z.number().int(),
      variants: z.array(
        z.object({
          name: z.string(),
          weight: z.number(),
          generator: z.string().describe("'rules' or the prompt template version"),
          exposures: z.number().int(),
          opens: z.number().int(),
          openRate: z.number().nullable(),
          feedback: z.number().int(),
          helpful: z.number().int(),
          helpfulRate: z.number().nullable(),
          vsControl: z
            .object({ openRatePValue: pValue, helpfulRatePValue: pValue })
            .nullable()
            .describe('Two-sided two-proportion z-test against the control; null for the control'),
        }),
      ),
    }),
  ),
});

// ---- GET /v1/health/trends ------------------------------------------------------------------------------

/** Every canonical metric with a per-day series (the core's list, so the API cannot drift from it). */
/** Resource types of the FHIR export (the `_type` filter of $everything). */
export const fhirResourceTypes = ['Patient', 'Device', 'Observation', 'Provenance', 'Communication'] as const;

/** GET /v1/fhir/Patient/{uid}/$everything query (FHIR's own parameter names). */
export const fhirEverythingQuery = z
  .object({
    _since: z
      .string()
      .max(40)
      .refine(
        (v) => parseInstant(v) !== undefined,
        'must be an instant with a UTC offset, e.g. 2026-11-20T00:00:00Z',
      )
      .optional()
      .describe('Only what was stored at or after this instant'),
    _type: z
      .string()
      .max(200)
      .refine(
        (v) => v.split(',').every((t) => (fhirResourceTypes as readonly string[]).includes(t)),
        `must be a comma-separated list of ${fhirResourceTypes.join(', ')}`,
      )
      .optional()
      .describe('Only these resource types'),
    _count: z.coerce.number().int().min(1).max(1000).default(200).describe('Resources per page'),
    _offset: z.coerce
      .number()
      .int()
      .min(0)
      .max(100_000_000)
      .default(0)
      .describe('First resource of the page'),
    start: isoDate.optional().describe('Only series days and analysis windows on or after this date'),
    end: isoDate.optional().describe('Only series days and analysis windows on or before this date'),
  })
  .strict()
  .refine((q) => !q.start || !q.end || q.start <= q.end, {
    path: ['start'],
    message: 'start must not be after end',
  });

/** The searchset Bundle the FHIR routes answer with (application/fhir+json; validated against the R4 schema in the tests). */
export const fhirBundleResponse = z.object({
  resourceType: z.literal('Bundle'),
  id: z.string(),
  type: z.enum(['searchset', 'collection']),
  timestamp: z.string(),
  total: z.number().int().optional(),
  link: z.array(z.object({ relation: z.string(), url: z.string() })).optional(),
  entry: z.array(z.object({ fullUrl: z.string(), resource: z.record(z.string(), z.unknown()) })),
});

export const accountExportQuery = z.object({
  format: z
    .enum(['clarity', 'fhir'])
    .default('clarity')
    .describe('clarity: the JSON archive; fhir: an R4 Bundle'),
});

export const trendMetrics = metricIds;

export const trendsQuery = z
  .object({
    uid: uid.optional(),
    metric: z.enum(trendMetrics),
    start: isoDate,
    end: isoDate,
    granularity: z.enum(['day', 'week']).default('day'),
  })
  .strict()
  .refine((q) => q.start <= q.end, { path: ['start'], message: 'start must not be after end' })
  .refine((q) => daysBetween(q.start, q.end) < 366, {
    path: ['end'],
    message: 'range must be at most 366 days',
  });

export const trendPoint = z.object({
  period: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .describe('First day of the period'),
  value: z.number().nullable().describe('null when no data in the period'),
  days: z.number().int().describe('Days of the period with data'),
  samples: z.number().int(),
});

export const trendsResponse = z.object({
  metric: z.enum(trendMetrics),
  unit: z.string().nullable(),
  aggregation: z.enum(['sum', 'mean', 'asleep_minutes']),
  granularity: z.enum(['day', 'week']),
  points: z.array(trendPoint),
  statistics: z.object({
    theilSen: z
      .object({
        slopePerPeriod: z.number().nullable(),
        lowSlope: z.number().nullable(),
        highSlope: z.number().nullable(),
        confidence: z.number(),
        n: z.number().int(),
      })
      .describe('Theil-Sen slope per period with its confidence interval'),
    mannKendall: z.object({
      S: z.number(),
      Z: z.number(),
      p: z.number().nullable(),
      tau: z.number().nullable(),
      trend: z.enum(['increasing', 'decreasing', 'no trend']),
      n: z.number().int(),
    }),
  }),
});

// ---- GET /v1/health/uploads/{uploadId}, GET /v1/health/jobs/{jobId} --------------------------------------

export const statusQuery = z
  .object({
    uid: uid.optional().describe('Owner uid (clinicians in the care team, admins); default: the caller'),
  })
  .strict();

/** A document id from a path segment. */
export const resourceId = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be an id returned by the API');

const cause = z.object({ code: z.string(), message: z.string() });

export const uploadStatus = z.object({
  uploadId: z.string(),
  status: z.string().describe('received | parsing | ingested | partial | rejected (| failed)'),
  format: z.string().nullable(),
  byteSize: z.number().nullable(),
  counts: z.object({ accepted: z.number(), duplicate: z.number(), rejected: z.number() }).nullable(),
  rejections: z.array(z.object({ path: z.array(z.union([z.string(), z.number()])), message: z.string() })),
  error: cause.nullable().describe('Why the upload was rejected or failed, in words'),
  reachedAt: z.record(z.string(), z.string().nullable()).describe('When each status was reached (ISO 8601)'),
});

export const jobStatus = z.object({
  jobId: z.string(),
  status: z.string().describe('queued | running | complete | failed'),
  reason: z.string().nullable(),
  window: z.object({ start: z.string(), end: z.string() }).nullable(),
  stages: z.record(
    z.string(),
    z.object({ status: z.string(), attempts: z.number(), note: z.string().optional() }),
  ),
  degraded: z.array(z.string()),
  error: cause.extend({ stage: z.string().optional() }).nullable(),
  analysisId: z.string().nullable(),
  insightId: z.string().nullable(),
});

// ---- POST /v1/health/analyze ----------------------------------------------------------------------------

export const analyzeBody = z
  .object({
    window: z
      .object({ start: isoDate, end: isoDate })
      .strict()
      .refine((w) => w.start <= w.end, { path: ['start'], message: 'start must not be after end' })
      .refine((w) => daysBetween(w.start, w.end) < 92, {
        path: ['end'],
        message: 'window must be at most 92 days',
      })
      .nullable()
      .optional()
      .describe('Inclusive local days; omitted or null: the 7 days ending at the newest stored day'),
  })
  .strict();

export const analyzeResponse = z.object({
  jobId: z.string(),
  status: z.literal('queued'),
  created: z.boolean().describe('false when an Idempotency-Key replay found the existing job'),
});

// ---- account --------------------------------------------------------------------------------------------

export const careTeamBody = z
  .object({ clinicians: z.array(uid).max(20).describe('Clinician uids allowed to read your data') })
  .strict();

export const careTeamResponse = z.object({ careTeam: z.array(uid) });

// ---- GET /v1/care-team/patients -------------------------------------------------------------------------

export const careTeamPatientsQuery = z.object({ ...pageQuery }).strict();

/** The core's contract, which @clarity/client types too. */
export const careTeamPatientsResponse = careTeamPatientsPageSchema;

export const exportResponse = z.object({
  format: z.literal('clarity-export-v1'),
  uid,
  exportedAt: z.string(),
  documents: z
    .array(z.object({ path: z.string(), data: z.record(z.string(), z.unknown()) }))
    .describe('Every document under users/{uid}, recursively; Timestamps as ISO strings'),
  rawObjects: z.array(z.string()).describe('Storage paths of everything the user sent'),
});

export const deleteResponse = z.object({
  deleted: z.object({ documents: z.number().int(), objects: z.number().int() }),
});

// ---- system ---------------------------------------------------------------------------------------------

export const healthResponse = z.object({
  status: z.enum(['ok', 'degraded']),
  version: z.string().optional().describe('Admins only'),
  uptimeSeconds: z.number().optional().describe('Admins only'),
  checks: z.record(z.string(), z.unknown()).optional().describe('Admins only'),
});

export const metricsResponse = z.object({
  requests: z.array(
    z.object({
      method: z.string(),
      route: z.string(),
      status: z.number().int(),
      count: z.number().int(),
      latencyMs: z.object({ mean: z.number(), p50: z.number(), p95: z.number(), max: z.number() }),
    }),
  ),
  pipeline: z.object({
    uploads: z.record(z.string(), z.number().int()),
    jobs: z.record(z.string(), z.number().int()),
    deadLetters: z.record(z.string(), z.number().int()),
  }),
  since: z.string(),
});

// ---- webhooks -------------------------------------------------------------------------------------------

/** The event types delivery/webhooks.ts emits (one list, owned there). */
export const webhookEventTypeSchema = z.enum(webhookEventTypes);

export const webhookIdParams = z.object({ id: z.string().regex(/^ep_[A-Za-z0-9_-]{8,40}$/) });

export const webhookCreateBody = z
  .object({
    url: z
      .string()
      .max(2048)
      .describe('HTTPS URL of your endpoint (no private, loopback or metadata address)'),
    eventTypes: z
      .array(webhookEventTypeSchema)
      .max(10)
      .optional()
      .describe('Event types to receive; empty or absent: all'),
    description: z.string().max(200).optional(),
    enabled: z.boolean().optional(),
  })
  .strict();

export const webhookPatchBody = webhookCreateBody.partial().strict();

export const webhookEndpoint = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string().nullable(),
  eventTypes: z.array(z.string()),
  enabled: z.boolean(),
  disabledReason: z.enum(['user', 'gone', 'failing']).nullable(),
  createdAt: z.string(),
  secretRotatedAt: z.string().nullable(),
});

export const webhookCreated = webhookEndpoint.extend({
  secret: z.string().describe('whsec_... signing secret; shown only here: store it now'),
});

export const webhookList = z.object({ items: z.array(webhookEndpoint) });

export const webhookRotated = z.object({
  secret: z.string().describe('The new whsec_ secret, shown once'),
  previousValidUntil: z.string().describe('Until then the old secret also signs (ISO 8601)'),
});

export const webhookAttemptsQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(50),
    messageId: z.string().max(64).optional(),
  })
  .strict();

export const webhookAttempt = z.object({
  id: z.string(),
  messageId: z.string(),
  type: z.string(),
  round: z.number().int(),
  attempt: z.number().int(),
  outcome: z.enum(['delivered', 'failed', 'gone']),
  statusCode: z.number().int().nullable(),
  error: z.string().nullable(),
  latencyMs: z.number(),
  at: z.string(),
  nextAttemptAt: z.string().nullable(),
});

export const webhookReplayBody = z
  .object({
    messageId: z.string().max(64).optional(),
    since: z.iso.datetime().optional().describe('Replay every message created since this time'),
  })
  .strict()
  .refine((b) => (b.messageId === undefined) !== (b.since === undefined), {
    message: 'give exactly one of messageId and since',
  });

// ---- notifications and devices --------------------------------------------------------------------------

export {
  notificationPrefsPatch,
  notificationPrefsSchema as notificationPrefs,
} from '../delivery/preferences.ts';

/** An FCM registration token (the device document's id): letters, digits and `:_-.`, no `/`. */
export const deviceTokenParams = z.object({
  token: z
    .string()
    .regex(
      /^[A-Za-z0-9:_.-]{16,1024}$/,
      'must be an FCM registration token (16-1024 of A-Z a-z 0-9 : _ - .)',
    ),
});

export const deviceBody = z
  .object({
    platform: z.enum(['ios', 'android', 'web']),
    appVersion: z.string().max(40).optional(),
  })
  .strict();

export const deviceResponse = z.object({
  token: z.string(),
  platform: z.enum(['ios', 'android', 'web']),
  appVersion: z.string().nullable(),
});

export const unsubscribeQuery = z
  .object({ token: z.string().min(1).max(600).describe('The signed token from the email link') })
  .strict();

export const unsubscribeResponse = z.object({
  channel: z.literal('email'),
  enabled: z.literal(false),
});
