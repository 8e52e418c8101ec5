/**
 * Task heads on frozen PAT embeddings: logistic regression (binary: one logit; multinomial: one logit per
 * class) or one hidden ReLU layer, fitted by full-batch Adam with L2 on standardised inputs; subject-wise
 * cross-validation; Platt scaling (binary) or its multinomial form (one scale + a bias per class) fitted on
 * held-out logits; and the metrics reported in the manifest (AUROC, balanced accuracy, Brier, ECE).
 * Pure and seeded: the same table gives the same head.
 */
import { seededRandom } from '@clarity/core';

export interface HeadParams {
  /** Input standardisation (per embedding dimension). */
  mean: Float64Array;
  std: Float64Array;
  /** Optional hidden layer: w1 [d × h] row-major, b1 [h]. */
  hidden?: { w1: Float64Array; b1: Float64Array; units: number };
  /** Output layer: w [in × outs] row-major, b [outs]; outs = 1 for a binary head, K for multinomial. */
  w: Float64Array;
  b: Float64Array;
  outs: number;
}

export interface FitOptions {
  classes: number;
  hiddenUnits?: number;
  l2?: number;
  iterations?: number;
  learningRate?: number;
  seed?: number;
}

const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

function softmaxInto(z: ArrayLike<number>, out: Float64Array): void {
  let max = -Infinity;
  for (let k = 0; k < z.length; k++) max = Math.max(max, z[k] ?? -Infinity);
  let s = 0;
  for (let k = 0; k < z.length; k++) s += out[k] = Math.exp((z[k] ?? 0) - max);
  for (let k = 0; k < z.length; k++) out[k] = (out[k] ?? 0) / s;
}

/** Class probabilities from logits (one logit → [1 - p, p]). */
export function probabilities(logits: ArrayLike<number>): Float64Array {
  if (logits.length === 1) {
    const p = sigmoid(logits[0] ?? 0);
    return Float64Array.of(1 - p, p);
  }
  const out = new Float64Array(logits.length);
  softmaxInto(logits, out);
  return out;
}

function standardiser(x: Float64Array[], d: number): { mean: Float64Array; std: Float64Array } {
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (const r of x) for (let j = 0; j < d; j++) mean[j] = (mean[j] ?? 0) + (r[j] ?? 0) / x.length;
  for (const r of x) for (let j = 0; j < d; j++) std[j] = (std[j] ?? 0) + ((r[j] ?? 0) - (mean[j] ?? 0)) ** 2;
  for (let j = 0; j < d; j++) std[j] = Math.max(Math.sqrt((std[j] ?? 0) / x.length), 1e-8);
  return { mean, std };
}

/** Logits of one (raw, unstandardised) input row. */
export function headLogits(p: HeadParams, row: ArrayLike<number>): Float64Array {
  const d = p.mean.length;
  let a: Float64Array = new Float64Array(d);
  for (let j = 0; j < d; j++) a[j] = ((row[j] ?? 0) - (p.mean[j] ?? 0)) / (p.std[j] ?? 1);
  if (p.hidden) {
    const { w1, b1, units } = p.hidden;
    const h = Float64Array.from(b1);
    for (let j = 0; j < d; j++) {
      const v = a[j] ?? 0;
      if (v !== 0) for (let u = 0; u < units; u++) h[u] = (h[u] ?? 0) + v * (w1[j * units + u] ?? 0);
    }
    for (let u = 0; u < units; u++) h[u] = Math.max(0, h[u] ?? 0);
    a = h;
  }
  const out = Float64Array.from(p.b);
  for (let j = 0; j < a.length; j++) {
    const v = a[j] ?? 0;
    if (v !== 0) for (let k = 0; k < p.outs; k++) out[k] = (out[k] ?? 0) + v * (p.w[j * p.outs + k] ?? 0);
  }
  return out;
}

