/**
 * The encoder session runs in a worker thread. onnxruntime-node executes `session.run` synchronously on the
 * calling thread, so on the main thread every batch froze the event loop: requests arriving meanwhile were not
 * even parsed, the next batch started with whatever 1-3 requests had been read, and batches stayed small
 * (measured: 3.5 sequences per batch with 8 closed-loop clients). In a worker, the main thread keeps reading,
 * validating and queueing while a batch runs, so the next batch is full when the current one ends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import type { PatSize } from '@clarity/core';
import { openSession, type ProviderChoice } from './session.ts';

export interface EncoderWorkerData {
  bytes: Uint8Array;
  size: PatSize;
  threads: number;
  provider: ProviderChoice;
  inputName: string;
  embeddingName: string;
  tokensName: string;
  minutes: number;
}

export interface RunRequest {
  id: number;
  input: Float32Array;
  batch: number;
  wantTokens: boolean;
}

export type WorkerMessage =
  | { type: 'ready'; provider: 'cpu' | 'cuda' }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; embedding: Float32Array; tokens?: Float32Array }
  | { type: 'error'; id: number; message: string };

const data = workerData as EncoderWorkerData;
const port = parentPort!;

try {
  const { session, provider } = await openSession(data.bytes, data.size, data.threads, data.provider);
  port.on('message', (req: RunRequest) => {
    const feeds = { [data.inputName]: new ort.Tensor('float32', req.input, [req.batch, data.minutes]) };
    session.run(feeds, req.wantTokens ? [data.embeddingName, data.tokensName] : [data.embeddingName]).then(
      (out) => {
        const embedding = Float32Array.from(out[data.embeddingName]?.data as Float32Array);
        const tokens = req.wantTokens
          ? Float32Array.from(out[data.tokensName]?.data as Float32Array)
          : undefined;
        const msg: WorkerMessage = { type: 'result', id: req.id, embedding, tokens };
        port.postMessage(msg, tokens ? [embedding.buffer, tokens.buffer] : [embedding.buffer]);
      },
      (e: unknown) =>
        port.postMessage({
          type: 'error',
          id: req.id,
          message: e instanceof Error ? e.message : String(e),
        } satisfies WorkerMessage),
    );
  });
  port.postMessage({ type: 'ready', provider } satisfies WorkerMessage);
} catch (e) {
  port.postMessage({
    type: 'failed',
    message: e instanceof Error ? e.message : String(e),
  } satisfies WorkerMessage);
}
