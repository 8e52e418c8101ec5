/** Main-thread handle on an encoder worker (see encoder-worker.ts): one batch at a time, promises by id. */
import { Worker } from 'node:worker_threads';
import { ClarityError } from '@clarity/core';
import type { EncoderWorkerData, RunRequest, WorkerMessage } from './encoder-worker.ts';

export interface EncoderResult {
  embedding: Float32Array;
  tokens?: Float32Array;
}

export class Encoder {
  readonly provider: 'cpu' | 'cuda';
  private readonly worker: Worker;
  private readonly pending = new Map<
    number,
    { resolve: (r: EncoderResult) => void; reject: (e: Error) => void }
  >();
  private nextId = 0;
  private stopped: Error | undefined;

  private constructor(worker: Worker, provider: 'cpu' | 'cuda') {
    this.worker = worker;
    this.provider = provider;
    worker.on('message', (msg: WorkerMessage) => {
      if (msg.type !== 'result' && msg.type !== 'error') return;
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (msg.type === 'result') p?.resolve({ embedding: msg.embedding, tokens: msg.tokens });
      else p?.reject(new Error(msg.message));
    });
    worker.on('error', (e) => this.fail(e));
    // A worker that exits (crash, out of memory, terminate) answers nothing more: fail fast, not by timeout.
    worker.on('exit', (code) => this.fail(new Error(`encoder worker exited with code ${code}`)));
  }

  static async open(data: EncoderWorkerData): Promise<Encoder> {
    const worker = new Worker(new URL('./encoder-worker.ts', import.meta.url), { workerData: data });
    const provider = await new Promise<'cpu' | 'cuda'>((resolve, reject) => {
      const onMessage = (msg: WorkerMessage): void => {
        if (msg.type === 'ready') resolve(msg.provider);
        else if (msg.type === 'failed') reject(new Error(`encoder session failed to open: ${msg.message}`));
      };
      worker.once('message', onMessage);
      worker.once('error', reject);
    });
    worker.unref();
    return new Encoder(worker, provider);
  }

  get running(): boolean {
    return this.stopped === undefined;
  }

  private fail(e: Error): void {
    this.stopped = e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  run(input: Float32Array, batch: number, wantTokens: boolean): Promise<EncoderResult> {
    if (this.stopped)
      return Promise.reject(
        new ClarityError('unavailable', 'model worker is not running', { cause: this.stopped }),
      );
    const id = this.nextId++;
    return new Promise<EncoderResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const req: RunRequest = { id, input, batch, wantTokens };
      this.worker.postMessage(req, [input.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
