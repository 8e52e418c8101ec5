/**
 * Trains a task head on a frozen PAT encoder and adds it to the model's manifest.
 *
 *   npm run model:train-head -- --model DIR --data FILE.csv --task NAME [--label TEXT] [--positive LABEL]
 *        [--hidden UNITS] [--folds 5] [--l2 0.01] [--seed 7]
 *        [--min-auroc X] [--min-balanced-accuracy X] [--max-brier X] [--max-ece X]
 *
 * FILE.csv has a header with the columns `subject`, `sequence` and `label` (any order, other columns
 * ignored). `sequence` is a recording file (path relative to the CSV; any device format the importers read)
 * or the week itself (minute counts separated by spaces or ";"). Two labels make a binary head (the positive
 * class is --positive, else the last label in sorted order); more make a multinomial one.
 *
 * Steps: embed every sequence with the model (manifest normalisation, checksum verified) → subject-wise
 * k-fold cross-validation of a logistic-regression head (or one hidden ReLU layer) → Platt scaling fitted on
 * held-out logits → metrics on held-out subjects (AUROC, balanced accuracy, Brier, ECE) → the final head fitted
 * on every row, with the standardisation and the calibration folded into its weights, written as ONNX by the
 * project's builder (`head-<task>.onnx`), checked against the JS forward pass, and entered in manifest.json.
 * `validated` is true only when the metrics come from held-out subjects AND the operator stated at least one
 * threshold AND every stated threshold passes.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import ort from 'onnxruntime-node';
import {
  ClarityError,
  modelManifestSchema,
  normaliseInto,
  PAT_EMBED_DIM,
  PAT_SEQUENCE_MINUTES,
  type HeadThresholds,
  type ModelHead,
  type ModelManifest,
} from '@clarity/core';
import { sessionOptions } from '../src/models/session.ts';
import { sha256Hex } from './convert.ts';
import {
  crossValidate,
  fitHead,
  foldCalibration,
  headLogits,
  type HeadMetrics,
  type HeadParams,
} from './head-fit.ts';
import { buildHeadOnnx, type DenseLayer } from './pat-graph.ts';
import { readWeek } from './recordings.ts';

export interface TrainingRow {
  subject: string;
  label: string;
  week: (number | null)[];
}

export interface TrainHeadOptions {
  model: string;
  task: string;
  label?: string;
  positive?: string;
  hiddenUnits?: number;
  folds?: number;
  l2?: number;
  seed?: number;
  thresholds?: HeadThresholds;
}

export interface TrainHeadResult {
  head: ModelHead;
  metrics: HeadMetrics;
  /** Largest |ONNX − JS| calibrated logit over the training rows (the written graph is the fitted head). */
  onnxMaxDiff: number;
}

/** Minimal CSV: comma-separated, optional double quotes ("" inside quotes is a quote). */
function csvRows(text: string): string[][] {
  const rows: string[][] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const cells: string[] = [];
    let cur = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (quoted) {
        if (c === '"' && line[i + 1] === '"') {
          cur += '"';
          i++;
        } else if (c === '"') quoted = false;
        else cur += c;
      } else if (c === '"') quoted = true;
      else if (c === ',') {
        cells.push(cur);
        cur = '';
      } else cur += c;
    }
    cells.push(cur);
    rows.push(cells);
  }
  return rows;
}

/** Reads the training table; a bad row is named by its line. */
export async function readTrainingTable(file: string): Promise<TrainingRow[]> {
  const [header, ...rows] = csvRows(await readFile(file, 'utf8'));
  const col = (name: string): number => {
    const i = (header ?? []).findIndex((h) => h.trim().toLowerCase() === name);
    if (i < 0) throw new ClarityError('invalid_input', `${file}: the header has no "${name}" column`);
    return i;
  };
  const [s, q, l] = [col('subject'), col('sequence'), col('label')];
  const out: TrainingRow[] = [];
  for (const [k, r] of rows.entries()) {
    const subject = r[s]?.trim() ?? '';
    const label = r[l]?.trim() ?? '';
    if (subject === '' || label === '')
      throw new ClarityError('invalid_input', `${file} line ${k + 2}: subject and label are required`);
    try {
      out.push({ subject, label, week: await readWeek(r[q] ?? '', dirname(file)) });
    } catch (e) {
      throw new ClarityError(
        'invalid_input',
        `${file} line ${k + 2}: ${e instanceof Error ? e.message : String(e)}`,
        { cause: e },
      );
    }
  }
  return out;
}

/** sha256 of the table's content (subject, label and each week's values), independent of row order and paths. */
export function trainingSetHash(rows: TrainingRow[]): string {
  const lines = rows.map((r) => {
    const week = Float64Array.from(r.week, (v) => (v === null ? Number.NaN : v));
    return `${r.subject}\t${r.label}\t${sha256Hex(new Uint8Array(week.buffer))}`;
  });
  return createHash('sha256').update(lines.sort().join('\n')).digest('hex');
}

