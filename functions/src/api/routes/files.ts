import { Router, type RequestHandler } from 'express';
import { ClarityError, isValidTimeZone } from '@clarity/core';
import { recordAudit } from '../../platform/audit.ts';
import { traceField } from '../../platform/tracing.ts';
import { isSafeId } from '../../store/paths.ts';
import { envelope, state, type ApiDeps } from '../context.ts';
import { rawBodyOf, rawJsonBody, requireUser } from '../middleware.ts';

/** The Functions emulator buffers request bodies up to 32 MiB (larger files: the Storage SDK path). */
export const emulatorFileLimitBytes = 32 * 1024 * 1024;

/** The content types storage.rules accepts for uploads/{uid}/{uploadId}/{file} (the same list). */
const acceptedContentType =
  /^(application\/(zip|xml|x-zip-compressed|octet-stream|vnd[.]ms-excel|x-sqlite3|vnd[.]sqlite3)|text\/(xml|csv|plain))$/;
const uploadIdRe = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * PUT /v1/health/files/{uploadId}/{filename}: the emulator-only stand-in for a Cloud Storage upload, for
 * machines where no Storage emulator can run. The body (the file's bytes, Content-Type as the Storage SDK
 * would send it) is written to the local blob store at uploads/{uid}/{uploadId}/{filename}, exactly where
 * `uploadBytesResumable` would put it, and the same `object.v1.finalized` event the Storage trigger gets is
 * delivered to the Functions emulator; the client then follows users/{uid}/uploads/{uploadId} as it would
 * after a Storage upload. The checks are storage.rules' (own folder, id shape, size > 0, accepted types).
 * Query `timezone` and `subject` become the object's custom metadata (the import reads both).
 *
 * Disabled (404) unless the API runs on the emulators with the fs blob store (ApiDeps.objectFinalizer).
 */
export function fileRoutes(deps: ApiDeps): Router {
  const r = Router();
  const enabled: RequestHandler = (_req, _res, next) => {
    next(
      deps.objectFinalizer
        ? undefined
        : new ClarityError(
            'not_found',
            'PUT /v1/health/files is only served on the emulators; upload files with the Firebase Storage SDK to uploads/{uid}/{uploadId}/{file}',
          ),
    );
  };
  r.put(
    '/files/:uploadId/:filename',
    enabled,
    requireUser(deps),
    rawJsonBody(emulatorFileLimitBytes),
    async (req, res) => {
      const s = state(req);
      const uid = s.caller?.uid;
      const finalizer = deps.objectFinalizer;
      if (!uid || !finalizer) throw new ClarityError('unauthenticated', 'sign-in required');
      const uploadId = String(req.params.uploadId);
      const filename = String(req.params.filename);
      if (!uploadIdRe.test(uploadId) || !isSafeId(uploadId))
        throw new ClarityError('invalid_argument', 'uploadId must be 1-128 characters of [A-Za-z0-9_-]');
      if (
        filename.length > 200 ||
        filename === '.' ||
        filename === '..' ||
        /[/\\]/.test(filename) ||
        filename.includes('\u0000')
      )
        throw new ClarityError('invalid_argument', 'filename must be 1-200 characters without slashes');
      const contentType = (req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (!acceptedContentType.test(contentType))
        throw new ClarityError(
          'unsupported_media_type',
          `Content-Type ${contentType || '(none)'} is not an accepted upload type (zip, xml, csv, text, octet-stream, sqlite)`,
        );
      // The request's span travels as the object's metadata, where the Storage trigger continues it.
      const metadata: Record<string, string> = { ...traceField() };
      const { timezone, subject } = req.query;
      if (timezone !== undefined) {
        if (typeof timezone !== 'string' || !isValidTimeZone(timezone))
          throw new ClarityError('invalid_argument', 'timezone must be an IANA time zone');
        metadata.timezone = timezone;
      }
      if (subject !== undefined) {
        if (typeof subject !== 'string' || !/^[\w.-]{1,64}$/.test(subject))
          throw new ClarityError('invalid_argument', 'subject must be 1-64 characters of [A-Za-z0-9_.-]');
        metadata.subject = subject;
      }
      const body = rawBodyOf(req);
      if (body.length === 0) throw new ClarityError('invalid_argument', 'the file is empty');
      const name = `uploads/${uid}/${uploadId}/${filename}`;
      await deps.blobs.put(name, body, contentType);
      await finalizer.finalize({ name, size: body.length, contentType, metadata });
      await recordAudit(deps.db, {
        actorUid: uid,
        actorRoles: s.caller?.roles ?? [],
        action: 'health.file_upload',
        targetUid: uid,
        resource: name,
        requestId: s.requestId,
        details: { uploadId, byteSize: body.length, via: 'emulator-file-route' },
      });
      s.log.info('upload.file_received', { uploadId, byteSize: body.length });
      res
        .status(201)
        .location(`/v1/health/uploads/${uploadId}`)
        .json(envelope({ uploadId, object: name, size: body.length, bucket: finalizer.bucket }, s.requestId));
    },
  );
  return r;
}
