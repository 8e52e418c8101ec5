/**
 * FHIR import: a Bundle of Observations (an EHR-connected device, or this backend's own export) as the
 * HealthKit-style upload body, so it goes through the same validation and gets the same sample ids as a
 * HealthKit batch (POST /v1/health/upload with Content-Type application/fhir+json, and its ingest).
 *
 * - The type comes from the HealthKit coding when there is one, else from the LOINC or device code of the
 *   code table (codes.ts); the value from valueQuantity (its UCUM code must be the table's unit for that
 *   metric; converted back to the stored unit), valueCodeableConcept (sleep stage, category value) or
 *   valueSampledData (one sample per period, "E"/"L"/"U" skipped); the times from effectiveDateTime,
 *   effectiveInstant or effectivePeriod; the source from the Observation's device (its display, or the
 *   Device resource's name in the Bundle).
 * - Observations tagged daily-summary or analysis (this backend's own totals and results) are computed, not
 *   measured, and are skipped; so are resources other than Observation.
 */
import type { FieldIssue } from '../errors.ts';
import { quantityTypes } from '../contracts/health-types.ts';
import type { HealthKitSampleInput } from '../contracts/healthkit-upload.ts';
import { isoWithOffset } from './model.ts';
import { metricCode, systems } from './codes.ts';
import { parseInstant } from '../contracts/time.ts';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export interface FhirUploadBody {
  /** The HealthKit-style body (`samples`), for validateHealthKitUpload. */
  body: { samples: HealthKitSampleInput[] };
  /** Per sample, the index of the Bundle entry it came from (to name it in errors). */
  entryOf: number[];
  /** Problems of the Bundle itself, by entry (path `entry`, i, `resource`, field). */
  issues: FieldIssue[];
  /** Resources left out: not Observations, or computed summaries. */
  skipped: number;
}

/** HealthKit type of a LOINC / device-measure code (codes.ts), by metric. */
function typeOfCoding(system: string, code: string): string | undefined {
  if (system === systems.healthkit) return code;
  if (system === systems.deviceMeasure) return 'ClarityActivityCount';
  if (system !== systems.loinc) return undefined;
  for (const [type, spec] of Object.entries(quantityTypes))
    if (metricCode(spec.metric, spec.canonicalUnit)?.loinc?.code === code) return type;
  return undefined;
}

function sourceOf(o: Json, devices: Map<string, string>): string {
  const d = obj(o.device);
  const display = str(d?.display);
  if (display) return display;
  const ref = str(d?.reference);
  return (ref && devices.get(ref)) ?? 'FHIR import';
}

