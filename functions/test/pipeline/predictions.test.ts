/** Which stored head outputs an insight may state: validated heads only, as estimates of their outcome. */
import { describe, expect, it } from 'vitest';
import type { AnalysisDoc } from '@clarity/core';
import { insightPredictions } from '../../src/pipeline/insight.ts';

const metrics = { auroc: 0.99, balancedAccuracy: 0.95, brier: 0.03, ece: 0.04 };

describe('insightPredictions', () => {
  it('keeps validated heads (binary: the positive class; multinomial: the top class) and drops the rest', () => {
    const inference: AnalysisDoc['inference'] = {
      status: 'done',
      predictions: [
        {
          task: 'late-sleeper',
          label: 'Late',
          validated: true,
          probability: 0.9,
          confidence: 0.9,
          spread: 0.01,
          positive: 'late',
          metrics,
        },
        { task: 'demo', label: 'Demo', validated: false, probability: 0.7, confidence: 0.7, spread: 0 },
        {
          task: 'chronotype',
          label: 'Type',
          validated: true,
          probability: 0.6,
          confidence: 0.6,
          spread: 0,
          predicted: 'evening',
        },
      ],
    };
    expect(insightPredictions(inference)).toEqual([
      { task: 'late-sleeper', label: 'Late', probability: 0.9, spread: 0.01, outcome: 'late', auroc: 0.99 },
      { task: 'chronotype', label: 'Type', probability: 0.6, spread: 0, outcome: 'evening' },
    ]);
    expect(insightPredictions({ status: 'done' })).toEqual([]);
  });
});
