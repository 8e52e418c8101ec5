/** `npm run model:convert`: the operator's one command, on seeded h5 files of the published layout. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { patArchitecture } from '@clarity/core';
import { writeKerasH5 } from '../../tools/keras-h5.ts';
import { seededPatWeights } from '../../tools/keras-layout.ts';
import { modelConvert } from '../../tools/model-convert.ts';
import { loadManifest } from '../../tools/train-head.ts';
import { tempDir } from '../support/cache.ts';

const dir = tempDir('model-convert');

describe('model:convert', () => {
  it(
    'checks the layout, converts, passes the float64 reference and writes SHA256SUMS',
    { timeout: 300_000 },
    async () => {
      const h5 = join(dir, 'PAT-S_29k_weights.h5');
      await writeKerasH5(h5, seededPatWeights(patArchitecture('s'), 31));
      const out = join(dir, 'models');
      const [r] = await modelConvert([h5], { out, referenceSequences: 1 });
      expect(r).toMatchObject({ size: 's', reference: { ok: true } });
      expect(r!.reference.tokenMaxDiff).toBeLessThanOrEqual(1e-5);
      const manifest = await loadManifest(join(out, 'pat-s'));
      expect(manifest).toMatchObject({ name: 'pat-s', version: '29k', trained: true, precision: 'fp32' });
      expect(manifest.notes).toContain(r!.h5Sha256);
      const sums = (await readFile(join(out, 'SHA256SUMS'), 'utf8')).trim().split('\n');
      expect(sums).toContain(`${r!.h5Sha256}  PAT-S_29k_weights.h5`);
      expect(sums).toContain(`${manifest.sha256}  pat-s/model.onnx`);
      expect(sums.some((l) => l.endsWith('  pat-s/manifest.json'))).toBe(true);
    },
  );

  it('refuses a file whose layout is not the published one, naming the file and the tensor', async () => {
    const weights = seededPatWeights(patArchitecture('s'), 32);
    weights.delete('encoder_layer_1_transformer/encoder_layer_1_ff1/kernel:0');
    const h5 = join(dir, 'broken.h5');
    await writeKerasH5(h5, weights);
    await expect(modelConvert([h5], { out: join(dir, 'broken') })).rejects.toThrow(
      /broken\.h5: .*encoder_layer_1_ff1\/kernel:0 is missing/,
    );
  });
});
