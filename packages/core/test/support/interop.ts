import type { FhirBundle, FhirResource } from '../../src/index.ts';

/** Every coding system, LOINC code and UCUM unit code a Bundle uses. */
export function codesUsed(bundle: FhirBundle): {
  systems: Set<string>;
  loinc: Set<string>;
  ucum: Set<string>;
} {
  const systems = new Set<string>();
  const loinc = new Set<string>();
  const ucum = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (typeof v !== 'object' || v === null) return;
    const o = v as Record<string, unknown>;
    if (typeof o.system === 'string' && typeof o.code === 'string') {
      systems.add(o.system);
      if (o.system === 'http://loinc.org') loinc.add(o.code);
      if (o.system === 'http://unitsofmeasure.org') ucum.add(o.code);
    }
    Object.values(o).forEach(walk);
  };
  walk(bundle);
  return { systems, loinc, ucum };
}

export const resourcesOf = (b: FhirBundle, type: string): FhirResource[] =>
  b.entry.map((e) => e.resource).filter((r) => r.resourceType === type);

export const withTag = (b: FhirBundle, tag: string): FhirResource[] =>
  resourcesOf(b, 'Observation').filter((o) =>
    ((o.meta as { tag?: { code: string }[] } | undefined)?.tag ?? []).some((t) => t.code === tag),
  );
