/**
 * PAT encoder as an ONNX graph (opset 17), built from Keras weights of the layout in keras-layout.ts.
 *
 *   input [batch, 10080] → Reshape [batch, T, P] → MatMul patch kernel + (bias + positional table)
 *   → L × post-norm block: x1 = LN(x + MHA(x)); x2 = LN(x1 + FF2(ReLU(FF1(x1)))), LayerNorm eps 1e-6
 *   → tokens [batch, T, 96]; embedding = mean over T [batch, 96]
 *
 * MHA is Keras MultiHeadAttention(num_heads = H, key_dim = 96): per-head projections 96 → 96, scaled dot
 * product with 1/sqrt(96) (folded into the query kernel and bias, which is the same function), softmax over
 * keys, output projection H*96 → 96. Dropout is the identity at inference.
 */
import {
  PAT_EMBED_DIM,
  PAT_FF_DIM,
  PAT_HEAD_DIM,
  PAT_LAYER_NORM_EPS,
  PAT_SEQUENCE_MINUTES,
  patPositionalTable,
  patSizeOf,
  type PatArchitecture,
  patArchitecture,
} from '@clarity/core';
import { GraphBuilder } from './onnx-builder.ts';
import {
  layerPrefix,
  PATCH_BIAS,
  PATCH_KERNEL,
  patWeightSpecs,
  type PatWeights,
  type WeightTensor,
} from './keras-layout.ts';

export const INPUT_NAME = 'input';
export const EMBEDDING_NAME = 'embedding';
export const TOKENS_NAME = 'tokens';

function tensor(weights: PatWeights, path: string): WeightTensor {
  const t = weights.get(path);
  if (!t) throw new Error(`weight ${path} is missing from the h5 file`);
  return t;
}

/**
 * Reads patch size, depth and head count off the tensor shapes and checks every tensor of that layout is
 * present with the right shape. Sizes other than S/M/L are accepted when consistent (size is then undefined).
 */
export function inferArchitecture(weights: PatWeights): PatArchitecture & { known: boolean } {
  const kernel = tensor(weights, PATCH_KERNEL);
  const patchSize = kernel.shape[0] ?? 0;
  if (kernel.shape.length !== 2 || kernel.shape[1] !== PAT_EMBED_DIM)
    throw new Error(`${PATCH_KERNEL} has shape [${kernel.shape.join(', ')}], expected [P, 96]`);
  if (patchSize <= 0 || PAT_SEQUENCE_MINUTES % patchSize !== 0)
    throw new Error(`patch size ${patchSize} does not divide ${PAT_SEQUENCE_MINUTES}`);
  let layers = 0;
  for (const path of weights.keys()) {
    const m = /^encoder_layer_(\d+)_transformer\//.exec(path);
    if (m) layers = Math.max(layers, Number(m[1]));
  }
  if (layers === 0) throw new Error('no encoder_layer_<i>_transformer weights found');
  const query = tensor(weights, `${layerPrefix(1)}attention/query/kernel:0`);
  const heads = query.shape[1] ?? 0;
  for (const spec of patWeightSpecs({ patchSize, layers, heads })) {
    const t = tensor(weights, spec.path);
    if (t.shape.join(',') !== spec.shape.join(','))
      throw new Error(`${spec.path} has shape [${t.shape.join(', ')}], expected [${spec.shape.join(', ')}]`);
  }
  const size = patSizeOf(patchSize, layers, heads);
  if (size) return { ...patArchitecture(size), known: true };
  return {
    size: 's',
    patchSize,
    layers,
    heads,
    embedDim: PAT_EMBED_DIM,
    ffDim: PAT_FF_DIM,
    headDim: PAT_HEAD_DIM,
    tokens: PAT_SEQUENCE_MINUTES / patchSize,
    known: false,
  };
}

