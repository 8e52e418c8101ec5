/**
 * The Keras weight layout of the published PAT encoders (PAT-{S,M,L}_29k_weights.h5), as the PAT code names
 * its layers: the patch projection is the Dense layer `dense`; encoder block i (1-based) is the functional
 * sub-model `encoder_layer_{i}_transformer` holding `encoder_layer_{i}_attention` (Keras MultiHeadAttention
 * with key_dim = 96: query/key/value kernels (96, H, 96), biases (H, 96), attention_output kernel (H, 96, 96),
 * bias (96)), `encoder_layer_{i}_norm1`/`_norm2` (LayerNormalization gamma/beta) and `encoder_layer_{i}_ff1`
 * (96→256, ReLU) / `_ff2` (256→96). In an h5 weights file each tensor is the dataset
 * `<layer>/<weight name>`, e.g. `dense/dense/kernel:0`.
 */
import { PAT_EMBED_DIM, PAT_FF_DIM, PAT_HEAD_DIM, seededRandom, type PatArchitecture } from '@clarity/core';

export interface WeightTensor {
  shape: number[];
  data: Float32Array;
}
export type PatWeights = Map<string, WeightTensor>;

export interface WeightSpec {
  /** Path of the dataset in the h5 file: top-level layer group, then the Keras weight name. */
  path: string;
  shape: number[];
  kind: 'kernel' | 'bias' | 'gamma' | 'beta';
}

export const PATCH_KERNEL = 'dense/dense/kernel:0';
export const PATCH_BIAS = 'dense/dense/bias:0';

export function layerPrefix(layer: number): string {
  return `encoder_layer_${layer}_transformer/encoder_layer_${layer}_`;
}

/** Every tensor of a PAT encoder, in file order. */
export function patWeightSpecs(arch: Pick<PatArchitecture, 'patchSize' | 'layers' | 'heads'>): WeightSpec[] {
  const d = PAT_EMBED_DIM;
  const h = arch.heads;
  const hd = PAT_HEAD_DIM;
  const specs: WeightSpec[] = [
    { path: PATCH_KERNEL, shape: [arch.patchSize, d], kind: 'kernel' },
    { path: PATCH_BIAS, shape: [d], kind: 'bias' },
  ];
  for (let l = 1; l <= arch.layers; l++) {
    const p = layerPrefix(l);
    for (const proj of ['query', 'key', 'value']) {
      specs.push({ path: `${p}attention/${proj}/kernel:0`, shape: [d, h, hd], kind: 'kernel' });
      specs.push({ path: `${p}attention/${proj}/bias:0`, shape: [h, hd], kind: 'bias' });
    }
    specs.push({ path: `${p}attention/attention_output/kernel:0`, shape: [h, hd, d], kind: 'kernel' });
    specs.push({ path: `${p}attention/attention_output/bias:0`, shape: [d], kind: 'bias' });
    specs.push({ path: `${p}norm1/gamma:0`, shape: [d], kind: 'gamma' });
    specs.push({ path: `${p}norm1/beta:0`, shape: [d], kind: 'beta' });
    specs.push({ path: `${p}ff1/kernel:0`, shape: [d, PAT_FF_DIM], kind: 'kernel' });
    specs.push({ path: `${p}ff1/bias:0`, shape: [PAT_FF_DIM], kind: 'bias' });
    specs.push({ path: `${p}ff2/kernel:0`, shape: [PAT_FF_DIM, d], kind: 'kernel' });
    specs.push({ path: `${p}ff2/bias:0`, shape: [d], kind: 'bias' });
    specs.push({ path: `${p}norm2/gamma:0`, shape: [d], kind: 'gamma' });
    specs.push({ path: `${p}norm2/beta:0`, shape: [d], kind: 'beta' });
  }
  return specs;
}

/**
 * Seeded weights of the exact layout: Glorot-uniform kernels, small biases, LayerNorm gammas near 1, so
 * activations stay in the range a trained model has (a parity test on saturated softmaxes would prove less).
 */
export function seededPatWeights(
  arch: Pick<PatArchitecture, 'patchSize' | 'layers' | 'heads'>,
  seed: number,
): PatWeights {
  const rand = seededRandom(seed);
  const weights: PatWeights = new Map();
  for (const spec of patWeightSpecs(arch)) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (spec.kind === 'kernel') {
      const fanIn =
        spec.shape.length === 3 && spec.path.includes('attention_output')
          ? spec.shape[0]! * spec.shape[1]!
          : spec.shape[0]!;
      const fanOut = n / spec.shape[0]!;
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < n; i++) data[i] = (rand() * 2 - 1) * limit;
    } else if (spec.kind === 'gamma') {
      for (let i = 0; i < n; i++) data[i] = 1 + (rand() * 2 - 1) * 0.1;
    } else {
      for (let i = 0; i < n; i++) data[i] = (rand() * 2 - 1) * 0.05;
    }
    weights.set(spec.path, { shape: spec.shape, data });
  }
  return weights;
}
