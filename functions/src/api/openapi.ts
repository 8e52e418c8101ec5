/**
 * The OpenAPI 3.1 document of the API, generated from the same zod schemas the routes validate with
 * (zod 4's z.toJSONSchema emits JSON Schema 2020-12, the dialect of OpenAPI 3.1). Served at
 * GET /v1/openapi.json; a test checks every mounted route appears in it.
 */
import { Router } from 'express';
import { z } from 'zod';
import { healthKitUploadSchema } from '@clarity/core';
import { triggerDocuments } from '../store/paths.ts';
import * as s from './schemas.ts';

type Auth = 'none' | 'optional' | 'bearer' | 'signed';

interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  summary: string;
  auth: Auth;
  roles?: string;
  query?: z.ZodType;
  body?: z.ZodType;
  status: number;
  response: z.ZodType;
  /** The success body's media type when it is not the {data, meta} JSON envelope (FHIR, a page). */
  mediaType?: 'application/fhir+json' | 'text/html';
}

export const operations: Operation[] = [
  {
    method: 'post',
    path: '/v1/auth/login',
    summary: 'Verify an ID token; return profile and roles; optionally set the __session cookie',
    auth: 'none',
    body: s.loginBody,
    status: 200,
    response: s.loginResponse,
  },
  {
    method: 'post',
    path: '/v1/auth/logout',
    summary: "Revoke the caller's refresh tokens (all sessions, all devices) and clear the __session cookie",
    auth: 'bearer',
    roles: 'any signed-in user',
    status: 200,
    response: z.object({ loggedOut: z.literal(true) }),
  },
  {
    method: 'post',
    path: '/v1/health/upload',
    summary:
      'Upload a HealthKit-style JSON batch, or (Content-Type application/fhir+json) a FHIR R4 Bundle of Observations ingested like one; 202 with the upload id',
    auth: 'bearer',
    roles: 'user (own data)',
    body: healthKitUploadSchema,
    status: 202,
    response: z.object({
      uploadId: z.string(),
      status: z.literal('received'),
      replayed: z.boolean().optional(),
    }),
  },
  {
    method: 'put',
    path: '/v1/health/files/{uploadId}/{filename}',
    summary:
      'Emulators only (404 when deployed): upload a file (raw bytes, its own Content-Type) as the Storage SDK would to uploads/{uid}/{uploadId}/{filename}; the storage trigger ingests it; 201',
    auth: 'bearer',
    roles: 'user (own folder)',
    status: 201,
    response: z.object({ uploadId: z.string(), object: z.string(), size: z.number(), bucket: z.string() }),
  },
  {
    method: 'get',
    path: '/v1/health/insights',
    summary: 'Insights, newest first, cursor-paginated',
    auth: 'bearer',
    roles: 'user (own), clinician in the care team, admin',
    query: s.insightsQuery,
    status: 200,
    response: s.insightsResponse,
  },
  {
    method: 'post',
    path: '/v1/health/insights/{id}/feedback',
    summary: 'Helpful yes/no with an optional reason code; one answer per insight (a new one replaces it)',
    auth: 'bearer',
    roles: 'user (own insights)',
    body: s.feedbackBody,
    status: 200,
    response: s.engagementResponse,
  },
  {
    method: 'post',
    path: '/v1/health/insights/{id}/opened',
    summary: 'Mark an insight opened (the first call counts; repeats change nothing)',
    auth: 'bearer',
    roles: 'user (own insights)',
    status: 200,
    response: s.engagementResponse,
  },
  {
    method: 'get',
    path: '/v1/health/trends',
    summary: 'Daily or weekly aggregates of one metric with Theil-Sen and Mann-Kendall statistics',
    auth: 'bearer',
    roles: 'user (own), clinician in the care team, admin',
    query: s.trendsQuery,
    status: 200,
    response: s.trendsResponse,
  },
  {
    method: 'post',
    path: '/v1/health/analyze',
    summary: `Start an analysis job; 202 with the job id (follow ${triggerDocuments.job})`,
    auth: 'bearer',
    roles: 'user (own data)',
    body: s.analyzeBody,
    status: 202,
    response: s.analyzeResponse,
  },
  {
    method: 'get',
    path: '/v1/health/uploads/{uploadId}',
    summary: 'Status of an upload: counts, first rejections, the reason it was rejected (Location of a 202)',
    auth: 'bearer',
    roles: 'user (own), clinician in the care team, admin',
    query: s.statusQuery,
    status: 200,
    response: s.uploadStatus,
  },
  {
    method: 'get',
    path: '/v1/health/jobs/{jobId}',
    summary: 'Status of an analysis job and its stages (Location of a 202 from analyze)',
    auth: 'bearer',
    roles: 'user (own), clinician in the care team, admin',
    query: s.statusQuery,
    status: 200,
    response: s.jobStatus,
  },
  {
    method: 'get',
    path: '/v1/account/export',
    summary:
      'All of your data as a JSON archive, or with format=fhir as a FHIR R4 collection Bundle (GDPR access/portability; signed request required). Streamed: written as it is read; a body cut short (connection closed before the closing brace) is incomplete',
    auth: 'signed',
    query: s.accountExportQuery,
    status: 200,
    response: s.exportResponse,
  },
  {
    method: 'get',
    path: '/v1/fhir/Patient/{uid}/$everything',
    summary:
      "A user's data as a FHIR R4 searchset Bundle (application/fhir+json): Patient, Device, Observation (LOINC/UCUM), Provenance, Communication; _since, _type, paged by _count/_offset; every read audited",
    auth: 'bearer',
    roles: 'user (own), clinician in the care team, admin',
    query: s.fhirEverythingQuery,
    status: 200,
    response: s.fhirBundleResponse,
    mediaType: 'application/fhir+json',
  },
  {
    method: 'delete',
    path: '/v1/account',
    summary: 'Delete your account and all data (signed request required)',
    auth: 'signed',
    status: 200,
    response: s.deleteResponse,
  },
  {
    method: 'put',
    path: '/v1/account/care-team',
    summary: 'Set the clinicians allowed to read your data (signed request required)',
    auth: 'signed',
    body: s.careTeamBody,
    status: 200,
    response: s.careTeamResponse,
  },
  {
    method: 'get',
    path: '/v1/care-team/patients',
    summary:
      'The people whose care team includes the caller (uid, display name, email, newest upload and insight times), by uid, cursor-paginated; each person listed is audited; privileged read (second factor when required)',
    auth: 'bearer',
    roles: 'clinician, admin',
    query: s.careTeamPatientsQuery,
    status: 200,
    response: s.careTeamPatientsResponse,
  },
  {
    method: 'get',
    path: '/v1/system/health',
    summary: 'Liveness; dependency detail for admins',
    auth: 'optional',
    status: 200,
    response: s.healthResponse,
  },
  {
    method: 'get',
    path: '/v1/system/metrics',
    summary: 'Request, latency and pipeline counts',
    auth: 'bearer',
    roles: 'admin',
    status: 200,
    response: s.metricsResponse,
  },
  {
    method: 'get',
    path: '/v1/system/experiments',
    summary: 'Prompt-template experiments: per variant exposures, opens, helpful rate, p-value vs control',
    auth: 'bearer',
    roles: 'admin',
    status: 200,
    response: s.experimentsResponse,
  },
  {
    method: 'post',
    path: '/v1/webhooks',
    summary: 'Register a webhook endpoint (SSRF-checked); the 201 shows its signing secret once',
    auth: 'bearer',
    body: s.webhookCreateBody,
    status: 201,
    response: s.webhookCreated,
  },
  {
    method: 'get',
    path: '/v1/webhooks',
    summary: 'Your webhook endpoints',
    auth: 'bearer',
    status: 200,
    response: s.webhookList,
  },
  {
    method: 'get',
    path: '/v1/webhooks/{id}',
    summary: 'One webhook endpoint',
    auth: 'bearer',
    status: 200,
    response: s.webhookEndpoint,
  },
  {
    method: 'patch',
    path: '/v1/webhooks/{id}',
    summary: 'Change URL (SSRF-checked), event types, description or enabled flag',
    auth: 'bearer',
    body: s.webhookPatchBody,
    status: 200,
    response: s.webhookEndpoint,
  },
  {
    method: 'delete',
    path: '/v1/webhooks/{id}',
    summary: 'Delete an endpoint with its attempts',
    auth: 'bearer',
    status: 200,
    response: z.object({ id: z.string(), deleted: z.literal(true) }),
  },
  {
    method: 'post',
    path: '/v1/webhooks/{id}/rotate',
    summary: 'Rotate the signing secret; the old one keeps signing for the overlap (24 h)',
    auth: 'bearer',
    status: 200,
    response: s.webhookRotated,
  },
  {
    method: 'post',
    path: '/v1/webhooks/{id}/test',
    summary: 'Send a webhook.test event to this endpoint',
    auth: 'bearer',
    status: 202,
    response: z.object({ messageId: z.string() }),
  },
  {
    method: 'get',
    path: '/v1/webhooks/{id}/attempts',
    summary: 'Delivery attempts, newest first',
    auth: 'bearer',
    query: s.webhookAttemptsQuery,
    status: 200,
    response: z.object({ items: z.array(s.webhookAttempt) }),
  },
  {
    method: 'post',
    path: '/v1/webhooks/{id}/replay',
    summary: 'Re-send one message, or every message since a time, with the same webhook-id',
    auth: 'bearer',
    body: s.webhookReplayBody,
    status: 202,
    response: z.object({ messages: z.array(z.string()) }),
  },
  {
    method: 'get',
    path: '/v1/notifications/preferences',
    summary: 'Your notification preferences (channels, quiet hours in your zone, locale), defaults filled in',
    auth: 'bearer',
    status: 200,
    response: s.notificationPrefs,
  },
  {
    method: 'put',
    path: '/v1/notifications/preferences',
    summary: 'Change any of your notification preferences; answers the whole result',
    auth: 'bearer',
    body: s.notificationPrefsPatch,
    status: 200,
    response: s.notificationPrefs,
  },
  {
    method: 'get',
    path: '/v1/notifications/unsubscribe',
    summary:
      "The email's unsubscribe link: for a valid signed token, a page whose button POSTs the link (a GET changes nothing: mail scanners open links)",
    auth: 'none',
    query: s.unsubscribeQuery,
    status: 200,
    response: z.string().describe("An HTML page in the user's locale"),
    mediaType: 'text/html',
  },
  {
    method: 'post',
    path: '/v1/notifications/unsubscribe',
    summary:
      'One-click unsubscribe (RFC 8058 List-Unsubscribe-Post): a valid signed token turns email off for its user (JSON; a page when the browser asks for HTML)',
    auth: 'none',
    query: s.unsubscribeQuery,
    status: 200,
    response: s.unsubscribeResponse,
  },
  {
    method: 'put',
    path: '/v1/devices/{token}',
    summary: 'Register a push token of one of your devices (201 new, 200 known)',
    auth: 'bearer',
    body: s.deviceBody,
    status: 201,
    response: s.deviceResponse,
  },
  {
    method: 'delete',
    path: '/v1/devices/{token}',
    summary: 'Remove a push token',
    auth: 'bearer',
    status: 200,
    response: z.object({ deleted: z.literal(true) }),
  },
  {
    method: 'get',
    path: '/v1/openapi.json',
    summary: 'This document',
    auth: 'none',
    status: 200,
    response: z.record(z.string(), z.unknown()),
  },
];