/**
 * How the converted graph is built.
 *
 * `fused` (the default): onnxruntime's `com.microsoft` CPU kernels where they exist. One `Attention` node per
 * layer does the Q/K/V projections (weights pre-packed once, per head), Q·Kᵀ·(1/√96), softmax and ·V per
 * (sequence, head) on the intra-op pool, and writes the heads already merged [B, T, H·96], so the graph has no
 * Transpose/Reshape of activations and no separate bias Adds; `SkipLayerNormalization` does residual + bias +
 * LayerNorm in one pass. `fused: false` writes the same function with standard ONNX operators only (the
 * portable form, and the reference the fused graph is compared with).
 *
 * `precision: int8`: dynamic quantisation. Every weight product takes its activation quantised at run time
 * (uint8, per tensor) and int8 weights per output channel (symmetric, scale = max|w| / 127): fused, the
 * Q/K/V projection is a `QAttention` node and the other products `DynamicQuantizeMatMul`; unfused,
 * DynamicQuantizeLinear → MatMulInteger → Cast → Mul. With `attention` (unfused only) the two
 * activation × activation products are integer too: Q per row and Kᵀ per key (int8, symmetric), softmax in
 * fp32, its output per row (uint8, the row's maximum ↦ 255) and V per channel, so the integer products are
 * u8×s8 (the VNNI/AMX kernels) and every scale is local to a row or a column of one head.
 * Activation scales of weight products are per tensor, so over a whole batch: a sequence's int8 output can
 * move slightly with the other sequences in its batch.
 */
export interface Quantisation {
  precision: 'fp32' | 'int8';
  attention?: boolean;
  fused?: boolean;
}

/** Symmetric per-column int8 quantisation of a row-major [k × n] matrix. */
export function quantisePerColumn(
  data: ArrayLike<number>,
  k: number,
  n: number,
): { q: Int8Array; scales: Float32Array } {
  const scales = new Float32Array(n);
  for (let r = 0; r < k; r++)
    for (let c = 0; c < n; c++) scales[c] = Math.max(scales[c] ?? 0, Math.abs(data[r * n + c] ?? 0));
  for (let c = 0; c < n; c++) scales[c] = (scales[c] ?? 0) > 0 ? (scales[c] ?? 0) / 127 : 1;
  const q = new Int8Array(k * n);
  for (let r = 0; r < k; r++)
    for (let c = 0; c < n; c++)
      q[r * n + c] = Math.max(-127, Math.min(127, Math.round((data[r * n + c] ?? 0) / (scales[c] ?? 1))));
  return { q, scales };
}

const MS = 'com.microsoft';

/** Row-major [k × n1], [k × n2], … → [k × (n1 + n2 + …)]. */
function concatColumns(k: number, parts: { n: number; data: ArrayLike<number> }[]): Float32Array {
  const width = parts.reduce((a, p) => a + p.n, 0);
  const out = new Float32Array(k * width);
  let offset = 0;
  for (const p of parts) {
    for (let r = 0; r < k; r++)
      for (let c = 0; c < p.n; c++) out[r * width + offset + c] = p.data[r * p.n + c] ?? 0;
    offset += p.n;
  }
  return out;
}

