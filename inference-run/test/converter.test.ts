import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { normaliseInto, patArchitecture, type PatSize } from '@clarity/core';
import { convertH5, sha256Hex } from '../tools/convert.ts';
import { writeKerasH5, readKerasH5 } from '../tools/keras-h5.ts';
import { seededPatWeights } from '../tools/keras-layout.ts';
import { inferArchitecture } from '../tools/pat-graph.ts';
import { syntheticWeek } from '../tools/synthetic.ts';
import { tempDir } from './support/cache.ts';
import { referenceForward } from './support/pat-reference.ts';

const dir = tempDir('converter');

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] ?? NaN) - (b[i] ?? NaN)));
  return m;
}

describe('PAT converter parity with the float64 reference', () => {
  // The float64 reference for PAT-L costs seconds per sequence, so L checks one sequence, S and M two.
  const cases: [PatSize, number][] = [
    ['s', 2],
    ['m', 1],
    ['l', 1],
  ];
  for (const [size, batch] of cases) {
    it(
      `PAT-${size.toUpperCase()}: onnxruntime output within 1e-5 of the reference (batch ${batch})`,
      { timeout: 120_000 },
      async () => {
        const arch = patArchitecture(size);
        const weights = seededPatWeights(arch, 40 + batch + size.charCodeAt(0));
        const h5 = join(dir, `pat-${size}.h5`);
        await writeKerasH5(h5, weights);
        const out = join(dir, `pat-${size}`);
        const manifest = await convertH5(h5, out, { trained: false });
        expect(manifest.architecture).toMatchObject({
          size,
          patchSize: arch.patchSize,
          layers: arch.layers,
          heads: arch.heads,
        });
        const onnx = await readFile(join(out, 'model.onnx'));
        expect(manifest.sha256).toBe(sha256Hex(onnx));

        const input = new Float32Array(batch * 10_080);
        for (let b = 0; b < batch; b++)
          normaliseInto(
            syntheticWeek(500 + b, 97),
            { kind: 'per-sequence', minStd: 1e-6 },
            input,
            b * 10_080,
          );
        const session = await ort.InferenceSession.create(join(out, 'model.onnx'));
        const result = await session.run({ input: new ort.Tensor('float32', input, [batch, 10_080]) });
        const embedding = result.embedding!.data as Float32Array;
        const tokens = result.tokens!.data as Float32Array;
        expect(result.embedding!.dims).toEqual([batch, 96]);
        expect(result.tokens!.dims).toEqual([batch, arch.tokens, 96]);

        let embDiff = 0;
        let tokDiff = 0;
        for (let b = 0; b < batch; b++) {
          const ref = referenceForward(weights, arch, input.subarray(b * 10_080, (b + 1) * 10_080));
          embDiff = Math.max(embDiff, maxAbsDiff(embedding.subarray(b * 96, (b + 1) * 96), ref.embedding));
          tokDiff = Math.max(
            tokDiff,
            maxAbsDiff(tokens.subarray(b * arch.tokens * 96, (b + 1) * arch.tokens * 96), ref.tokens),
          );
        }
        console.log(
          `parity PAT-${size.toUpperCase()}: max |embedding diff| ${embDiff.toExponential(2)}, max |token diff| ${tokDiff.toExponential(2)}`,
        );
        expect(embDiff).toBeLessThanOrEqual(1e-5);
        expect(tokDiff).toBeLessThanOrEqual(1e-5);
        // The check can fail: outputs are not constant across sequences.
        if (batch > 1)
          expect(maxAbsDiff(embedding.subarray(0, 96), embedding.subarray(96, 192))).toBeGreaterThan(1e-3);
      },
    );
  }
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
