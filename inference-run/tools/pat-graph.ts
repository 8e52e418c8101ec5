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
 * Precision of the converted graph. `int8`: dynamic quantisation with standard operators. Every weight
 * MatMul becomes DynamicQuantizeLinear(activation) → MatMulInteger(uint8 activation, int8 weight quantised
 * per output channel, symmetric, scale = max|w| / 127) → Cast → Mul(activation scale × channel scales)
 * (the pattern onnxruntime fuses into DynamicQuantizeMatMul); with `attention` also the two activation ×
 * activation products (Q·Kᵀ and softmax·V), both sides quantised at run time (per tensor, uint8).
 * Activation scales are per tensor, so over a whole batch: a sequence's int8 output can move slightly with
 * the other sequences in its batch.
 */
export interface Quantisation {
  precision: 'fp32' | 'int8';
  attention?: boolean;
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

export function buildPatOnnx(
  weights: PatWeights,
  arch: PatArchitecture,
  meta: Record<string, string> = {},
  quant: Quantisation = { precision: 'fp32' },
): Uint8Array {
  const g = new GraphBuilder();
  const int8 = quant.precision === 'int8';
  /** x [.., k] × constant W [k, n]. */
  const dense = (xIn: string, name: string, dims: [number, number], data: ArrayLike<number>): string => {
    if (!int8) return g.op('MatMul', [xIn, g.floatConst(name, dims, data)]);
    const { q, scales } = quantisePerColumn(data, dims[0], dims[1]);
    const [xq, xs, xz] = g.opOutputs('DynamicQuantizeLinear', [xIn], 3) as [string, string, string];
    const mm = g.op('MatMulInteger', [xq, g.int8Const(`${name}_q`, dims, q), xz]);
    const scale = g.op('Mul', [xs, g.floatConst(`${name}_scale`, [dims[1]], scales)]);
    return g.op('Mul', [g.op('Cast', [mm], { to: 1 }), scale]);
  };
  /** Activation × activation (attention products). */
  const product = (a: string, b: string): string => {
    if (!int8 || !quant.attention) return g.op('MatMul', [a, b]);
    const [aq, as, az] = g.opOutputs('DynamicQuantizeLinear', [a], 3) as [string, string, string];
    const [bq, bs, bz] = g.opOutputs('DynamicQuantizeLinear', [b], 3) as [string, string, string];
    const mm = g.op('MatMulInteger', [aq, bq, az, bz]);
    return g.op('Mul', [g.op('Cast', [mm], { to: 1 }), g.op('Mul', [as, bs])]);
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

  const headsShape = g.int64Const('heads_shape', [0, 0, h, PAT_HEAD_DIM]);
  const mergeShape = g.int64Const('merge_shape', [0, 0, hw]);
  const scale = 1 / Math.sqrt(PAT_HEAD_DIM);

  for (let l = 1; l <= arch.layers; l++) {
    const pre = layerPrefix(l);
    const w = (name: string): WeightTensor => tensor(weights, `${pre}${name}`);
    const project = (proj: 'query' | 'key' | 'value', factor: number, perm: number[]): string => {
      const k = Float32Array.from(w(`attention/${proj}/kernel:0`).data, (v) => v * factor);
      const b = Float32Array.from(w(`attention/${proj}/bias:0`).data, (v) => v * factor);
      const y = g.op('Add', [
        dense(x, `l${l}_${proj}_kernel`, [d, hw], k),
        g.floatConst(`l${l}_${proj}_bias`, [hw], b),
      ]);
      return g.op('Transpose', [g.op('Reshape', [y, headsShape])], { perm });
    };
    const q = project('query', scale, [0, 2, 1, 3]); // [B, H, T, 96]
    const k = project('key', 1, [0, 2, 3, 1]); // [B, H, 96, T]
    const v = project('value', 1, [0, 2, 1, 3]); // [B, H, T, 96]
    const probs = g.op('Softmax', [product(q, k)], { axis: -1 });
    const ctx = g.op('Reshape', [g.op('Transpose', [product(probs, v)], { perm: [0, 2, 1, 3] }), mergeShape]);
    const attn = g.op('Add', [
      dense(ctx, `l${l}_attention_output_kernel`, [hw, d], w('attention/attention_output/kernel:0').data),
      g.floatConst(`l${l}_attention_output_bias`, [d], w('attention/attention_output/bias:0').data),
    ]);
    const norm = (n: 1 | 2, sum: string, outName?: string): string =>
      g.op(
        'LayerNormalization',
        [
          sum,
          g.floatConst(`l${l}_norm${n}_gamma`, [d], w(`norm${n}/gamma:0`).data),
          g.floatConst(`l${l}_norm${n}_beta`, [d], w(`norm${n}/beta:0`).data),
        ],
        { axis: -1, epsilon: { float: PAT_LAYER_NORM_EPS } },
        outName,
      );
    const x1 = norm(1, g.op('Add', [x, attn]));
    const ff1 = g.op('Relu', [
      g.op('Add', [
        dense(x1, `l${l}_ff1_kernel`, [d, PAT_FF_DIM], w('ff1/kernel:0').data),
        g.floatConst(`l${l}_ff1_bias`, [PAT_FF_DIM], w('ff1/bias:0').data),
      ]),
    ]);
    const ff2 = g.op('Add', [
      dense(ff1, `l${l}_ff2_kernel`, [PAT_FF_DIM, d], w('ff2/kernel:0').data),
      g.floatConst(`l${l}_ff2_bias`, [d], w('ff2/bias:0').data),
    ]);
    x = norm(2, g.op('Add', [x1, ff2]), l === arch.layers ? TOKENS_NAME : undefined);
  }
  g.op('ReduceMean', [x], { axes: [1], keepdims: 0 }, EMBEDDING_NAME);
  g.output(EMBEDDING_NAME, ['batch', d]);
  g.output(TOKENS_NAME, ['batch', t, d]);
  return g.encode(
    `pat_${arch.size}`,
    { 'pat.patch_size': String(p), 'pat.layers': String(arch.layers), 'pat.heads': String(h), ...meta },
    'PAT encoder (Ruan et al. 2024, CC BY 4.0) converted from Keras weights',
  );
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
