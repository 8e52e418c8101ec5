import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { normaliseInto, patArchitecture } from '@clarity/core';
import { writeKerasH5, readKerasH5 } from '../../tools/keras-h5.ts';
import { seededPatWeights } from '../../tools/keras-layout.ts';
import { buildPatOnnx, inferArchitecture } from '../../tools/pat-graph.ts';
import { ModelProto } from '../../tools/onnx-proto.ts';
import { convertH5 } from '../../tools/convert.ts';
import { syntheticWeek } from '../../tools/synthetic.ts';
import { verify } from '../../tools/verify.ts';
import { tempDir } from '../support/cache.ts';
import { checkParity, maxAbsDiff } from '../support/parity.ts';

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

/** Operator types of an encoded model, with their domains. */
function opTypes(bytes: Uint8Array): Set<string> {
  const m = ModelProto.decode(bytes) as unknown as {
    graph: { node: { op_type: string; domain?: string }[] };
  };
  return new Set(m.graph.node.map((n) => (n.domain ? `${n.domain}.${n.op_type}` : n.op_type)));
}

describe('fused and standard graphs (pat-graph.ts)', () => {
  const arch = patArchitecture('s');
  const weights = seededPatWeights(arch, 5);

  it('the default graph uses the fused com.microsoft kernels and no activation transposes', () => {
    const fused = opTypes(buildPatOnnx(weights, arch));
    expect(fused).toContain('com.microsoft.Attention');
    expect(fused).toContain('com.microsoft.SkipLayerNormalization');
    expect(fused).not.toContain('Transpose');
    expect(fused).not.toContain('Softmax');
    const standard = opTypes(buildPatOnnx(weights, arch, {}, { precision: 'fp32', fused: false }));
    expect([...standard].filter((o) => o.startsWith('com.microsoft'))).toEqual([]);
    expect(standard).toContain('Softmax');
    const int8 = opTypes(buildPatOnnx(weights, arch, {}, { precision: 'int8' }));
    expect(int8).toContain('com.microsoft.QAttention');
    expect(int8).toContain('com.microsoft.DynamicQuantizeMatMul');
    expect(int8).not.toContain('MatMul');
  });

  it('fused and standard compute the same function (batch 2, within 1e-5)', { timeout: 60_000 }, async () => {
    const input = new Float32Array(2 * 10_080);
    for (let b = 0; b < 2; b++)
      normaliseInto(syntheticWeek(70 + b, 97), { kind: 'per-sequence', minStd: 1e-6 }, input, b * 10_080);
    const run = async (bytes: Uint8Array): Promise<Float32Array> => {
      const session = await ort.InferenceSession.create(bytes);
      const out = await session.run({ input: new ort.Tensor('float32', input, [2, 10_080]) });
      await session.release();
      return out.tokens!.data as Float32Array;
    };
    const fused = await run(buildPatOnnx(weights, arch));
    const standard = await run(buildPatOnnx(weights, arch, {}, { precision: 'fp32', fused: false }));
    expect(maxAbsDiff(fused, standard)).toBeLessThanOrEqual(1e-5);
    expect(maxAbsDiff(fused.subarray(0, 96), fused.subarray(560 * 96, 561 * 96))).toBeGreaterThan(1e-3);
  });

  it(
    'int8 with the attention products quantised too: integer Q·Kᵀ and softmax·V, embeddings agree (cosine ≥ 0.999)',
    { timeout: 60_000 },
    async () => {
      const bytes = buildPatOnnx(weights, arch, {}, { precision: 'int8', fused: false, attention: true });
      const ops = opTypes(bytes);
      expect(ops).toContain('com.microsoft.MatMulIntegerToFloat');
      expect(ops).toContain('MatMulInteger');
      expect(ops).not.toContain('MatMul');
      const input = new Float32Array(2 * 10_080);
      for (let b = 0; b < 2; b++)
        normaliseInto(
          syntheticWeek(80 + b, 0, 60),
          { kind: 'per-sequence', minStd: 1e-6 },
          input,
          b * 10_080,
        );
      const embed = async (model: Uint8Array): Promise<Float32Array> => {
        const session = await ort.InferenceSession.create(model);
        const out = await session.run({ input: new ort.Tensor('float32', input, [2, 10_080]) });
        await session.release();
        return out.embedding!.data as Float32Array;
      };
      const [a, b] = [await embed(buildPatOnnx(weights, arch)), await embed(bytes)];
      for (let k = 0; k < 2; k++) {
        const x = a.subarray(k * 96, (k + 1) * 96);
        const y = b.subarray(k * 96, (k + 1) * 96);
        const dot = x.reduce((s, v, i) => s + v * y[i]!, 0);
        const cos = dot / Math.sqrt(x.reduce((s, v) => s + v * v, 0) * y.reduce((s, v) => s + v * v, 0));
        expect(cos).toBeGreaterThanOrEqual(0.999);
        expect(cos).toBeLessThan(1);
      }
    },
  );

  it('refuses int8 attention products in the fused graph (no fused kernel quantises them)', () => {
    expect(() => buildPatOnnx(weights, arch, {}, { precision: 'int8', attention: true })).toThrow(
      /fused: false/,
    );
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
