import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { modelManifestSchema, PAT_EMBED_DIM, PAT_SEQUENCE_MINUTES, seededRandom } from '@clarity/core';
import { crossValidate, probabilities } from '../../tools/head-fit.ts';
import { writeStandin } from '../../tools/standin.ts';
import { syntheticWeek } from '../../tools/synthetic.ts';
import { loadManifest, readTrainingTable, trainHead, type TrainingRow } from '../../tools/train-head.ts';
import { tempDir } from '../support/cache.ts';

const dir = tempDir('train-head');
const model = join(dir, 'pat-s');
const awd = join(import.meta.dirname, '../../../../shared/data/actigraphy/actiwatch_awd/example_01.AWD');
const thresholds = { minAuroc: 0.8, maxEce: 0.1 };

/**
 * The known answer: 80 subjects, 3 weeks each; half are late sleepers (their whole day, bed time and rise
 * time, is 150-240 min later), half early (0-90 min). The label is that sleep-timing feature.
 */
function sleepTimingTable(): TrainingRow[] {
  const rand = seededRandom(5);
  const rows: TrainingRow[] = [];
  for (let s = 0; s < 80; s++) {
    const late = s % 2 === 1;
    const shift = late ? 150 + Math.floor(rand() * 90) : Math.floor(rand() * 90);
    for (let w = 0; w < 3; w++)
      rows.push({
        subject: `s${s}`,
        label: late ? 'late' : 'early',
        week: syntheticWeek(100 * s + w, 0, shift),
      });
  }
  return rows;
}

beforeAll(async () => {
  await writeStandin({ size: 's', out: model });
}, 120_000);

describe('model:train-head on the PAT-S stand-in', () => {
  it(
    'learns a sleep-timing label: held-out AUROC >= 0.95, ECE <= 0.05, validated; the ONNX head serves it',
    { timeout: 600_000 },
    async () => {
      const rows = sleepTimingTable();
      // Through the CSV reader: inline weeks (";"-separated, empty = missing).
      const csv = join(dir, 'timing.csv');
      await writeFile(
        csv,
        [
          'label,subject,sequence',
          ...rows.map((r) => `${r.label},${r.subject},${r.week.map((v) => v ?? '').join(';')}`),
        ].join('\n'),
      );
      const table = await readTrainingTable(csv);
      expect(table).toHaveLength(240);
      const r = await trainHead(table, { model, task: 'late-sleeper', positive: 'late', thresholds });
      expect(r.metrics.auroc).toBeGreaterThanOrEqual(0.95);
      expect(r.metrics.ece).toBeLessThanOrEqual(0.05);
      expect(r.head.validated).toBe(true);
      expect(r.head.training).toMatchObject({ samples: 240, subjects: 80, folds: 5, heldOutSubjects: true });
      expect(r.head.labels).toEqual(['early', 'late']);
      expect(r.onnxMaxDiff).toBeLessThan(1e-3);
      const manifest = await loadManifest(model);
      const entry = manifest.heads.find((h) => h.task === 'late-sleeper');
      expect(entry?.calibration.method).toBe('platt-folded');
      expect(entry?.metrics?.auroc).toBeCloseTo(r.metrics.auroc, 3);
      expect(modelManifestSchema.safeParse(manifest).success).toBe(true);
      // The calibrated head, run as ONNX on fresh subjects' embeddings, separates them.
      const { embedWeeks } = await import('../../tools/train-head.ts');
      const fresh = [syntheticWeek(99_001, 0, 200), syntheticWeek(99_002, 0, 20)];
      const emb = await embedWeeks(model, fresh);
      const session = await ort.InferenceSession.create(join(model, entry!.file));
      const input = new Float32Array(2 * PAT_EMBED_DIM);
      emb.forEach((e, i) => input.set(e, i * PAT_EMBED_DIM));
      const out = await session.run({ embedding: new ort.Tensor('float32', input, [2, PAT_EMBED_DIM]) });
      const logit = out.logit?.data as Float32Array;
      expect(probabilities([logit[0]!])[1]).toBeGreaterThan(0.5);
      expect(probabilities([logit[1]!])[1]).toBeLessThan(0.5);
    },
  );

  it('a label shuffle gives AUROC ~ 0.5 and validated: false', { timeout: 600_000 }, async () => {
    const rows = sleepTimingTable();
    const shuffled = rows.map((row, i) => ({ ...row, label: rows[(i * 7919) % rows.length]!.label }));
    const r = await trainHead(shuffled, { model, task: 'shuffled', positive: 'late', thresholds });
    expect(Math.abs(r.metrics.auroc - 0.5)).toBeLessThan(0.15);
    expect(r.head.validated).toBe(false);
  });

  it('is never validated without a stated threshold', { timeout: 600_000 }, async () => {
    const rows = sleepTimingTable().slice(0, 60);
    const r = await trainHead(rows, { model, task: 'no-threshold', positive: 'late' });
    expect(r.head.validated).toBe(false);
  });

  it('reads recordings by path (any importer format) and names a bad row by its line', async () => {
    const csv = join(dir, 'files.csv');
    await writeFile(csv, `subject,sequence,label\na,${awd},x\nb,${join(dir, 'missing.AWD')},y\n`);
    await expect(readTrainingTable(csv)).rejects.toThrow(/line 3/);
    await writeFile(csv, `subject,sequence,label\na,${awd},x\n`);
    const [row] = await readTrainingTable(csv);
    expect(row?.week).toHaveLength(PAT_SEQUENCE_MINUTES);
    expect(row?.week.filter((v) => v !== null).length).toBeGreaterThan(1440);
  });
});

describe('head fitting (multinomial, hidden layer)', () => {
  /** Three Gaussian classes in 8 dimensions, 30 subjects x 4 rows. */
  function blobs(): { x: Float64Array[]; y: number[]; subjects: string[] } {
    const rand = seededRandom(3);
    const gauss = (): number => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
    const x: Float64Array[] = [];
    const y: number[] = [];
    const subjects: string[] = [];
    for (let s = 0; s < 30; s++)
      for (let k = 0; k < 4; k++) {
        const c = s % 3;
        x.push(Float64Array.from({ length: 8 }, (_, j) => (j === c ? 3 : 0) + gauss()));
        y.push(c);
        subjects.push(`s${s}`);
      }
    return { x, y, subjects };
  }

  it('multinomial logistic regression and a one-hidden-layer head separate three classes out of subject', () => {
    const { x, y, subjects } = blobs();
    for (const hiddenUnits of [0, 16]) {
      const cv = crossValidate(x, y, subjects, 5, { classes: 3, hiddenUnits, seed: 1 });
      expect(cv.subjectWise).toBe(true);
      expect(cv.metrics.auroc).toBeGreaterThan(0.95);
      expect(cv.metrics.balancedAccuracy).toBeGreaterThan(0.85);
      expect(cv.probabilities.every((p) => Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-9)).toBe(true);
    }
  });
});