/** Fits a head on rows `x` with class indices `y` (0..classes-1). */
export function fitHead(x: Float64Array[], y: number[], options: FitOptions): HeadParams {
  const d = x[0]?.length ?? 0;
  const outs = options.classes === 2 ? 1 : options.classes;
  const units = options.hiddenUnits ?? 0;
  const l2 = options.l2 ?? 1e-2;
  const iterations = options.iterations ?? 400;
  const lr = options.learningRate ?? 0.05;
  const rand = seededRandom(options.seed ?? 7);
  const { mean, std } = standardiser(x, d);
  const z = x.map((r) => Float64Array.from(r, (v, j) => (v - (mean[j] ?? 0)) / (std[j] ?? 1)));
  const inDim = units > 0 ? units : d;
  // Parameters in one vector for Adam: [w1, b1,] w, b.
  const n1 = units > 0 ? d * units + units : 0;
  const theta = new Float64Array(n1 + inDim * outs + outs);
  if (units > 0) for (let i = 0; i < d * units; i++) theta[i] = (rand() * 2 - 1) * Math.sqrt(6 / d);
  if (units > 0)
    for (let i = n1; i < n1 + inDim * outs; i++) theta[i] = (rand() * 2 - 1) * Math.sqrt(6 / units);
  const grad = new Float64Array(theta.length);
  const m1 = new Float64Array(theta.length);
  const m2 = new Float64Array(theta.length);
  const h = new Float64Array(inDim);
  const probs = new Float64Array(Math.max(outs, 2));
  const dOut = new Float64Array(outs);
  const dH = new Float64Array(inDim);
  const n = z.length;
  for (let it = 1; it <= iterations; it++) {
    grad.fill(0);
    for (let s = 0; s < n; s++) {
      const zi = z[s] as Float64Array;
      // forward
      if (units > 0) {
        for (let u = 0; u < units; u++) h[u] = theta[d * units + u] ?? 0;
        for (let j = 0; j < d; j++) {
          const v = zi[j] ?? 0;
          for (let u = 0; u < units; u++) h[u] = (h[u] ?? 0) + v * (theta[j * units + u] ?? 0);
        }
        for (let u = 0; u < units; u++) h[u] = Math.max(0, h[u] ?? 0);
      } else h.set(zi);
      for (let k = 0; k < outs; k++) {
        let v = theta[n1 + inDim * outs + k] ?? 0;
        for (let j = 0; j < inDim; j++) v += (h[j] ?? 0) * (theta[n1 + j * outs + k] ?? 0);
        dOut[k] = v;
      }
      // d loss / d logits (mean cross-entropy)
      const yi = y[s] ?? 0;
      if (outs === 1) dOut[0] = (sigmoid(dOut[0] ?? 0) - yi) / n;
      else {
        softmaxInto(dOut, probs);
        for (let k = 0; k < outs; k++) dOut[k] = ((probs[k] ?? 0) - (k === yi ? 1 : 0)) / n;
      }
      for (let k = 0; k < outs; k++)
        grad[n1 + inDim * outs + k] = (grad[n1 + inDim * outs + k] ?? 0) + (dOut[k] ?? 0);
      dH.fill(0);
      for (let j = 0; j < inDim; j++) {
        const hj = h[j] ?? 0;
        for (let k = 0; k < outs; k++) {
          const g = dOut[k] ?? 0;
          grad[n1 + j * outs + k] = (grad[n1 + j * outs + k] ?? 0) + hj * g;
          if (units > 0) dH[j] = (dH[j] ?? 0) + g * (theta[n1 + j * outs + k] ?? 0);
        }
      }
      if (units > 0) {
        for (let u = 0; u < units; u++) if ((h[u] ?? 0) <= 0) dH[u] = 0;
        for (let u = 0; u < units; u++) grad[d * units + u] = (grad[d * units + u] ?? 0) + (dH[u] ?? 0);
        for (let j = 0; j < d; j++) {
          const v = zi[j] ?? 0;
          for (let u = 0; u < units; u++) grad[j * units + u] = (grad[j * units + u] ?? 0) + v * (dH[u] ?? 0);
        }
      }
    }
    // L2 on weights (not biases)
    const weightRanges: [number, number][] = [[n1, n1 + inDim * outs]];
    if (units > 0) weightRanges.push([0, d * units]);
    for (const [a, b] of weightRanges)
      for (let i = a; i < b; i++) grad[i] = (grad[i] ?? 0) + l2 * (theta[i] ?? 0);
    // Adam
    const c1 = 1 - 0.9 ** it;
    const c2 = 1 - 0.999 ** it;
    for (let i = 0; i < theta.length; i++) {
      const g = grad[i] ?? 0;
      m1[i] = 0.9 * (m1[i] ?? 0) + 0.1 * g;
      m2[i] = 0.999 * (m2[i] ?? 0) + 0.001 * g * g;
      theta[i] = (theta[i] ?? 0) - (lr * ((m1[i] ?? 0) / c1)) / (Math.sqrt((m2[i] ?? 0) / c2) + 1e-8);
    }
  }
  return {
    mean,
    std,
    ...(units > 0
      ? { hidden: { w1: theta.slice(0, d * units), b1: theta.slice(d * units, n1), units } }
      : {}),
    w: theta.slice(n1, n1 + inDim * outs),
    b: theta.slice(n1 + inDim * outs),
    outs,
  };
}

/**
 * Platt scaling, generalised: calibrated logits = a · logits + b (b one per logit). Binary: the classic
 * p = sigmoid(a·l + b). Multinomial: a shared scale (temperature 1/a) and a bias per class.
 */
