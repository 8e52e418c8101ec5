/**
 * Prompt-template experiments (llm/experiments.ts): the split of 2 000 simulated users, stable assignment,
 * the declarations, the arm's effect on generation and the cache key, and the z-test against SciPy.
 */
import { describe, expect, it } from 'vitest';
import {
  assignVariant,
  experimentProblems,
  experiments,
  insightTemplateExperiment,
  twoProportionPValue,
  type Experiment,
} from '../../src/llm/experiments.ts';
import { inputHash, systemInstruction } from '../../src/llm/prompt.ts';

const users = Array.from({ length: 2000 }, (_, i) => `sim-user-${i}`);

function split(e: Experiment): Map<string, number> {
  const counts = new Map<string, number>(e.variants.map((v) => [v.name, 0]));
  for (const uid of users) {
    const v = assignVariant(uid, e).name;
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return counts;
}

describe('prompt-template experiments', () => {
  it('every declared experiment is well formed, and the rules generator is one of its arms', () => {
    for (const e of experiments) expect(experimentProblems(e), e.name).toEqual([]);
    expect(insightTemplateExperiment.variants.some((v) => v.arm.kind === 'rules')).toBe(true);
    const bad: Experiment = {
      name: 'x',
      control: 'c',
      variants: [
        { name: 'a', weight: 0.7, arm: { kind: 'rules' } },
        { name: 'a', weight: 0.7, arm: { kind: 'rules' } },
      ],
    };
    expect(experimentProblems(bad)).toHaveLength(3);
  });

  it('splits 2 000 simulated users within ±3 % of the declared weights', () => {
    const threeWay: Experiment = {
      name: 'three-way',
      control: 'a',
      variants: [
        { name: 'a', weight: 0.2, arm: { kind: 'rules' } },
        { name: 'b', weight: 0.3, arm: { kind: 'llm', template: 'insight-v1' } },
        { name: 'c', weight: 0.5, arm: { kind: 'llm', template: 'insight-v2-action' } },
      ],
    };
    for (const e of [insightTemplateExperiment, threeWay]) {
      const counts = split(e);
      for (const v of e.variants) {
        const share = (counts.get(v.name) ?? 0) / users.length;
        expect(Math.abs(share - v.weight), `${e.name}/${v.name}: ${share}`).toBeLessThanOrEqual(0.03);
      }
    }
  });

  it('gives the same user the same variant every time, and independently per experiment', () => {
    const again = users.map((u) => assignVariant(u, insightTemplateExperiment).name);
    expect(users.map((u) => assignVariant(u, insightTemplateExperiment).name)).toEqual(again);
    const renamed = { ...insightTemplateExperiment, name: 'insight-template-2' };
    const other = users.map((u) => assignVariant(u, renamed).name);
    const same = other.filter((v, i) => v === again[i]).length / users.length;
    // Independent arms agree about as often as chance (0.5² + 0.25² + 0.25² = 0.375), not always.
    expect(same).toBeGreaterThan(0.32);
    expect(same).toBeLessThan(0.43);
  });

  it('records the arm in the template and the cache key: two variants never share a cached answer', () => {
    const ctx = {
      locale: 'en' as const,
      window: { start: '2026-01-01', end: '2026-01-07' },
      metrics: {},
      coverage: {},
      previous: [],
      earlierInsightTitles: [],
      userPreferences: null,
      embeddingComputed: false,
    } as unknown as Parameters<typeof inputHash>[0];
    const v1 = inputHash(ctx, 'm', 'insight-v1', 'llm-v1');
    expect(inputHash(ctx, 'm', 'insight-v1', 'llm-v1')).toBe(v1);
    expect(inputHash(ctx, 'm', 'insight-v1', 'other-arm')).not.toBe(v1);
    expect(inputHash(ctx, 'm', 'insight-v2-action', 'llm-v1')).not.toBe(v1);
    expect(systemInstruction('en', 'insight-v2-action')).toContain('one most useful');
    expect(systemInstruction('en', 'insight-v1')).not.toContain('one most useful');
  });

  it('two-proportion p-values equal SciPy chi2_contingency(correction=False)', () => {
    // Computed independently with SciPy 1.17.1:
    //   scipy.stats.chi2_contingency([[x1, n1-x1], [x2, n2-x2]], correction=False).pvalue
    const cases: [number, number, number, number, number][] = [
      [45, 100, 30, 100, 0.028459736916310638],
      [1, 3, 2, 3, 0.4142161782425251],
      [22, 30, 12, 30, 0.009180710329776815],
    ];
    for (const [x1, n1, x2, n2, p] of cases) {
      expect(twoProportionPValue(x1, n1, x2, n2)).toBeCloseTo(p, 9);
    }
    expect(twoProportionPValue(0, 0, 1, 2)).toBeNull();
    expect(twoProportionPValue(5, 5, 3, 3)).toBeNull();
  });
});
