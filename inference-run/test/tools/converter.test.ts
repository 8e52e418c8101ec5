import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { patArchitecture } from '@clarity/core';
import { writeKerasH5, readKerasH5 } from '../../tools/keras-h5.ts';
import { seededPatWeights } from '../../tools/keras-layout.ts';
import { inferArchitecture } from '../../tools/pat-graph.ts';
import { convertH5 } from '../../tools/convert.ts';
import { verify } from '../../tools/verify.ts';
import { tempDir } from '../support/cache.ts';
import { checkParity } from '../support/parity.ts';

const dir = tempDir('converter');

describe('PAT converter parity with the float64 reference', () => {
  // PAT-L's check lives in converter-l.test.ts so that its slow float64 reference runs in parallel.
  it('PAT-S: onnxruntime output within 1e-5 of the reference (batch 2)', { timeout: 120_000 }, async () => {
    await checkParity('s', 2, dir);
  });
  it('PAT-M: onnxruntime output within 1e-5 of the reference (batch 1)', { timeout: 120_000 }, async () => {
    await checkParity('m', 1, dir);
  });
});

describe('operator verification (tools/verify.ts)', () => {
  it(
    'passes for a faithful conversion and fails when the h5 differs from what was converted',
    { timeout: 120_000 },
    async () => {
      const arch = patArchitecture('s');
      const weights = seededPatWeights(arch, 21);
      const h5 = join(dir, 'verify-s.h5');
      await writeKerasH5(h5, weights);
      const model = join(dir, 'verify-s');
      await convertH5(h5, model, { trained: false });
      const good = await verify(h5, model);
      expect(good.ok).toBe(true);
      expect(good.tokenMaxDiff).toBeLessThanOrEqual(1e-5);
      const ff2 = weights.get('encoder_layer_1_transformer/encoder_layer_1_ff2/bias:0')!;
      ff2.data[3] = (ff2.data[3] ?? 0) + 0.01;
      const altered = join(dir, 'verify-s-altered.h5');
      await writeKerasH5(altered, weights);
      const bad = await verify(altered, model);
      expect(bad.ok).toBe(false);
      expect(bad.tokenMaxDiff).toBeGreaterThan(1e-3);
    },
  );
});

describe('weight layout checks', () => {
  it('reads back every tensor of the Keras layout with its shape', async () => {
    const arch = patArchitecture('m');
    const weights = seededPatWeights(arch, 7);
    const h5 = join(dir, 'layout-m.h5');
    await writeKerasH5(h5, weights);
    const read = await readKerasH5(h5);
    expect([...read.keys()].sort()).toEqual([...weights.keys()].sort());
    expect(read.get('encoder_layer_2_transformer/encoder_layer_2_attention/query/kernel:0')?.shape).toEqual([
      96, 12, 96,
    ]);
    expect(
      read.get('encoder_layer_1_transformer/encoder_layer_1_attention/attention_output/kernel:0')?.shape,
    ).toEqual([12, 96, 96]);
    expect(read.get('dense/dense/kernel:0')?.shape).toEqual([18, 96]);
    expect(inferArchitecture(read)).toMatchObject({ size: 'm', known: true, tokens: 560 });
  });

  it('reads a full-model save (weights under model_weights/) the same way', async () => {
    const arch = patArchitecture('s');
    const weights = seededPatWeights(arch, 8);
    const prefixed = new Map([...weights].map(([k, v]) => [`model_weights/${k}`, v]));
    const h5 = join(dir, 'full-model-s.h5');
    await writeKerasH5(h5, prefixed);
    const read = await readKerasH5(h5);
    expect([...read.keys()].sort()).toEqual([...weights.keys()].sort());
    expect(inferArchitecture(read)).toMatchObject({ size: 's', known: true });
  });

  it('refuses a file with a missing tensor or a wrong shape, naming it', () => {
    const arch = patArchitecture('s');
    const missing = seededPatWeights(arch, 3);
    missing.delete('encoder_layer_1_transformer/encoder_layer_1_ff2/bias:0');
    expect(() => inferArchitecture(missing)).toThrow(/encoder_layer_1_ff2\/bias:0 is missing/);
    const wrong = seededPatWeights(arch, 3);
    wrong.set('encoder_layer_1_transformer/encoder_layer_1_norm1/gamma:0', {
      shape: [95],
      data: new Float32Array(95),
    });
    expect(() => inferArchitecture(wrong)).toThrow(/norm1\/gamma:0 has shape \[95\]/);
  });

  it('identifies S and L by their shapes', () => {
    expect(inferArchitecture(seededPatWeights(patArchitecture('s'), 1))).toMatchObject({
      size: 's',
      heads: 6,
      layers: 1,
      patchSize: 18,
    });
    expect(inferArchitecture(seededPatWeights(patArchitecture('l'), 1))).toMatchObject({
      size: 'l',
      heads: 12,
      layers: 4,
      patchSize: 9,
      tokens: 1120,
    });
  });
});