export interface Calibration {
  a: number;
  b: number[];
}

export function applyCalibration(c: Calibration, logits: ArrayLike<number>): Float64Array {
  return Float64Array.from(logits, (l, k) => c.a * l + (c.b[k] ?? 0));
}

/** Fits the calibration by minimising log loss on (held-out) logits, Newton-free gradient descent. */
export function fitCalibration(logits: Float64Array[], y: number[], iterations = 2000): Calibration {
  const outs = logits[0]?.length ?? 1;
  const theta = new Float64Array(1 + outs);
  theta[0] = 1;
  const m1 = new Float64Array(theta.length);
  const m2 = new Float64Array(theta.length);
  const probs = new Float64Array(Math.max(outs, 2));
  const z = new Float64Array(outs);
  const n = logits.length;
  for (let it = 1; it <= iterations; it++) {
    const grad = new Float64Array(theta.length);
    for (let s = 0; s < n; s++) {
      const l = logits[s] as Float64Array;
      for (let k = 0; k < outs; k++) z[k] = (theta[0] ?? 1) * (l[k] ?? 0) + (theta[1 + k] ?? 0);
      const yi = y[s] ?? 0;
      if (outs === 1) {
        const g = (sigmoid(z[0] ?? 0) - yi) / n;
        grad[0] = (grad[0] ?? 0) + g * (l[0] ?? 0);
        grad[1] = (grad[1] ?? 0) + g;
      } else {
        softmaxInto(z, probs);
        for (let k = 0; k < outs; k++) {
          const g = ((probs[k] ?? 0) - (k === yi ? 1 : 0)) / n;
          grad[0] = (grad[0] ?? 0) + g * (l[k] ?? 0);
          grad[1 + k] = (grad[1 + k] ?? 0) + g;
        }
      }
    }
    const c1 = 1 - 0.9 ** it;
    const c2 = 1 - 0.999 ** it;
    for (let i = 0; i < theta.length; i++) {
      const g = grad[i] ?? 0;
      m1[i] = 0.9 * (m1[i] ?? 0) + 0.1 * g;
      m2[i] = 0.999 * (m2[i] ?? 0) + 0.001 * g * g;
      theta[i] = (theta[i] ?? 0) - (0.05 * ((m1[i] ?? 0) / c1)) / (Math.sqrt((m2[i] ?? 0) / c2) + 1e-8);
    }
  }
  return { a: theta[0] ?? 1, b: Array.from(theta.subarray(1)) };
}

/** The calibration folded into the output layer: a·(hW + b) + c = h(aW) + (ab + c). */
export function foldCalibration(p: HeadParams, c: Calibration): HeadParams {
  return {
    ...p,
    w: p.w.map((v) => v * c.a),
    b: p.b.map((v, k) => v * c.a + (c.b[k] ?? 0)),
  };
}

/** AUROC of scores for a positive class (Mann–Whitney U with midranks for ties). NaN with one class only. */
export function auroc(scores: number[], positive: boolean[]): number {
  const idx = scores.map((_, i) => i).sort((a, b) => (scores[a] ?? 0) - (scores[b] ?? 0));
  const ranks = new Float64Array(scores.length);
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1] as number] === scores[idx[i] as number]) j++;
    for (let k = i; k <= j; k++) ranks[idx[k] as number] = (i + j) / 2 + 1;
    i = j + 1;
  }
  let nPos = 0;
  let rankSum = 0;
  positive.forEach((p, i) => {
    if (p) {
      nPos++;
      rankSum += ranks[i] ?? 0;
    }
  });
  const nNeg = positive.length - nPos;
  if (nPos === 0 || nNeg === 0) return Number.NaN;
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

export interface HeadMetrics {
  /** Binary: AUROC of p(positive). Multinomial: macro mean of one-vs-rest AUROCs. */
  auroc: number;
  /** Mean per-class recall of the most probable class. */
  balancedAccuracy: number;
  /** Mean over samples of Σ_k (p_k − 1[y = k])²; binary: reported as (p − y)², the usual binary Brier. */
  brier: number;
  /** Expected calibration error, 10 equal-width bins: binary on p(positive), multinomial on top-class confidence. */
  ece: number;
}

