/**
 * Independent float64 forward pass of the PAT encoder, written from the Keras layer semantics (not from the
 * ONNX graph): Dense patch projection, concat[sin, cos] positions, and per block Keras MultiHeadAttention
 * (per-head 96-wide projections, query scaled by 1/sqrt(96) after projection, softmax over keys),
 * residual + LayerNormalization(eps 1e-6), Dense 256 ReLU, Dense 96, residual + LayerNormalization.
 * Reads the Keras-shaped tensors directly ((96, H, 96) query kernels etc.).
 */
import {
  PAT_EMBED_DIM,
  PAT_FF_DIM,
  PAT_HEAD_DIM,
  PAT_LAYER_NORM_EPS,
  patPositionalTable,
  type PatArchitecture,
} from '@clarity/core';
import type { PatWeights } from './keras-layout.ts';

function get(weights: PatWeights, path: string): Float64Array {
  const t = weights.get(path);
  if (!t) throw new Error(`missing ${path}`);
  return Float64Array.from(t.data);
}

function layerNorm(
  a: Float64Array,
  rows: number,
  d: number,
  gamma: Float64Array,
  beta: Float64Array,
): Float64Array {
  const out = new Float64Array(a.length);
  for (let r = 0; r < rows; r++) {
    let mean = 0;
    for (let j = 0; j < d; j++) mean += a[r * d + j]!;
    mean /= d;
    let v = 0;
    for (let j = 0; j < d; j++) v += (a[r * d + j]! - mean) ** 2;
    const inv = 1 / Math.sqrt(v / d + PAT_LAYER_NORM_EPS);
    for (let j = 0; j < d; j++) out[r * d + j] = (a[r * d + j]! - mean) * inv * gamma[j]! + beta[j]!;
  }
  return out;
}

/** x [rows, n] · W [n, m] + b. */
function dense(
  x: Float64Array,
  rows: number,
  n: number,
  w: Float64Array,
  m: number,
  b: Float64Array,
): Float64Array {
  const out = new Float64Array(rows * m);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < m; j++) out[r * m + j] = b[j]!;
    for (let k = 0; k < n; k++) {
      const xv = x[r * n + k]!;
      const wo = k * m;
      const oo = r * m;
      for (let j = 0; j < m; j++) out[oo + j]! += xv * w[wo + j]!;
    }
  }
  return out;
}

export function referenceForward(
  weights: PatWeights,
  arch: PatArchitecture,
  sequence: ArrayLike<number>,
): { embedding: Float64Array; tokens: Float64Array } {
  const d = PAT_EMBED_DIM;
  const hd = PAT_HEAD_DIM;
  const { tokens: t, patchSize: p, heads: h } = arch;
  const patches = Float64Array.from(sequence);
  let x = dense(patches, t, p, get(weights, 'dense/dense/kernel:0'), d, get(weights, 'dense/dense/bias:0'));
  const pos = patPositionalTable(t, d);
  for (let i = 0; i < x.length; i++) x[i]! += pos[i]!;

  for (let l = 1; l <= arch.layers; l++) {
    const pre = `encoder_layer_${l}_transformer/encoder_layer_${l}_`;
    // Kernel (96, H, 96) flattened row-major is a [96, H*96] matrix; bias (H, 96) is [H*96].
    const proj = (name: string): Float64Array =>
      dense(
        x,
        t,
        d,
        get(weights, `${pre}attention/${name}/kernel:0`),
        h * hd,
        get(weights, `${pre}attention/${name}/bias:0`),
      );
    const q = proj('query');
    const k = proj('key');
    const v = proj('value');
    const scale = 1 / Math.sqrt(hd);
    for (let i = 0; i < q.length; i++) q[i]! *= scale;
    const ctx = new Float64Array(t * h * hd); // [T, H, 96]
    // Per-head contiguous copies keep the O(T^2) loops on unit stride.
    const qh = new Float64Array(t * hd);
    const kh = new Float64Array(t * hd);
    const vh = new Float64Array(t * hd);
    const oh = new Float64Array(hd);
    const row = new Float64Array(t);
    for (let head = 0; head < h; head++) {
      for (let i = 0; i < t; i++) {
        for (let c = 0; c < hd; c++) {
          const src = i * h * hd + head * hd + c;
          qh[i * hd + c] = q[src]!;
          kh[i * hd + c] = k[src]!;
          vh[i * hd + c] = v[src]!;
        }
      }
      for (let i = 0; i < t; i++) {
        const qo = i * hd;
        let max = -Infinity;
        for (let j = 0; j < t; j++) {
          const ko = j * hd;
          let s0 = 0;
          let s1 = 0;
          let s2 = 0;
          let s3 = 0;
          for (let c = 0; c < hd; c += 4) {
            s0 += qh[qo + c]! * kh[ko + c]!;
            s1 += qh[qo + c + 1]! * kh[ko + c + 1]!;
            s2 += qh[qo + c + 2]! * kh[ko + c + 2]!;
            s3 += qh[qo + c + 3]! * kh[ko + c + 3]!;
          }
          const s = s0 + s1 + s2 + s3;
          row[j] = s;
          if (s > max) max = s;
        }
        let sum = 0;
        for (let j = 0; j < t; j++) {
          const e = Math.exp(row[j]! - max);
          row[j] = e;
          sum += e;
        }
        oh.fill(0);
        for (let j = 0; j < t; j++) {
          const pj = row[j]! / sum;
          const vo = j * hd;
          for (let c = 0; c < hd; c++) oh[c]! += pj * vh[vo + c]!;
        }
        const co = i * h * hd + head * hd;
        for (let c = 0; c < hd; c++) ctx[co + c] = oh[c]!;
      }
    }
    // attention_output kernel (H, 96, 96) flattened is [H*96, 96].
    const attn = dense(
      ctx,
      t,
      h * hd,
      get(weights, `${pre}attention/attention_output/kernel:0`),
      d,
      get(weights, `${pre}attention/attention_output/bias:0`),
    );
    for (let i = 0; i < attn.length; i++) attn[i]! += x[i]!;
    const x1 = layerNorm(attn, t, d, get(weights, `${pre}norm1/gamma:0`), get(weights, `${pre}norm1/beta:0`));
    const ff1 = dense(
      x1,
      t,
      d,
      get(weights, `${pre}ff1/kernel:0`),
      PAT_FF_DIM,
      get(weights, `${pre}ff1/bias:0`),
    );
    for (let i = 0; i < ff1.length; i++) if (ff1[i]! < 0) ff1[i] = 0;
    const ff2 = dense(
      ff1,
      t,
      PAT_FF_DIM,
      get(weights, `${pre}ff2/kernel:0`),
      d,
      get(weights, `${pre}ff2/bias:0`),
    );
    for (let i = 0; i < ff2.length; i++) ff2[i]! += x1[i]!;
    x = layerNorm(ff2, t, d, get(weights, `${pre}norm2/gamma:0`), get(weights, `${pre}norm2/beta:0`));
  }
  const embedding = new Float64Array(d);
  for (let i = 0; i < t; i++) for (let j = 0; j < d; j++) embedding[j]! += x[i * d + j]! / t;
  return { embedding, tokens: x };
}
