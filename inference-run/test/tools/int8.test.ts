/**
 * The int8 variant (dynamic quantisation, tools/int8.ts): a separate model version with `precision: int8`,
 * its agreement with fp32 measured on seeded and real-derived weeks and recorded in the manifest, and a
 * server that loads both and serves the precision a request names (fp32 when it names none).
 */
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patArchitecture } from '@clarity/core';
import { writeInt8Variant } from '../../tools/int8.ts';
import { ModelProto } from '../../tools/onnx-proto.ts';
import { seededPatWeights } from '../../tools/keras-layout.ts';
import { writeStandin } from '../../tools/standin.ts';
import { loadManifest } from '../../tools/train-head.ts';
import { jsonLogger } from '../../src/server/logger.ts';
import { startServer, type RunningServer } from '../../src/server/start.ts';
import { tempDir } from '../support/cache.ts';
import { post, week } from '../support/servers.ts';

const awdDir = join(import.meta.dirname, '../../../../shared/data/actigraphy/actiwatch_awd');
const awd = readdirSync(awdDir)
  .filter((f) => f.endsWith('.AWD'))
  .map((f) => join(awdDir, f));
const root = tempDir('int8');
let server: RunningServer | undefined;

beforeAll(async () => {
  await writeStandin({ size: 's', out: join(root, 'pat-s'), withHead: true });
  await writeInt8Variant(
    seededPatWeights(patArchitecture('s'), 1),
    join(root, 'pat-s'),
    join(root, 'pat-s-int8'),
    {
      sequences: 40,
      recordings: awd,
    },
  );
}, 300_000);

afterAll(async () => {
  await server?.shutdown();
});

describe('int8 variant of PAT-S', () => {
  it('is a separate version with precision int8, quantised operators, and a recorded agreement that passes', async () => {
    const m = await loadManifest(join(root, 'pat-s-int8'));
    expect(m).toMatchObject({ name: 'pat-s', version: 'standin-1-int8', precision: 'int8' });
    expect(m.quantisation).toMatchObject({ attentionProducts: false });
    expect(m.agreement).toMatchObject({
      reference: 'pat-s@standin-1',
      sequences: 40,
      realDerived: 20,
      seeded: 20,
    });
    expect(m.agreement!.minCosine).toBeGreaterThanOrEqual(0.999);
    expect(m.agreement!.maxHeadProbabilityDiff).not.toBeNull();
    expect(m.agreement!.maxHeadProbabilityDiff!).toBeLessThanOrEqual(0.01);
    expect(m.agreement!.passed).toBe(true);
    expect(m.heads.map((h) => h.task)).toEqual(['demo']);
    // The graph really is integer: every weight product is QAttention or DynamicQuantizeMatMul, no float
    // MatMul or Attention left.
    const model = ModelProto.decode(await readFile(join(root, 'pat-s-int8', m.file))) as unknown as {
      graph: { node: { op_type: string }[] };
    };
    const ops = new Set(model.graph.node.map((n) => n.op_type));
    expect(ops).toContain('QAttention');
    expect(ops).toContain('DynamicQuantizeMatMul');
    expect(ops).not.toContain('MatMul');
    expect(ops).not.toContain('Attention');
    const session = await ort.InferenceSession.create(join(root, 'pat-s-int8', m.file));
    expect(session.outputNames).toEqual(expect.arrayContaining(['embedding', 'tokens']));
    await session.release();
  });

  it(
    'the server loads both; a request names the precision, fp32 when it names none',
    { timeout: 120_000 },
    async () => {
      server = await startServer({
        models: root,
        port: 0,
        host: '127.0.0.1',
        threads: 1,
        logger: jsonLogger(() => undefined),
      });
      await server.ready;
      const body = { sequences: [{ values: week(3) }] };
      const plain = await post(`${server.url}/v1/embed`, body);
      const int8 = await post(`${server.url}/v1/embed`, { ...body, precision: 'int8' });
      const fp32 = await post(`${server.url}/v1/embed`, { ...body, model: 'pat-s', precision: 'fp32' });
      expect(plain.status).toBe(200);
      expect(plain.json.model).toMatchObject({ version: 'standin-1', precision: 'fp32' });
      expect(int8.json.model).toMatchObject({ version: 'standin-1-int8', precision: 'int8' });
      expect(fp32.json.model).toMatchObject({ version: 'standin-1', precision: 'fp32' });
      const e = (r: typeof plain): number[] => (r.json.results as { embedding: number[] }[])[0]!.embedding;
      const [a, b] = [e(plain), e(int8)];
      const dot = a.reduce((s, v, i) => s + v * b[i]!, 0);
      const cos = dot / Math.sqrt(a.reduce((s, v) => s + v * v, 0) * b.reduce((s, v) => s + v * v, 0));
      expect(cos).toBeGreaterThanOrEqual(0.999);
      expect(cos).toBeLessThan(1);
      const bad = await post(`${server.url}/v1/embed`, { ...body, precision: 'int4' });
      expect(bad.status).toBe(400);
    },
  );
});