export function buildPatOnnx(
  weights: PatWeights,
  arch: PatArchitecture,
  meta: Record<string, string> = {},
  quant: Quantisation = { precision: 'fp32' },
): Uint8Array {
  const g = new GraphBuilder();
  const int8 = quant.precision === 'int8';
  const fused = quant.fused ?? true;
  if (fused && int8 && quant.attention)
    throw new Error('int8 attention products are built with standard operators: pass fused: false');
  /** x [.., k] × constant W [k, n] (+ bias when given). */
  const dense: Dense = (xIn, name, dims, data, bias) => {
    const b = bias ? g.floatConst(`${name}_bias`, [dims[1]], bias) : undefined;
    if (!int8) {
      const mm = g.op('MatMul', [xIn, g.floatConst(name, dims, data)]);
      return b ? g.op('Add', [mm, b]) : mm;
    }
    const { q, scales } = quantisePerColumn(data, dims[0], dims[1]);
    const wq = g.int8Const(`${name}_q`, dims, q);
    const ws = g.floatConst(`${name}_scale`, [dims[1]], scales);
    if (fused)
      return g.op('DynamicQuantizeMatMul', b ? [xIn, wq, ws, '', b] : [xIn, wq, ws], {}, undefined, MS);
    const [xq, xs, xz] = g.opOutputs('DynamicQuantizeLinear', [xIn], 3) as [string, string, string];
    const mm = g.op('MatMulInteger', [xq, wq, xz]);
    const y = g.op('Mul', [g.op('Cast', [mm], { to: 1 }), g.op('Mul', [xs, ws])]);
    return b ? g.op('Add', [y, b]) : y;
  };
  const d = PAT_EMBED_DIM;
  const { tokens: t, patchSize: p, heads: h } = arch;
  const hw = h * PAT_HEAD_DIM;
  const input = g.input(INPUT_NAME, ['batch', PAT_SEQUENCE_MINUTES]);

  const patches = g.op('Reshape', [input, g.int64Const('patch_shape', [0, t, p])]);
  let x = dense(patches, 'patch_kernel', [p, d], tensor(weights, PATCH_KERNEL).data);
  // The patch bias and the fixed positional table are both added to every sequence: one constant [T, 96].
  const bias = tensor(weights, PATCH_BIAS).data;
  const pos = patPositionalTable(t, d);
  for (let i = 0; i < pos.length; i++) pos[i] = (pos[i] ?? 0) + (bias[i % d] ?? 0);
  x = g.op('Add', [x, g.floatConst('patch_bias_plus_position', [t, d], pos)]);

  const attention = fused ? fusedAttention : standardAttention;
  for (let l = 1; l <= arch.layers; l++) {
    const pre = layerPrefix(l);
    const w = (name: string): WeightTensor => tensor(weights, `${pre}${name}`);
    const ctx = attention(g, w, l, x, { h, hw, int8, attentionProducts: quant.attention ?? false, t, dense });
    const attnOut = w('attention/attention_output/kernel:0').data;
    const attnBias = w('attention/attention_output/bias:0').data;
    const norm = (
      n: 1 | 2,
      y: string,
      residual: string,
      yBias: ArrayLike<number>,
      outName?: string,
    ): string => {
      const gamma = g.floatConst(`l${l}_norm${n}_gamma`, [d], w(`norm${n}/gamma:0`).data);
      const beta = g.floatConst(`l${l}_norm${n}_beta`, [d], w(`norm${n}/beta:0`).data);
      const eps = { epsilon: { float: PAT_LAYER_NORM_EPS } };
      if (fused) {
        const b = g.floatConst(`l${l}_norm${n}_input_bias`, [d], yBias);
        return g.op('SkipLayerNormalization', [y, residual, gamma, beta, b], eps, outName, MS);
      }
      const sum = g.op('Add', [
        residual,
        g.op('Add', [y, g.floatConst(`l${l}_norm${n}_input_bias`, [d], yBias)]),
      ]);
      return g.op('LayerNormalization', [sum, gamma, beta], { axis: -1, ...eps }, outName);
    };
    const x1 = norm(1, dense(ctx, `l${l}_attention_output_kernel`, [hw, d], attnOut), x, attnBias);
    const ff1 = g.op('Relu', [
      dense(x1, `l${l}_ff1_kernel`, [d, PAT_FF_DIM], w('ff1/kernel:0').data, w('ff1/bias:0').data),
    ]);
    const ff2 = dense(ff1, `l${l}_ff2_kernel`, [PAT_FF_DIM, d], w('ff2/kernel:0').data);
    x = norm(2, ff2, x1, w('ff2/bias:0').data, l === arch.layers ? TOKENS_NAME : undefined);
  }
  g.op('ReduceMean', [x], { axes: [1], keepdims: 0 }, EMBEDDING_NAME);
  g.output(EMBEDDING_NAME, ['batch', d]);
  g.output(TOKENS_NAME, ['batch', t, d]);
  return g.encode(
    `pat_${arch.size}`,
    {
      'pat.patch_size': String(p),
      'pat.layers': String(arch.layers),
      'pat.heads': String(h),
      'pat.graph': fused ? 'fused' : 'standard',
      ...meta,
    },
    'PAT encoder (Ruan et al. 2024, CC BY 4.0) converted from Keras weights',
  );
}