export function fhirUploadBody(bundle: unknown): FhirUploadBody {
  const out: FhirUploadBody = { body: { samples: [] }, entryOf: [], issues: [], skipped: 0 };
  const b = obj(bundle);
  if (str(b?.resourceType) !== 'Bundle') {
    out.issues.push({ path: ['resourceType'], message: 'must be "Bundle"' });
    return out;
  }
  const entries = arr(b?.entry);
  if (entries.length === 0) out.issues.push({ path: ['entry'], message: 'the Bundle has no entries' });
  const devices = new Map<string, string>();
  for (const e of entries) {
    const r = obj(obj(e)?.resource);
    if (str(r?.resourceType) !== 'Device' || !r) continue;
    const name = str(obj(arr(r.deviceName)[0])?.name);
    if (name && str(r.id)) devices.set(`Device/${str(r.id)}`, name);
  }
  entries.forEach((e, i) => {
    const o = obj(obj(e)?.resource);
    const at = (field: string, message: string): void =>
      void out.issues.push({ path: ['entry', i, 'resource', field], message });
    if (!o || str(o.resourceType) !== 'Observation') {
      out.skipped++;
      return;
    }
    const tags = arr(obj(o.meta)?.tag).map((t) => str(obj(t)?.code));
    if (tags.includes('daily-summary') || tags.includes('analysis')) {
      out.skipped++;
      return;
    }
    const codings = arr(obj(o.code)?.coding).map(obj);
    const type = codings
      .map((c) => (c ? typeOfCoding(str(c.system) ?? '', str(c.code) ?? '') : undefined))
      .find((t) => t !== undefined);
    if (!type)
      return at('code', 'no coding this backend stores (see README-interop.md: LOINC, HealthKit type)');
    const period = obj(o.effectivePeriod);
    const startText = str(o.effectiveDateTime) ?? str(o.effectiveInstant) ?? str(period?.start);
    const endText = str(o.effectiveDateTime) ?? str(o.effectiveInstant) ?? str(period?.end);
    if (!startText || !endText)
      return at(
        'effectivePeriod',
        'needs effectiveDateTime, effectiveInstant or effectivePeriod.start and .end',
      );
    const sourceName = sourceOf(o, devices);
    const spec = quantityTypes[type];
    const push = (
      value: number | string,
      unit: string | undefined,
      startDate: string,
      endDate: string,
    ): void => {
      out.body.samples.push({
        type,
        value,
        ...(unit !== undefined ? { unit } : {}),
        startDate,
        endDate,
        sourceName,
      });
      out.entryOf.push(i);
    };
    const q = obj(o.valueQuantity);
    const sd = obj(o.valueSampledData);
    const cc = obj(o.valueCodeableConcept);
    if (q && spec) {
      const u = metricCode(spec.metric, spec.canonicalUnit)?.unit;
      const value = q.value;
      if (typeof value !== 'number') return at('valueQuantity', 'value must be a number');
      if (!u || str(q.code) !== u.code)
        return at(
          'valueQuantity',
          `code must be the UCUM unit ${u ? `"${u.code}"` : 'of the table'} for ${type}`,
        );
      push(value / u.factor, spec.canonicalUnit, startText, endText);
    } else if (sd && spec) {
      const u = metricCode(spec.metric, spec.canonicalUnit)?.unit;
      const origin = obj(sd.origin);
      const periodMs = sd.period;
      const factor = typeof sd.factor === 'number' ? sd.factor : 1;
      const start = parseInstant(startText);
      if (
        !u ||
        typeof periodMs !== 'number' ||
        !(periodMs > 0) ||
        typeof origin?.value !== 'number' ||
        !start
      )
        return at(
          'valueSampledData',
          'needs origin.value, a positive period and an effectivePeriod with offsets',
        );
      if (str(origin.code) !== u.code) return at('valueSampledData', `origin.code must be "${u.code}"`);
      const data = (str(sd.data) ?? '').trim().split(/\s+/);
      data.forEach((d, k) => {
        if (d === 'E' || d === 'L' || d === 'U' || d === '') return;
        const v = Number(d);
        const t = start.ms + k * periodMs;
        push(
          Number.isFinite(v) ? ((origin.value as number) + factor * v) / u.factor : Number.NaN,
          spec.canonicalUnit,
          isoWithOffset(t, start.offsetMinutes),
          isoWithOffset(t + periodMs, start.offsetMinutes),
        );
      });
    } else if (cc) {
      const code = arr(cc.coding)
        .map(obj)
        .find(
          (c) => str(c?.system) === systems.sleepStage || str(c?.system) === systems.healthkitCategoryValue,
        );
      if (!code || !str(code.code))
        return at('valueCodeableConcept', 'needs a sleep stage or category value coding');
      push(str(code.code) as string, undefined, startText, endText);
    } else at('value', `needs valueQuantity${spec ? ' or valueSampledData' : ' or valueCodeableConcept'}`);
  });
  return out;
}

/** Issues of the converted body (paths samples[i]…) as paths into the Bundle (entry[k].resource…). */
export function fhirIssuePaths(issues: readonly FieldIssue[], entryOf: readonly number[]): FieldIssue[] {
  return issues.map((x) =>
    x.path[0] === 'samples' && typeof x.path[1] === 'number'
      ? { ...x, path: ['entry', entryOf[x.path[1]] ?? x.path[1], 'resource', ...x.path.slice(2)] }
      : x,
  );
}

/** Raw objects of FHIR uploads end so; ingest converts them again with fhirUploadBody. */
export const fhirRawObjectSuffix = '.fhir.json';