type Json = Record<string, unknown>;

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): Json {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  return rest;
}

function parametersOf(query: z.ZodType): Json[] {
  const js = schemaOf(query, 'input');
  const props = (js.properties ?? {}) as Record<string, Json>;
  const required = new Set((js.required ?? []) as string[]);
  return Object.entries(props).map(([name, schema]) => ({
    name,
    in: 'query',
    required: required.has(name),
    ...(typeof schema.description === 'string' ? { description: schema.description } : {}),
    schema,
  }));
}

const errorResponse = { $ref: '#/components/responses/Error' };

export function openApiDocument(version: string): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const op of operations) {
    const security =
      op.auth === 'none'
        ? []
        : op.auth === 'optional'
          ? [{}, { bearer: [] }]
          : [{ bearer: [] }, { session: [] }];
    const responses: Json = {
      [String(op.status)]: {
        description: 'Success',
        content: op.mediaType
          ? { [op.mediaType]: { schema: schemaOf(op.response, 'output') } }
          : { 'application/json': { schema: schemaOf(s.enveloped(op.response), 'output') } },
      },
      '400': errorResponse,
      '500': errorResponse,
    };
    if (op.auth !== 'none') Object.assign(responses, { '401': errorResponse, '429': errorResponse });
    if (op.roles || op.auth === 'signed') responses['403'] = errorResponse;
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      summary: op.summary,
      ...(op.roles ? { description: `Who: ${op.roles}.` } : {}),
      security,
      ...(op.auth === 'signed'
        ? {
            parameters: ['X-Clarity-Timestamp', 'X-Clarity-Nonce', 'X-Clarity-Signature'].map((name) => ({
              name,
              in: 'header',
              required: true,
              schema: { type: 'string' },
            })),
          }
        : {}),
      ...(op.query || op.path.includes('{')
        ? {
            parameters: [
              ...[...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => ({
                name: m[1],
                in: 'path',
                required: true,
                schema: { type: 'string' },
              })),
              ...(op.query ? parametersOf(op.query) : []),
            ],
          }
        : {}),
      ...(op.body
        ? {
            requestBody: {
              required: op.method !== 'post' || op.path !== '/v1/health/analyze',
              content: { 'application/json': { schema: schemaOf(op.body, 'input') } },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Clarity Loop API',
      version,
      description:
        'Every success is {data, meta:{requestId}}; every error is {error:{code,message,details?,requestId}}.',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'Firebase ID token' },
        session: { type: 'apiKey', in: 'cookie', name: '__session' },
      },
      responses: {
        Error: {
          description: 'Error',
          content: { 'application/json': { schema: schemaOf(s.errorSchema, 'output') } },
        },
      },
    },
  };
}

export function openApiRoutes(version: string): Router {
  const r = Router();
  let doc: Json | undefined;
  r.get('/openapi.json', (_req, res) => {
    doc ??= openApiDocument(version);
    res.json(doc);
  });
  return r;
}