interface AttentionShape {
  h: number;
  hw: number;
  t: number;
  int8: boolean;
  attentionProducts: boolean;
  dense: Dense;
}
type Dense = (
  x: string,
  name: string,
  dims: [number, number],
  data: ArrayLike<number>,
  bias?: ArrayLike<number>,
) => string;
type LayerWeight = (name: string) => WeightTensor;

/**
 * Keras MultiHeadAttention(H, key_dim 96) of x [B, T, 96] up to the merged heads [B, T, H·96] (before the
 * output projection), as one com.microsoft Attention (fp32) or QAttention (int8) node. Both scale Q·Kᵀ by
 * 1/√head_size = 1/√96 themselves.
 */
function fusedAttention(g: GraphBuilder, w: LayerWeight, l: number, x: string, s: AttentionShape): string {
  const d = PAT_EMBED_DIM;
  const parts = (['query', 'key', 'value'] as const).map((proj) => ({
    kernel: w(`attention/${proj}/kernel:0`).data,
    bias: w(`attention/${proj}/bias:0`).data,
  }));
  const kernel = concatColumns(
    d,
    parts.map((q) => ({ n: s.hw, data: q.kernel })),
  );
  const bias = g.floatConst(
    `l${l}_qkv_bias`,
    [3 * s.hw],
    concatColumns(
      1,
      parts.map((q) => ({ n: s.hw, data: q.bias })),
    ),
  );
  if (!s.int8)
    return g.op(
      'Attention',
      [x, g.floatConst(`l${l}_qkv_kernel`, [d, 3 * s.hw], kernel), bias],
      { num_heads: s.h },
      undefined,
      MS,
    );
  const { q, scales } = quantisePerColumn(kernel, d, 3 * s.hw);
  const [xq, xs, xz] = g.opOutputs('DynamicQuantizeLinear', [x], 3) as [string, string, string];
  return g.op(
    'QAttention',
    [
      xq,
      g.int8Const(`l${l}_qkv_kernel_q`, [d, 3 * s.hw], q),
      bias,
      xs,
      g.floatConst(`l${l}_qkv_kernel_scale`, [3 * s.hw], scales),
      '',
      xz,
    ],
    { num_heads: s.h },
    undefined,
    MS,
  );
}

/** The same function with standard ONNX operators; with int8 attention products, see `Quantisation`. */
function standardAttention(g: GraphBuilder, w: LayerWeight, l: number, x: string, s: AttentionShape): string {
  const d = PAT_EMBED_DIM;
  const scale = 1 / Math.sqrt(PAT_HEAD_DIM);
  const headsShape = g.int64Const(`l${l}_heads_shape`, [0, 0, s.h, PAT_HEAD_DIM]);
  const project = (proj: 'query' | 'key' | 'value', factor: number, perm: number[]): string => {
    const k = Float32Array.from(w(`attention/${proj}/kernel:0`).data, (v) => v * factor);
    const b = Float32Array.from(w(`attention/${proj}/bias:0`).data, (v) => v * factor);
    const y = s.dense(x, `l${l}_${proj}_kernel`, [d, s.hw], k, b);
    return g.op('Transpose', [g.op('Reshape', [y, headsShape])], { perm });
  };
  const q = project('query', scale, [0, 2, 1, 3]); // [B, H, T, 96]
  const k = project('key', 1, [0, 2, 3, 1]); // [B, H, 96, T]
  const v = project('value', 1, [0, 2, 1, 3]); // [B, H, T, 96]
  let ctx: string;
  if (!s.attentionProducts) {
    const probs = g.op('Softmax', [g.op('MatMul', [q, k])], { axis: -1 });
    ctx = g.op('MatMul', [probs, v]);
  } else {
    // Q·Kᵀ: Q uint8 and Kᵀ int8, one scale each over the batch, so the product and its scaling are one
    // MatMulIntegerToFloat that writes the float scores directly (no pass over the [B, H, T, T] scores).
    const [qq, qs, qz] = g.opOutputs('DynamicQuantizeLinear', [q], 3) as [string, string, string];
    const [kq, ks] = symmetricQuantise(g, k, null, 'int8');
    const scores = g.op('MatMulIntegerToFloat', [qq, kq, qs, ks, qz], {}, undefined, MS);
    const probs = g.op('Softmax', [scores], { axis: -1 });
    // Softmax rows are ≥ 0: uint8 with zero point 0 and each row's maximum ↦ 255 (a per-axis scale over the
    // rows seen as [B·H·T, T]: one QuantizeLinear pass).
    const rows = g.op('Reshape', [probs, g.int64Const(`l${l}_rows`, [-1, s.t])]);
    const ps = g.op('Div', [
      g.op('ReduceMax', [rows], { axes: [1], keepdims: 0 }),
      g.scalar(`l${l}_255`, 255, 'float'),
    ]);
    const pq = g.op('Reshape', [
      g.op('QuantizeLinear', [rows, ps], { axis: 0 }),
      g.int64Const(`l${l}_probs_shape`, [-1, s.h, s.t, s.t]),
    ]);
    const [vq, vs] = symmetricQuantise(g, v, -2, 'int8');
    const rowScale = g.op('Reshape', [ps, g.int64Const(`l${l}_row_scale`, [-1, s.h, s.t, 1])]);
    ctx = g.op('Mul', [
      g.op('Cast', [g.op('MatMulInteger', [pq, vq])], { to: 1 }),
      g.op('Mul', [rowScale, vs]),
    ]);
  }
  const merge = g.int64Const(`l${l}_merge_shape`, [0, 0, s.hw]);
  return g.op('Reshape', [g.op('Transpose', [ctx], { perm: [0, 2, 1, 3] }), merge]);
}
/** A linear task head: embedding [batch, 96] → logit [batch, 1]. */
export function buildLinearHeadOnnx(kernel: ArrayLike<number>, bias: number): Uint8Array {
  return buildHeadOnnx([{ w: kernel, b: [bias], inDim: PAT_EMBED_DIM, outDim: 1, relu: false }]);
}

