/**
 * Response shapes of the API reads that apps render, in zod: the functions' routes answer with them and their
 * OpenAPI document is generated from them (functions/src/api/schemas.ts), and @clarity/client types its calls
 * with `z.infer` of the same objects (types only, nothing of zod in an app bundle).
 */
import { z } from 'zod';

/** A Firebase Auth uid as the API accepts it in queries and bodies. */
export const apiUidSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,128}$/)
  .describe('A Firebase Auth uid');

/** One insight of GET /v1/health/insights. */
export const insightItemSchema = z.object({
  id: z.string(),
  jobId: z.string().nullable(),
  locale: z.string().nullable(),
  narrative: z.string().nullable(),
  keyInsights: z.array(z.unknown()),
  recommendations: z.array(z.string()),
  confidence: z.string().nullable(),
  disclaimer: z.string().nullable(),
  generator: z.string().nullable(),
  createdAt: z.string().nullable().describe('ISO 8601'),
});
export type InsightItem = z.infer<typeof insightItemSchema>;

export const insightsPageSchema = z.object({
  items: z.array(insightItemSchema),
  nextCursor: z.string().nullable(),
});
export type InsightsPage = z.infer<typeof insightsPageSchema>;

/**
 * One person whose care team includes the caller (GET /v1/care-team/patients): who they are and how recent
 * their data is, nothing of the data itself (that is read per person, through the audited reads).
 */
export const careTeamPatientSchema = z.object({
  uid: apiUidSchema,
  displayName: z.string().nullable().describe('The display name the person set in their profile, if any'),
  email: z.string().nullable().describe('The sign-in email of the person, if their account has one'),
  lastUploadAt: z.string().nullable().describe('ISO 8601: when their newest upload was received'),
  lastInsightAt: z.string().nullable().describe('ISO 8601: when their newest insight was written'),
});
export type CareTeamPatient = z.infer<typeof careTeamPatientSchema>;

export const careTeamPatientsPageSchema = z.object({
  items: z.array(careTeamPatientSchema).describe('By uid, a page at a time'),
  nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last'),
});
export type CareTeamPatientsPage = z.infer<typeof careTeamPatientsPageSchema>;
