import { createHash, randomUUID } from 'node:crypto';
import { Router } from 'express';
import {
  ClarityError,
  fhirIssuePaths,
  fhirRawObjectSuffix,
  fhirUploadBody,
  maxStoredRejections,
  validateHealthKitUpload,
} from '@clarity/core';
import { recordAudit } from '../../platform/audit.ts';
import { paths } from '../../store/paths.ts';
import { createReceivedUpload, storedUploadSha256 } from '../../store/uploads.ts';
import { envelope, state, type ApiDeps } from '../context.ts';
import { rawBodyOf, rawJsonBody, requireJson, requireUser } from '../middleware.ts';
import { fhirMediaType } from './fhir.ts';

/**
 * POST /v1/health/upload: a HealthKit-style JSON batch, or (Content-Type application/fhir+json) a FHIR R4
 * Bundle of Observations, converted by the core's fhirUploadBody into the same batch. Validates every sample; if any is invalid the whole
 * batch is refused with 400 listing each invalid sample's path and reason (nothing half-stored). A valid
 * batch is kept as a raw object, an upload document is created as `received`, and 202 returns its id;
 * the ingest trigger does the rest and the app follows the document.
 *
 * `Idempotency-Key`: a retried request with the same key (per user) maps to the same upload id and is not
 * stored twice; the same key with a different body is 422 `unprocessable` and stores nothing.
 */
function reusedKey(): ClarityError {
  return new ClarityError(
    'unprocessable',
    'this Idempotency-Key was already used with a different body; nothing was stored (use a new key)',
  );
}

export function uploadRoutes(deps: ApiDeps): Router {
  const r = Router();
  r.post(
    '/upload',
    requireUser(deps),
    requireJson(fhirMediaType),
    rawJsonBody(deps.maxUploadBytes),
    async (req, res) => {
      const s = state(req);
      const uid = s.caller?.uid;
      if (!uid) throw new ClarityError('unauthenticated', 'sign-in required');
      const raw = rawBodyOf(req);
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new ClarityError('parse_error', 'request body is not valid JSON');
      }
      // A FHIR Bundle of Observations becomes the HealthKit-style body: same validation, same sample ids.
      const fhir = req.is(fhirMediaType) === fhirMediaType ? fhirUploadBody(body) : undefined;
      if (fhir && fhir.issues.length > 0)
        throw new ClarityError(
          'invalid_input',
          'the FHIR Bundle has entries this backend cannot store; nothing was stored',
          {
            details: fhir.issues.slice(0, 100),
          },
        );
      const result = validateHealthKitUpload(fhir ? fhir.body : body, deps.now());
      if (result.issues.length > 0) {
        throw new ClarityError(
          'invalid_input',
          result.rejectedIndexes.length > 0
            ? `${result.rejectedIndexes.length} of the ${fhir ? 'Observation values' : 'samples'} are invalid; nothing was stored`
            : 'the upload body is invalid; nothing was stored',
          { details: fhir ? fhirIssuePaths(result.issues, fhir.entryOf) : result.issues },
        );
      }
      const key = req.get('idempotency-key');
      if (key !== undefined && !/^[\w.:-]{8,128}$/.test(key)) {
        throw new ClarityError(
          'invalid_argument',
          'Idempotency-Key must be 8-128 characters of [A-Za-z0-9_.:-]',
        );
      }
      const uploadId = key
        ? createHash('sha256').update(`${uid}\u0000${key}`).digest('hex').slice(0, 24)
        : randomUUID().replace(/-/g, '').slice(0, 24);
      const sha256 = createHash('sha256').update(raw).digest('hex');
      // The raw object is named by its content, so a request that reuses a key with another body (or loses a
      // race to one) can never overwrite what the first one stored.
      const rawPath = paths.rawObject(
        uid,
        uploadId,
        fhir ? `bundle-${sha256.slice(0, 16)}${fhirRawObjectSuffix}` : `batch-${sha256.slice(0, 16)}.json`,
      );
      const replay = async (): Promise<boolean> => {
        const existing = await storedUploadSha256(deps.db, uid, uploadId);
        if (existing === undefined) return false;
        if (existing !== sha256) throw reusedKey();
        res
          .status(202)
          .location(`/v1/health/uploads/${uploadId}`)
          .json(envelope({ uploadId, status: 'received', replayed: true }, s.requestId));
        return true;
      };
      if (key && (await replay())) return;
      await deps.blobs.put(rawPath, raw, fhir ? fhirMediaType : 'application/json');
      const created = await createReceivedUpload(deps.db, uid, uploadId, {
        source: 'healthkit',
        format: 'json',
        byteSize: raw.length,
        sha256,
        sampleCount: result.samples.length,
        rawPath,
        correlationId: s.requestId,
        timezone: result.timezone ?? null,
        rejections: result.issues.slice(0, maxStoredRejections),
      });
      // false when a concurrent request with the same Idempotency-Key won the race: the same body is a
      // replay, another body a reused key.
      if (!created && (await replay())) return;
      await recordAudit(deps.db, {
        actorUid: uid,
        actorRoles: s.caller?.roles ?? [],
        action: 'health.upload',
        targetUid: uid,
        resource: paths.upload(uid, uploadId),
        requestId: s.requestId,
        details: { uploadId, samples: result.samples.length, byteSize: raw.length },
      });
      s.log.info('upload.received', { uploadId, samples: result.samples.length, byteSize: raw.length });
      res
        .status(202)
        .location(`/v1/health/uploads/${uploadId}`)
        .json(envelope({ uploadId, status: 'received' }, s.requestId));
    },
  );
  return r;
}
