/**
 * PAT (Pretrained Actigraphy Transformer, Ruan et al. 2024, CC BY 4.0) architecture constants. The three
 * published sizes differ only in patch size, depth and head count; every head is 96 wide (Keras
 * MultiHeadAttention with key_dim = embed_dim), so attention width grows with the head count.
 */
export const PAT_SEQUENCE_MINUTES = 10_080;
export const PAT_EMBED_DIM = 96;
export const PAT_FF_DIM = 256;
export const PAT_HEAD_DIM = 96;
export const PAT_LAYER_NORM_EPS = 1e-6;

export type PatSize = 's' | 'm' | 'l';

export interface PatArchitecture {
  size: PatSize;
  patchSize: number;
  layers: number;
  heads: number;
  embedDim: number;
  ffDim: number;
  headDim: number;
  /** Tokens per sequence: 10 080 / patchSize. */
  tokens: number;
}

const table: Record<PatSize, { patchSize: number; layers: number; heads: number }> = {
  s: { patchSize: 18, layers: 1, heads: 6 },
  m: { patchSize: 18, layers: 2, heads: 12 },
  l: { patchSize: 9, layers: 4, heads: 12 },
};

export const PAT_SIZES: readonly PatSize[] = ['s', 'm', 'l'];

export function patArchitecture(size: PatSize): PatArchitecture {
  const t = table[size];
  return {
    size,
    ...t,
    embedDim: PAT_EMBED_DIM,
    ffDim: PAT_FF_DIM,
    headDim: PAT_HEAD_DIM,
    tokens: PAT_SEQUENCE_MINUTES / t.patchSize,
  };
}

/** The size whose (patch, layers, heads) match, or undefined: used by the converter to name what it read. */
export function patSizeOf(patchSize: number, layers: number, heads: number): PatSize | undefined {
  return PAT_SIZES.find(
    (s) => table[s].patchSize === patchSize && table[s].layers === layers && table[s].heads === heads,
  );
}

/**
 * Fixed positional table as the PAT code builds it: div = exp(2i * -ln(10000) / d) for i < d/2, row p =
 * concat[sin(p * div), cos(p * div)] (not interleaved). TensorFlow evaluates the angles in float32, and at
 * token 1 000 a float64 angle already differs from TF's by ~1e-4, so the angles are rounded the same way
 * (Math.fround at each float32 step) to stay close to the Keras model the weights were trained with.
 */
export function patPositionalTable(tokens: number, embedDim: number = PAT_EMBED_DIM): Float64Array {
  const half = embedDim / 2;
  const out = new Float64Array(tokens * embedDim);
  const scale = Math.fround(Math.fround(-Math.log(10000)) / embedDim);
  const div = Array.from({ length: half }, (_, i) => Math.fround(Math.exp(Math.fround(2 * i * scale))));
  for (let p = 0; p < tokens; p++) {
    for (let i = 0; i < half; i++) {
      const angle = Math.fround(p * (div[i] ?? 0));
      out[p * embedDim + i] = Math.fround(Math.sin(angle));
      out[p * embedDim + half + i] = Math.fround(Math.cos(angle));
    }
  }
  return out;
}