export async function loadManifest(dir: string): Promise<ModelManifest> {
  return modelManifestSchema.parse(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')));
}

/** Embeddings of weeks with a model folder's encoder (its normalisation; checksum verified). */
export async function embedWeeks(
  dir: string,
  weeks: (number | null)[][],
  batch = 8,
): Promise<Float64Array[]> {
  const manifest = await loadManifest(dir);
  const bytes = await readFile(join(dir, manifest.file));
  if (sha256Hex(bytes) !== manifest.sha256)
    throw new ClarityError('internal', `${manifest.file} does not match the manifest's sha256`);
  const session = await ort.InferenceSession.create(
    bytes,
    sessionOptions(manifest.architecture.size, 1, 'cpu'),
  );
  const out: Float64Array[] = [];
  try {
    for (let i = 0; i < weeks.length; i += batch) {
      const part = weeks.slice(i, i + batch);
      const input = new Float32Array(part.length * PAT_SEQUENCE_MINUTES);
      part.forEach((w, k) =>
        normaliseInto(w, manifest.normalisation, input.subarray(k * PAT_SEQUENCE_MINUTES)),
      );
      const res = await session.run({
        [manifest.input.name]: new ort.Tensor('float32', input, [part.length, PAT_SEQUENCE_MINUTES]),
      });
      const emb = res[manifest.outputs.embedding]?.data as Float32Array;
      for (let k = 0; k < part.length; k++)
        out.push(Float64Array.from(emb.subarray(k * PAT_EMBED_DIM, (k + 1) * PAT_EMBED_DIM)));
    }
  } finally {
    await session.release();
  }
  return out;
}

/** The head as dense layers with the input standardisation folded into the first one. */
export function headLayers(p: HeadParams): DenseLayer[] {
  const d = p.mean.length;
  const first = p.hidden
    ? { w: p.hidden.w1, b: p.hidden.b1, outs: p.hidden.units }
    : { w: p.w, b: p.b, outs: p.outs };
  const w = new Float64Array(first.w.length);
  const b = Float64Array.from(first.b);
  for (let j = 0; j < d; j++) {
    const s = p.std[j] ?? 1;
    const m = p.mean[j] ?? 0;
    for (let k = 0; k < first.outs; k++) {
      const v = (first.w[j * first.outs + k] ?? 0) / s;
      w[j * first.outs + k] = v;
      b[k] = (b[k] ?? 0) - m * v;
    }
  }
  const layers: DenseLayer[] = [{ w, b, inDim: d, outDim: first.outs, relu: p.hidden !== undefined }];
  if (p.hidden) layers.push({ w: p.w, b: p.b, inDim: p.hidden.units, outDim: p.outs, relu: false });
  return layers;
}

export function passes(m: HeadMetrics, t: HeadThresholds): boolean {
  const stated = Object.values(t).some((v) => v !== undefined);
  return (
    stated &&
    (t.minAuroc === undefined || m.auroc >= t.minAuroc) &&
    (t.minBalancedAccuracy === undefined || m.balancedAccuracy >= t.minBalancedAccuracy) &&
    (t.maxBrier === undefined || m.brier <= t.maxBrier) &&
    (t.maxEce === undefined || m.ece <= t.maxEce)
  );
}

const round = (v: number): number => Math.round(v * 1e4) / 1e4;

/** Trains, writes head-<task>.onnx into the model folder and replaces the task's entry in its manifest. */
export async function trainHead(rows: TrainingRow[], options: TrainHeadOptions): Promise<TrainHeadResult> {
  const labels = [...new Set(rows.map((r) => r.label))].sort();
  if (labels.length < 2) throw new ClarityError('invalid_input', 'the table needs at least two labels');
  if (labels.length === 2 && options.positive !== undefined) {
    if (!labels.includes(options.positive))
      throw new ClarityError('invalid_input', `--positive ${options.positive} is not a label in the table`);
    if (labels[1] !== options.positive) labels.reverse();
  }
  const subjects = rows.map((r) => r.subject);
  const nSubjects = new Set(subjects).size;
  const folds = Math.min(options.folds ?? 5, nSubjects);
  if (folds < 2)
    throw new ClarityError('invalid_input', 'subject-wise cross-validation needs two subjects or more');
  const y = rows.map((r) => labels.indexOf(r.label));
  const x = await embedWeeks(
    options.model,
    rows.map((r) => r.week),
  );
  const fit = {
    classes: labels.length,
    ...(options.hiddenUnits ? { hiddenUnits: options.hiddenUnits } : {}),
    ...(options.l2 === undefined ? {} : { l2: options.l2 }),
    seed: options.seed ?? 7,
  };
  const cv = crossValidate(x, y, subjects, folds, fit);
  const final = foldCalibration(fitHead(x, y, fit), cv.calibration);
  const onnx = buildHeadOnnx(headLayers(final), `head ${options.task} trained by model:train-head`);
  // The written graph must compute the fitted head: compare its logits with the JS forward pass.
  const session = await ort.InferenceSession.create(onnx);
  const input = new Float32Array(x.length * PAT_EMBED_DIM);
  x.forEach((r, i) => input.set(r, i * PAT_EMBED_DIM));
  const res = await session.run({ embedding: new ort.Tensor('float32', input, [x.length, PAT_EMBED_DIM]) });
  await session.release();
  const logits = res.logit?.data as Float32Array;
  let onnxMaxDiff = 0;
  x.forEach((r, i) =>
    headLogits(final, r).forEach((v, k) => {
      onnxMaxDiff = Math.max(onnxMaxDiff, Math.abs(v - (logits[i * final.outs + k] ?? NaN)));
    }),
  );
  if (!(onnxMaxDiff <= 1e-3))
    throw new ClarityError('internal', `ONNX head differs from the fitted head by ${onnxMaxDiff}`);
  const thresholds = options.thresholds ?? {};
  const m = cv.metrics;
  const validated = cv.subjectWise && passes(m, thresholds);
  const file = `head-${options.task}.onnx`;
  const manifest = await loadManifest(options.model);
  const summary = `subject-wise ${cv.folds}-fold cross-validation on ${nSubjects} subjects, ${rows.length} sequences (model:train-head, table sha256 ${trainingSetHash(rows).slice(0, 12)}…): AUROC ${m.auroc.toFixed(3)}, balanced accuracy ${m.balancedAccuracy.toFixed(3)}, Brier ${m.brier.toFixed(3)}, ECE ${m.ece.toFixed(3)}`;
  const head: ModelHead = {
    task: options.task,
    label: options.label ?? options.task,
    file,
    sha256: sha256Hex(onnx),
    calibration: { method: 'platt-folded', a: cv.calibration.a, b: cv.calibration.b },
    validated,
    validation: summary,
    kind: labels.length === 2 ? 'binary' : 'multinomial',
    labels,
    training: {
      sha256: trainingSetHash(rows),
      samples: rows.length,
      subjects: nSubjects,
      folds: cv.folds,
      heldOutSubjects: cv.subjectWise,
      hiddenUnits: options.hiddenUnits ?? 0,
      model: `${manifest.name}@${manifest.version}`,
    },
    metrics: {
      auroc: round(m.auroc),
      balancedAccuracy: round(m.balancedAccuracy),
      brier: round(m.brier),
      ece: round(m.ece),
    },
    thresholds,
  };
  await writeFile(join(options.model, file), onnx);
  const updated = modelManifestSchema.parse({
    ...manifest,
    heads: [...manifest.heads.filter((h) => h.task !== options.task), head],
  });
  await writeFile(join(options.model, 'manifest.json'), `${JSON.stringify(updated, null, 2)}\n`);
  return { head, metrics: m, onnxMaxDiff };
}

function num(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new ClarityError('invalid_input', `${name} must be a number`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string' },
      data: { type: 'string' },
      task: { type: 'string' },
      label: { type: 'string' },
      positive: { type: 'string' },
      hidden: { type: 'string' },
      folds: { type: 'string' },
      l2: { type: 'string' },
      seed: { type: 'string' },
      'min-auroc': { type: 'string' },
      'min-balanced-accuracy': { type: 'string' },
      'max-brier': { type: 'string' },
      'max-ece': { type: 'string' },
    },
  });
  if (!values.model || !values.data || !values.task)
    throw new ClarityError(
      'invalid_input',
      'usage: model:train-head -- --model DIR --data FILE.csv --task NAME (see the file header)',
    );
  const rows = await readTrainingTable(values.data);
  const thresholds: HeadThresholds = {};
  const t = {
    minAuroc: num(values['min-auroc'], '--min-auroc'),
    minBalancedAccuracy: num(values['min-balanced-accuracy'], '--min-balanced-accuracy'),
    maxBrier: num(values['max-brier'], '--max-brier'),
    maxEce: num(values['max-ece'], '--max-ece'),
  };
  for (const [k, v] of Object.entries(t)) if (v !== undefined) thresholds[k as keyof HeadThresholds] = v;
  const r = await trainHead(rows, {
    model: values.model,
    task: values.task,
    ...(values.label ? { label: values.label } : {}),
    ...(values.positive ? { positive: values.positive } : {}),
    ...(values.hidden ? { hiddenUnits: num(values.hidden, '--hidden') } : {}),
    ...(values.folds ? { folds: num(values.folds, '--folds') } : {}),
    ...(values.l2 ? { l2: num(values.l2, '--l2') } : {}),
    ...(values.seed ? { seed: num(values.seed, '--seed') } : {}),
    thresholds,
  });
  console.log(
    JSON.stringify({
      event: 'head_trained',
      task: r.head.task,
      file: r.head.file,
      sha256: r.head.sha256,
      labels: r.head.labels,
      validated: r.head.validated,
      metrics: r.head.metrics,
      thresholds,
      training: r.head.training,
      onnxMaxDiff: r.onnxMaxDiff,
    }),
  );
  if (!r.head.validated)
    console.error(
      Object.keys(thresholds).length === 0
        ? 'train-head: not validated: no threshold stated (--min-auroc, --max-ece, ...)'
        : 'train-head: not validated: a held-out metric misses its threshold',
    );
}

if (import.meta.main) {
  main().catch((e: unknown) => {
    console.error(`train-head: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
