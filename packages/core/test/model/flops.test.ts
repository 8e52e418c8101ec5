import { describe, expect, it } from 'vitest';
import { patArchitecture, patWork } from '../../src/model/index.ts';

describe('patWork: multiply-adds per sequence from the architecture', () => {
  it('counts PAT-M as in the inference issue: QKV 186 M, scores and A.V 2 x 361 M, output 62 M, FF 28 M per layer', () => {
    const w = patWork(patArchitecture('m'));
    expect(w.perLayer).toEqual({
      qkv: 560 * 96 * 3 * 1152, // 185 794 560
      scores: 12 * 560 * 560 * 96, // 361 267 200
      attentionValues: 12 * 560 * 560 * 96,
      output: 560 * 1152 * 96, // 61 931 520
      feedForward: 560 * 96 * 256 * 2, // 27 525 120
    });
    expect(w.patchEmbedding).toBe(560 * 18 * 96);
    expect(w.flops / 1e9).toBeCloseTo(3.993, 3);
  });

  it('scales with depth, heads and the square of the token count', () => {
    const s = patWork(patArchitecture('s'));
    const l = patWork(patArchitecture('l'));
    // S: one layer of six heads; L: four layers, twelve heads, twice the tokens (patch 9).
    expect(s.perLayer.scores).toBe(6 * 560 * 560 * 96);
    expect(l.perLayer.scores).toBe(12 * 1120 * 1120 * 96);
    expect(l.multiplyAdds).toBe(1120 * 9 * 96 + 4 * Object.values(l.perLayer).reduce((a, b) => a + b, 0));
    expect(s.flops).toBe(2 * s.multiplyAdds);
  });
});
