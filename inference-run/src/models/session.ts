/**
 * onnxruntime-node session options, chosen on purpose:
 * - graph optimisation `all` (constant folding, MatMul+Add and LayerNorm fusions, layout transforms);
 * - intra-op threads = the CPU quota of the container (cgroup cpu.max, else the visible cores), inter-op 1
 *   and sequential execution: the graph is one chain, and batches already run one at a time per model, so a
 *   second thread pool would only compete for the same cores;
 * - intra-op threads do not spin-wait between runs (allow_spinning 0): spinning would burn the cores the
 *   event loop needs to parse and answer HTTP between batches (measured: several-fold lower server throughput);
 * - memory arena: on for S/M (buffers are reused across runs, steady RSS); off for PAT-L, whose [B, 12, 1120,
 *   1120] attention scores (60 MB per sequence) would otherwise stay reserved at the largest batch's peak;
 * - execution provider: CUDA when requested or when a GPU device is visible and the CUDA provider loads,
 *   otherwise CPU. Which one is used is reported by /readyz.
 */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import ort from 'onnxruntime-node';
import type { PatSize } from '@clarity/core';

export type ProviderChoice = 'auto' | 'cpu' | 'cuda';

/** CPUs granted to this container: cgroup v2 cpu.max quota/period rounded up, capped by the visible cores. */
export function cpuQuota(): number {
  const cores = availableParallelism();
  try {
    const [quota, period] = readFileSync('/sys/fs/cgroup/cpu.max', 'utf8').trim().split(/\s+/);
    if (quota && quota !== 'max' && period)
      return Math.max(1, Math.min(cores, Math.ceil(Number(quota) / Number(period))));
  } catch {
    // No cgroup v2 limit visible: use the cores.
  }
  return cores;
}

export function sessionOptions(
  size: PatSize,
  threads: number,
  provider: 'cpu' | 'cuda',
): ort.InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    enableCpuMemArena: size !== 'l',
    enableMemPattern: true,
    executionProviders: provider === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
    logSeverityLevel: 3,
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}

export interface OpenedSession {
  session: ort.InferenceSession;
  provider: 'cpu' | 'cuda';
}

export async function openSession(
  bytes: Uint8Array,
  size: PatSize,
  threads: number,
  choice: ProviderChoice,
): Promise<OpenedSession> {
  const tryCuda = choice === 'cuda' || (choice === 'auto' && existsSync('/dev/nvidiactl'));
  if (tryCuda) {
    try {
      return {
        session: await ort.InferenceSession.create(bytes, sessionOptions(size, threads, 'cuda')),
        provider: 'cuda',
      };
    } catch (e) {
      if (choice === 'cuda') throw e;
    }
  }
  return {
    session: await ort.InferenceSession.create(bytes, sessionOptions(size, threads, 'cpu')),
    provider: 'cpu',
  };
}
