/**
 * Work per PAT sequence, counted from the architecture (patArchitecture): the multiply-adds of every dense
 * product in the encoder. The benchmark divides achieved throughput by the machine's measured GEMM rate with
 * these counts, so they must match the graph inference-run builds (inference-run/tools/pat-graph.ts):
 *   patch embedding   tokens x patch x embed                (once)
 *   per layer:
 *     Q, K, V         tokens x embed x (3 x heads x headDim)
 *     scores Q.K^T    heads x tokens^2 x headDim
 *     A.V             heads x tokens^2 x headDim
 *     output          tokens x (heads x headDim) x embed
 *     feed-forward    tokens x embed x ff x 2               (up and down)
 * Softmax, layer norms, biases and activations are elementwise (O(tokens^2 x heads) at most, no
 * multiply-adds in this count); the benchmark's onnxruntime profile reports their share of the time.
 */
import type { PatArchitecture } from './pat.ts';

export interface PatWork {
  /** Multiply-adds per layer, by product. */
  perLayer: { qkv: number; scores: number; attentionValues: number; output: number; feedForward: number };
  patchEmbedding: number;
  /** All multiply-adds of one sequence. */
  multiplyAdds: number;
  /** 2 x multiplyAdds: the usual FLOP count of dense products. */
  flops: number;
}

export function patWork(arch: PatArchitecture): PatWork {
  const { tokens, patchSize, embedDim, heads, headDim, ffDim, layers } = arch;
  const width = heads * headDim;
  const perLayer = {
    qkv: tokens * embedDim * 3 * width,
    scores: heads * tokens * tokens * headDim,
    attentionValues: heads * tokens * tokens * headDim,
    output: tokens * width * embedDim,
    feedForward: tokens * embedDim * ffDim * 2,
  };
  const layer = Object.values(perLayer).reduce((a, b) => a + b, 0);
  const patchEmbedding = tokens * patchSize * embedDim;
  const multiplyAdds = patchEmbedding + layers * layer;
  return { perLayer, patchEmbedding, multiplyAdds, flops: 2 * multiplyAdds };
}
