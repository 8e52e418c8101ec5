import { describe, it } from 'vitest';
import { tempDir } from '../support/cache.ts';
import { checkParity } from '../support/parity.ts';

describe('PAT converter parity with the float64 reference', () => {
  // The float64 reference costs ~20 s of CPU for one PAT-L sequence (4 layers of 12 x 1120 x 1120 attention).
  it('PAT-L: onnxruntime output within 1e-5 of the reference (batch 1)', { timeout: 180_000 }, async () => {
    await checkParity('l', 1, tempDir('converter-l'));
  });
});
