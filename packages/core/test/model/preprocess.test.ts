import { describe, expect, it } from 'vitest';
import { ClarityError } from '../../src/errors.ts';
import {
  alignToWeek,
  embedRequestSchema,
  modelManifestSchema,
  normaliseInto,
  PAT_SEQUENCE_MINUTES,
  patArchitecture,
  patPositionalTable,
  sequenceIssues,
} from '../../src/model/index.ts';

const week = (f: (i: number) => number | null): (number | null)[] =>
  Array.from({ length: PAT_SEQUENCE_MINUTES }, (_, i) => f(i));

describe('alignToWeek', () => {
  it('keeps the most recent 10 080 minutes of a longer series', () => {
    const series = Array.from({ length: PAT_SEQUENCE_MINUTES + 100 }, (_, i) => i);
    const a = alignToWeek(series);
    expect(a.truncated).toBe(100);
    expect(a.padded).toBe(0);
    expect(a.values[0]).toBe(100);
    expect(a.values[PAT_SEQUENCE_MINUTES - 1]).toBe(PAT_SEQUENCE_MINUTES + 99);
    expect(a.missingFraction).toBe(0);
  });

  it('left-pads a shorter series with missing minutes so it ends at the last value', () => {
    const a = alignToWeek(Array.from({ length: 2000 }, () => 5));
    expect(a.padded).toBe(PAT_SEQUENCE_MINUTES - 2000);
    expect(Number.isNaN(a.values[0]!)).toBe(true);
    expect(a.values[PAT_SEQUENCE_MINUTES - 1]).toBe(5);
    expect(a.observed).toBe(2000);
    expect(a.missingFraction).toBeCloseTo(1 - 2000 / PAT_SEQUENCE_MINUTES, 12);
  });

  it('treats null and NaN as missing and rejects an almost empty week', () => {
    const a = alignToWeek(week((i) => (i % 2 === 0 ? null : i % 3 === 0 ? Number.NaN : 1)));
    expect(a.observed).toBe(3360);
    expect(() => alignToWeek(Array.from({ length: 1000 }, () => 1))).toThrow(ClarityError);
    expect(() =>
      alignToWeek(
        Array.from({ length: 1000 }, () => 1),
        { minObservedMinutes: 500 },
      ),
    ).not.toThrow();
  });
});

describe('sequenceIssues', () => {
  const bounds = { minutes: PAT_SEQUENCE_MINUTES, min: 0, max: 32_767 };
  it('accepts a full week with nulls', () => {
    expect(
      sequenceIssues(
        week((i) => (i % 7 === 0 ? null : i % 300)),
        bounds,
      ),
    ).toEqual([]);
  });
  it('names wrong length, non-numbers and out-of-range values by index', () => {
    expect(sequenceIssues([1, 2, 3], bounds)[0]?.message).toMatch(/exactly 10080 .* got 3/);
    const bad = week(() => 1) as unknown[];
    bad[5] = -1;
    bad[9] = 'x';
    bad[11] = 40_000;
    const issues = sequenceIssues(bad, bounds, ['sequences', 0, 'values']);
    expect(issues.map((i) => i.path)).toEqual([
      ['sequences', 0, 'values', 5],
      ['sequences', 0, 'values', 9],
      ['sequences', 0, 'values', 11],
    ]);
    expect(issues[0]?.message).toMatch(/out of range/);
  });
});

describe('normaliseInto', () => {
  it('per-sequence: zero mean, unit population std over observed minutes, missing → 0', () => {
    const values = week((i) => (i % 10 === 0 ? null : i % 2));
    const out = new Float32Array(PAT_SEQUENCE_MINUTES);
    const missing = normaliseInto(values, { kind: 'per-sequence', minStd: 1e-6 }, out);
    expect(missing).toBe(1008);
    expect(out[0]).toBe(0);
    let sum = 0;
    let ss = 0;
    let n = 0;
    for (let i = 0; i < out.length; i++) {
      if (values[i] === null) continue;
      sum += out[i]!;
      ss += out[i]! ** 2;
      n++;
    }
    expect(sum / n).toBeCloseTo(0, 5);
    expect(ss / n).toBeCloseTo(1, 5);
  });
  it('per-minute-of-week: uses column statistics; a flat week is only centred', () => {
    const mean = Array.from({ length: PAT_SEQUENCE_MINUTES }, (_, i) => i % 100);
    const std = Array.from({ length: PAT_SEQUENCE_MINUTES }, (_, i) => (i === 3 ? 0 : 2));
    const out = new Float32Array(PAT_SEQUENCE_MINUTES * 2);
    normaliseInto(
      week(() => 10),
      { kind: 'per-minute-of-week', mean, std },
      out,
      PAT_SEQUENCE_MINUTES,
    );
    expect(out[PAT_SEQUENCE_MINUTES + 0]).toBe(5);
    expect(out[PAT_SEQUENCE_MINUTES + 3]).toBe(7);
    expect(out[0]).toBe(0);
    const flat = new Float32Array(PAT_SEQUENCE_MINUTES);
    normaliseInto(
      week(() => 4),
      { kind: 'per-sequence', minStd: 1e-6 },
      flat,
    );
    expect(flat.every((v) => v === 0)).toBe(true);
  });
});

describe('PAT constants and contracts', () => {
  it('has the published sizes and the concat[sin, cos] table', () => {
    expect(patArchitecture('s')).toMatchObject({ patchSize: 18, layers: 1, heads: 6, tokens: 560 });
    expect(patArchitecture('m')).toMatchObject({ patchSize: 18, layers: 2, heads: 12, tokens: 560 });
    expect(patArchitecture('l')).toMatchObject({ patchSize: 9, layers: 4, heads: 12, tokens: 1120 });
    const table = patPositionalTable(3, 96);
    expect(table[0]).toBe(0); // sin(0) first half
    expect(table[48]).toBe(1); // cos(0) second half
    expect(table[96]).toBeCloseTo(Math.sin(1), 6); // position 1, i = 0
    expect(table[96 + 48]).toBeCloseTo(Math.cos(1), 6);
    expect(table[96 + 47]).toBeCloseTo(Math.sin(Math.exp((94 * -Math.log(10000)) / 96)), 6);
  });
  it('validates manifests and requests', () => {
    expect(embedRequestSchema.safeParse({ sequences: [] }).success).toBe(false);
    expect(embedRequestSchema.parse({ sequences: [{ values: [1, null] }] }).includeTokens).toBe(false);
    const bad = modelManifestSchema.safeParse({ schemaVersion: 1, name: 'Bad Name' });
    expect(bad.success).toBe(false);
  });
});

describe('head contract', () => {
  it('requires a validated head to name its validation', async () => {
    const { headSchema } = await import('../../src/model/contracts.ts');
    const base = {
      task: 'depression',
      label: 'PHQ-9 >= 10',
      file: 'h.onnx',
      sha256: 'a'.repeat(64),
      calibration: { method: 'none' },
    };
    expect(headSchema.safeParse({ ...base, validated: true }).success).toBe(false);
    expect(
      headSchema.safeParse({ ...base, validated: true, validation: 'external cohort, AUC 0.7' }).success,
    ).toBe(true);
    expect(headSchema.safeParse({ ...base, validated: false }).success).toBe(true);
  });
});