/** One dense layer of a head: w [inDim × outDim] row-major, b [outDim], optionally followed by ReLU. */
export interface DenseLayer {
  w: ArrayLike<number>;
  b: ArrayLike<number>;
  inDim: number;
  outDim: number;
  relu: boolean;
}

/** A head graph `embedding` [batch, 96] → dense layers → `logit` [batch, outDim of the last layer]. */
export function buildHeadOnnx(layers: DenseLayer[], doc = ''): Uint8Array {
  const g = new GraphBuilder();
  let x = g.input(EMBEDDING_NAME, ['batch', PAT_EMBED_DIM]);
  layers.forEach((l, i) => {
    const last = i === layers.length - 1;
    const mm = g.op('MatMul', [x, g.floatConst(`head_w${i}`, [l.inDim, l.outDim], l.w)]);
    const add = g.op(
      'Add',
      [mm, g.floatConst(`head_b${i}`, [l.outDim], l.b)],
      {},
      last ? 'logit' : undefined,
    );
    x = l.relu ? g.op('Relu', [add]) : add;
  });
  g.output('logit', ['batch', layers.at(-1)?.outDim ?? 1]);
  return g.encode('pat_head', {}, doc);
}

/**
 * Symmetric quantisation of an activation with one scale per slice along `axis` reduced (max|x| / 127):
 * uint8 with zero point 128 or int8 with zero point 0. Returns the quantised tensor and its scales (keepdims).
 */
function symmetricQuantise(
  g: GraphBuilder,
  x: string,
  axis: number | null,
  type: 'uint8' | 'int8',
): [string, string] {
  const id = g.fresh('sq');
  const max = g.op('Max', [
    g.op('ReduceMax', [g.op('Abs', [x])], axis === null ? { keepdims: 0 } : { axes: [axis], keepdims: 1 }),
    g.scalar(`${id}_tiny`, 1e-30, 'float'),
  ]);
  const scale = g.op('Div', [max, g.scalar(`${id}_127`, 127, 'float')]);
  const q = g.op('QuantizeLinear', [
    g.op('Div', [x, scale]),
    g.scalar(`${id}_one`, 1, 'float'),
    g.scalar(`${id}_zero`, type === 'uint8' ? 128 : 0, type),
  ]);
  return [q, scale];
}
