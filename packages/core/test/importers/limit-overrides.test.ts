/**
 * The named limits can be overridden per run (issue 15): `clarity import --limit NAME=VALUE` (the Storage
 * trigger reads the same syntax from the IMPORT_LIMITS param). A file of 30 distinct record types imports
 * with the defaults, stops at `--limit maxDistinctTypes=10` naming the limit, and unknown names or bad values
 * are refused with the reason.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importLimits, parseLimitOverrides } from '../../src/importers/limits.ts';
import { runCliCaptured } from '../support/run-cli.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'clarity-limits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = path.join(dir, 'types.xml');
writeFileSync(
  file,
  '<?xml version="1.0" encoding="UTF-8"?>\n<HealthData locale="en_US">\n' +
    Array.from(
      { length: 30 },
      (_, i) =>
        `<Record type="HKQuantityTypeIdentifierX${i}" sourceName="Watch" unit="count" startDate="2026-11-20 07:00:00 -0500" endDate="2026-11-20 07:10:00 -0500" value="10"/>\n`,
    ).join('') +
    '</HealthData>\n',
);

describe('limit overrides', () => {
  it('clarity import --limit lowers (or raises) a named limit for one run', async () => {
    const plain = await runCliCaptured(['import', file, '--json']);
    expect(plain.code).toBe(0);
    const low = await runCliCaptured(['import', file, '--limit', 'maxDistinctTypes=10']);
    expect(low.code).toBe(2);
    expect(low.err).toMatch(/more than 10 distinct record types \(limit maxDistinctTypes = 10\)/);
    const high = await runCliCaptured(['import', file, '--limit', 'maxDistinctTypes=5000,maxDepth=64']);
    expect(high.code).toBe(0);
  });

  it('refuses unknown names and values that are not positive numbers, naming them', async () => {
    const unknown = await runCliCaptured(['import', file, '--limit', 'maxTypes=10']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.err).toMatch(/unknown import limit maxTypes; known: maxDtdBytes/);
    expect(() => importLimits(parseLimitOverrides('maxDepth=0'))).toThrow(/maxDepth must be a positive/);
    expect(() => parseLimitOverrides('maxDepth=lots')).toThrow(/"maxDepth=lots" is not NAME=NUMBER/);
    expect(importLimits(parseLimitOverrides('')).maxDistinctTypes).toBe(500);
  });
});
