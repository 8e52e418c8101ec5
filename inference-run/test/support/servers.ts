/** Shared helpers for server tests: stand-in model folders and small HTTP calls. */
import { expect } from 'vitest';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelManifest } from '@clarity/core';
import { writeStandin } from '../../tools/standin.ts';
import { syntheticWeek } from '../../tools/synthetic.ts';
import { tempDir } from './cache.ts';

/** A folder with two PAT-S stand-ins (different seeds and versions), each with an unvalidated demo head. */
export async function standinModels(): Promise<string> {
  const root = tempDir('models');
  await writeStandin({ size: 's', out: join(root, 'a'), seed: 1, withHead: true, version: 'v1' });
  await writeStandin({ size: 's', out: join(root, 'b'), seed: 9, withHead: true, version: 'v2' });
  return root;
}

/** A copy of one model folder whose manifest claims a different sha256. */
export async function tamperedCopy(modelDir: string): Promise<string> {
  const root = tempDir('tampered');
  const dir = join(root, 'pat-s');
  await cp(modelDir, dir, { recursive: true });
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as ModelManifest;
  const onnx = await readFile(join(dir, 'model.onnx'));
  onnx[onnx.length - 5] = (onnx[onnx.length - 5] ?? 0) ^ 0xff;
  await writeFile(join(dir, 'model.onnx'), onnx);
  expect(manifest.sha256).toMatch(/^[0-9a-f]{64}$/);
  return root;
}

export function week(seed: number): (number | null)[] {
  return syntheticWeek(seed, 53);
}

export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    json: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : { text },
    headers: res.headers,
  };
}

/** Reads one sample value from Prometheus text, e.g. metric('inference_batch_size_count', {model: 'x'}). */
export function metricValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const l = m[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`))) return Number(m[3]);
  }
  return undefined;
}