export function headMetrics(probs: Float64Array[], y: number[], classes: number): HeadMetrics {
  const n = probs.length;
  const aucs: number[] = [];
  for (let k = classes === 2 ? 1 : 0; k < classes; k++) {
    aucs.push(
      auroc(
        probs.map((p) => p[k] ?? 0),
        y.map((v) => v === k),
      ),
    );
  }
  const valid = aucs.filter((a) => Number.isFinite(a));
  const hits = new Array<number>(classes).fill(0);
  const totals = new Array<number>(classes).fill(0);
  let brier = 0;
  const bins = Array.from({ length: 10 }, () => ({ n: 0, conf: 0, acc: 0 }));
  probs.forEach((p, i) => {
    const yi = y[i] ?? 0;
    let top = 0;
    for (let k = 1; k < classes; k++) if ((p[k] ?? 0) > (p[top] ?? 0)) top = k;
    totals[yi] = (totals[yi] ?? 0) + 1;
    if (top === yi) hits[yi] = (hits[yi] ?? 0) + 1;
    if (classes === 2) brier += ((p[1] ?? 0) - (yi === 1 ? 1 : 0)) ** 2;
    else for (let k = 0; k < classes; k++) brier += ((p[k] ?? 0) - (k === yi ? 1 : 0)) ** 2;
    const conf = classes === 2 ? (p[1] ?? 0) : (p[top] ?? 0);
    const correct = classes === 2 ? (yi === 1 ? 1 : 0) : top === yi ? 1 : 0;
    const bin = bins[Math.min(9, Math.floor(conf * 10))] as { n: number; conf: number; acc: number };
    bin.n++;
    bin.conf += conf;
    bin.acc += correct;
  });
  const recalls = totals.map((t, k) => (t > 0 ? (hits[k] ?? 0) / t : Number.NaN)).filter(Number.isFinite);
  return {
    auroc: valid.length > 0 ? valid.reduce((a, b) => a + b, 0) / valid.length : Number.NaN,
    balancedAccuracy: recalls.reduce((a, b) => a + b, 0) / Math.max(recalls.length, 1),
    brier: brier / n,
    ece: bins.reduce((s, b) => s + (b.n > 0 ? Math.abs(b.conf - b.acc) : 0), 0) / n,
  };
}

/** Subjects split into k folds (seeded shuffle, round robin): fold index per subject. */
export function subjectFolds(subjects: string[], k: number, seed = 11): Map<string, number> {
  const unique = [...new Set(subjects)].sort();
  const rand = seededRandom(seed);
  for (let i = unique.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [unique[i], unique[j]] = [unique[j] as string, unique[i] as string];
  }
  return new Map(unique.map((s, i) => [s, i % k]));
}

export interface CrossValidation {
  folds: number;
  subjects: number;
  /** Calibrated held-out probabilities, one row per sample (calibration fitted without the sample's fold). */
  probabilities: Float64Array[];
  metrics: HeadMetrics;
  /** Calibration fitted on all held-out logits: the one folded into the final head. */
  calibration: Calibration;
  /** True when no fold's test subjects appeared in its training rows (checked, not assumed). */
  subjectWise: boolean;
}

/**
 * Subject-wise k-fold cross-validation: each fold's head is fitted without the fold's subjects and
 * predicts them. The reported metrics use, for each fold, a calibration fitted on the other folds'
 * held-out logits only, so neither the head nor its calibration has seen the subjects it is scored on.
 */
export function crossValidate(
  x: Float64Array[],
  y: number[],
  subjects: string[],
  k: number,
  options: FitOptions,
): CrossValidation {
  const foldOf = subjectFolds(subjects, k, (options.seed ?? 7) + 4);
  const folds = Math.min(k, foldOf.size);
  const logits: Float64Array[] = new Array<Float64Array>(x.length);
  let subjectWise = true;
  for (let f = 0; f < folds; f++) {
    const train = x.map((_, i) => i).filter((i) => foldOf.get(subjects[i] as string) !== f);
    const test = x.map((_, i) => i).filter((i) => foldOf.get(subjects[i] as string) === f);
    const trainSubjects = new Set(train.map((i) => subjects[i]));
    if (test.some((i) => trainSubjects.has(subjects[i]))) subjectWise = false;
    const head = fitHead(
      train.map((i) => x[i] as Float64Array),
      train.map((i) => y[i] ?? 0),
      options,
    );
    for (const i of test) logits[i] = headLogits(head, x[i] as Float64Array);
  }
  const probabilitiesOut: Float64Array[] = new Array<Float64Array>(x.length);
  for (let f = 0; f < folds; f++) {
    const others = x.map((_, i) => i).filter((i) => foldOf.get(subjects[i] as string) !== f);
    const cal = fitCalibration(
      others.map((i) => logits[i] as Float64Array),
      others.map((i) => y[i] ?? 0),
    );
    x.forEach((_, i) => {
      if (foldOf.get(subjects[i] as string) === f)
        probabilitiesOut[i] = probabilities(applyCalibration(cal, logits[i] as Float64Array));
    });
  }
  return {
    folds,
    subjects: foldOf.size,
    probabilities: probabilitiesOut,
    metrics: headMetrics(probabilitiesOut, y, options.classes),
    calibration: fitCalibration(logits, y),
    subjectWise,
  };
}
