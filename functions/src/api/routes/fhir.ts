/**
 * FHIR R4 reads (application/fhir+json), through the same access checks as every other read (rbac.ts
 * authorizeRead: the owner, a clinician in the care team, an admin) and audited on EVERY read, the
 * owner's included (action fhir.everything).
 *
 * GET /v1/fhir/Patient/{uid}/$everything[?_since&_type&_count&_offset&start&end]: the user's data as a
 * searchset Bundle (core src/interop: Patient, Devices, Observations, Provenances, Communications), paged by
 * _count/_offset with self/next/previous links. The resources are built from the stored documents on each
 * request, in a stable order (samples by time, then id), so pages do not overlap or skip.
 */
import { Router, type Request, type Response } from 'express';
import { ClarityError, fhirBundle, fhirResources, parseInstant, type FhirBundle } from '@clarity/core';
import { readExportInput, type ExportFilter } from '../../store/export-input.ts';
import { isSafeId, paths } from '../../store/paths.ts';
import type { ApiDeps } from '../context.ts';
import { requireUser } from '../middleware.ts';
import { ResponseStream } from '../streaming.ts';
import { auditAccess, authorizeRead, callerOf } from '../rbac.ts';
import { fhirEverythingQuery, parseInput } from '../schemas.ts';

export const fhirMediaType = 'application/fhir+json';

/** One audit entry per FHIR read or export (identifiers and counts only). */
function auditFhir(
  deps: ApiDeps,
  req: Request,
  action: string,
  targetUid: string,
  details: Record<string, string | number | null>,
): Promise<void> {
  return auditAccess(deps, req, action, targetUid, paths.user(targetUid), details);
}

/** The base of fullUrls and links: this API's own /v1/fhir, as the client reached it. */
function fhirBase(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}/v1/fhir`;
}

/**
 * GET /v1/account/export?format=fhir (account.ts hands over after its own checks): every resource of the
 * caller's data as one collection Bundle, as an attachment; audited like the JSON archive. The Bundle is
 * written an entry at a time with back-pressure (api/streaming.ts), never as one string; the resources
 * themselves are still built from the whole account at once (readExportInput, the core's fhirResources:
 * sleep episodes, daily totals and minute-series groups are computed over all of a user's samples).
 */
export async function exportFhir(deps: ApiDeps, req: Request, res: Response): Promise<void> {
  const caller = callerOf(req);
  const input = await readExportInput(deps.db, caller.uid, {}, deps.now());
  const { entry, ...head } = fhirBundle(fhirResources(input), {
    type: 'collection',
    base: fhirBase(req),
    timestampMs: input.generatedMs,
  });
  await auditFhir(deps, req, 'account.export', caller.uid, {
    format: 'fhir',
    resources: entry.length,
  });
  res.setHeader(
    'Content-Disposition',
    `attachment; filename="clarity-export-${head.timestamp.slice(0, 10)}.fhir.json"`,
  );
  res.type(fhirMediaType);
  const out = new ResponseStream(res);
  // Each entry is dropped once written, so what is written can be collected while the rest is.
  const pending: (FhirBundle['entry'][number] | undefined)[] = entry;
  let open = await out.write(`${JSON.stringify(head).slice(0, -1)},"entry":[`);
  for (let i = 0; open && i < pending.length; i++) {
    open = await out.write(`${i === 0 ? '' : ','}\n${JSON.stringify(pending[i])}`);
    pending[i] = undefined;
  }
  out.end('\n]}');
}

export function fhirRoutes(deps: ApiDeps): Router {
  const r = Router();
  r.get('/Patient/:uid/:operation', requireUser(deps), async (req, res) => {
    if (String(req.params.operation) !== '$everything')
      throw new ClarityError('not_found', 'the only FHIR operation on Patient is $everything');
    const uid = String(req.params.uid);
    if (!isSafeId(uid))
      throw new ClarityError('invalid_input', 'uid is not a user id', {
        details: [{ path: ['params', 'uid'], message: 'must be 1-128 letters, digits, - or _' }],
      });
    const q = parseInput(fhirEverythingQuery, req.query, 'query');
    const caller = callerOf(req);
    const access = await authorizeRead(deps, caller, uid);
    const filter: ExportFilter = {
      ...(q._since ? { sinceMs: parseInstant(q._since)?.ms } : {}),
      ...(q.start ? { start: q.start } : {}),
      ...(q.end ? { end: q.end } : {}),
    };
    const input = await readExportInput(deps.db, access.uid, filter, deps.now());
    const types = q._type?.split(',');
    const all = fhirResources(input).filter((x) => !types || types.includes(x.resourceType));
    const page = all.slice(q._offset, q._offset + q._count);
    const base = fhirBase(req);
    const self = (offset: number): string => {
      const u = new URL(`${base}/Patient/${access.uid}/$everything`);
      for (const [k, v] of Object.entries(req.query))
        if (k !== '_offset' && typeof v === 'string') u.searchParams.set(k, v);
      u.searchParams.set('_count', String(q._count));
      u.searchParams.set('_offset', String(offset));
      return u.toString();
    };
    const links = [
      { relation: 'self', url: self(q._offset) },
      ...(q._offset + q._count < all.length ? [{ relation: 'next', url: self(q._offset + q._count) }] : []),
      ...(q._offset > 0 ? [{ relation: 'previous', url: self(Math.max(0, q._offset - q._count)) }] : []),
    ];
    await auditFhir(deps, req, 'fhir.everything', access.uid, {
      basis: access.basis,
      types: q._type ?? 'all',
      since: q._since ?? null,
      offset: q._offset,
      resources: page.length,
    });
    res.type(fhirMediaType);
    res.send(
      JSON.stringify(
        fhirBundle(page, {
          type: 'searchset',
          base,
          timestampMs: input.generatedMs,
          total: all.length,
          links,
        }),
      ),
    );
  });
  return r;
}
