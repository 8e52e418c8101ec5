import { describe, expect, it } from 'vitest';
import { jobDocSchema } from '@clarity/core';
import { jobIdFor, newJobDoc, uploadJobId } from '../../src/pipeline/jobs.ts';
import { insightResponseJsonSchema } from '../../src/llm/prompt.ts';

describe('job ids', () => {
  it('are deterministic per natural key and path-safe', () => {
    expect(jobIdFor('u1', 'api', 'k')).toBe(jobIdFor('u1', 'api', 'k'));
    expect(jobIdFor('u1', 'api', 'k')).not.toBe(jobIdFor('u2', 'api', 'k'));
    expect(jobIdFor('u1', 'api', 'k')).toMatch(/^api-[0-9a-f]{20}$/);
  });

  it('debounce uploads finishing in the same window into one job', () => {
    const t = Date.parse('2026-11-25T10:01:00Z');
    expect(uploadJobId('u', t, 10)).toBe(uploadJobId('u', t + 8 * 60_000, 10));
    expect(uploadJobId('u', t, 10)).not.toBe(uploadJobId('u', t + 10 * 60_000, 10));
  });

  it('start with every stage pending (the shape the app listens to)', () => {
    const doc = newJobDoc({
      uid: 'u',
      window: { start: '2026-11-18', end: '2026-11-24' },
      requestedBy: 'u',
      correlationId: 'c',
      reason: 'api',
    });
    expect(jobDocSchema.safeParse(doc).success).toBe(true);
    expect(Object.values(doc.stages).map((s) => s.status)).toEqual([
      'pending',
      'pending',
      'pending',
      'pending',
    ]);
  });
});

describe('insight response schema', () => {
  it('is the JSON schema of the zod insight output', () => {
    expect(insightResponseJsonSchema).toMatchObject({
      type: 'object',
      required: ['narrative', 'keyInsights', 'recommendations', 'confidence'],
      properties: { confidence: { enum: ['low', 'medium', 'high'] } },
    });
    expect(insightResponseJsonSchema).not.toHaveProperty('$schema');
  });
});
