import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { writeStandin } from '../../tools/standin.ts';
import { tempDir } from '../support/cache.ts';
import { metricValue, post, week } from '../support/servers.ts';

const entry = join(import.meta.dirname, '..', '..', 'src', 'server', 'main.ts');

describe('graceful shutdown of the real entry point', () => {
  it('finishes in-flight requests after SIGTERM, then exits 0', { timeout: 60_000 }, async () => {
    const dir = tempDir('sigterm');
    await writeStandin({ size: 's', out: join(dir, 'pat-s'), seed: 4 });
    const child = spawn(
      process.execPath,
      [entry, '--models', dir, '--port', '0', '--max-batch', '4', '--threads', '1', '--local-only'],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, PORT: '' } },
    );
    const events: Record<string, unknown>[] = [];
    let onLine: ((e: Record<string, unknown>) => void) | undefined;
    createInterface({ input: child.stdout }).on('line', (line) => {
      const e = JSON.parse(line) as Record<string, unknown>;
      events.push(e);
      onLine?.(e);
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const waitFor = (event: string): Promise<Record<string, unknown>> =>
      new Promise((resolve) => {
        const found = events.find((e) => e.event === event);
        if (found) return resolve(found);
        onLine = (e) => {
          if (e.event === event) resolve(e);
        };
      });
    const port = (await waitFor('listening')).port as number;
    await waitFor('ready');
    const url = `http://127.0.0.1:${port}`;

    // 24 sequences in batches of 4: six runs, so the request is still in flight when the signal lands.
    const inFlight = post(`${url}/v1/embed`, {
      sequences: Array.from({ length: 24 }, (_, i) => ({ values: week(i) })),
    });
    for (;;) {
      const text = await (await fetch(`${url}/metrics`)).text();
      if ((metricValue(text, 'inference_batch_size_count') ?? 0) >= 1) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGTERM');
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(response.json.results as unknown[]).toHaveLength(24);
    expect(await exited).toBe(0);
    expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(['signal', 'draining', 'stopped']));
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
