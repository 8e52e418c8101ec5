import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { interopCodeTable, metricCode, quantityTypes, ucumOf } from '../../src/index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

describe('the documented interop code table', () => {
  it('README-interop.md is the table the code holds', () => {
    const readme = readFileSync(path.join(here, '../../README-interop.md'), 'utf8');
    const table = /<!-- table:start -->\n([\s\S]*)<!-- table:end -->/.exec(readme)?.[1];
    expect(table).toBe(interopCodeTable());
  });

  it('gives every stored quantity type a UCUM unit, and the issue’s metrics their LOINC codes', () => {
    for (const [id, spec] of Object.entries(quantityTypes))
      expect(metricCode(spec.metric, spec.canonicalUnit), id).toBeDefined();
    const loinc = (m: string, u: string): string | undefined => metricCode(m, u)?.loinc?.code;
    expect(loinc('heart_rate', 'count/min')).toBe('8867-4');
    expect(loinc('hrv_sdnn', 'ms')).toBe('80404-7');
    expect(loinc('resting_heart_rate', 'count/min')).toBe('40443-4');
    expect(loinc('oxygen_saturation', 'fraction')).toBe('59408-5');
    expect(loinc('respiratory_rate', 'count/min')).toBe('9279-1');
    expect(loinc('steps', 'count')).toBe('55423-8');
    expect(loinc('active_energy', 'kcal')).toBe('41981-2');
    // HealthKit's fractions go out as percent.
    expect(ucumOf('fraction')).toEqual({ unit: '%', code: '%', factor: 100 });
    expect(metricCode('activity_counts', 'count')?.loinc).toBeUndefined();
  });
});
