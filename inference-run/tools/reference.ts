/**
 * Drift reference from recordings, written into a model's manifest (`drift`):
 *
 *   npm run model:reference -- --model DIR --data FILE [FILE...] [--psi-alert 0.2] [--bins 10]
 *
 * Each recording (any minute-level device format the importers read: .AWD, .agd, ActiLife .csv, Fitbit
 * minute steps) is read as the uploads are (tools/recordings.ts) and cut, from its end, into weeks of 10 080
 * minutes aligned as every request is (a week needs one observed day, like a request). From those weeks:
 * - per-minute-of-week statistics: for minute i of the aligned week, the mean and std of the raw counts over
 *   the weeks that observed it, and how many did (minutes no week observed carry the pooled mean and std and
 *   count 0);
 * - the pooled raw-count mean and std, and PSI bins: interior edges at the deciles of the pooled observed
 *   minutes (distinct values above the minimum, so a mass of zeros is one bin), and the fraction in each bin;
 * - `psiAlert`: the PSI above which inference-run raises its drift metric and `input_drift` log event;
 * - `source`: how many recordings, weeks and observed minutes, and each file's sha256.
 * It prints the reference recordings' own PSI against the new reference (0 by construction, as a check).
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  alignToWeek,
  ClarityError,
  modelManifestSchema,
  PAT_SEQUENCE_MINUTES,
  type DriftReference,
} from '@clarity/core';
import { binOf, DEFAULT_PSI_ALERT, DriftMonitor } from '../src/models/drift.ts';
import { recordingMinutes } from './recordings.ts';

/** The recording cut into weeks from its end; weeks with less than a day observed are left out. */
export function weeksOf(minutes: (number | null)[]): Float64Array[] {
  const weeks: Float64Array[] = [];
  for (let end = minutes.length; end > 0; end -= PAT_SEQUENCE_MINUTES) {
    const chunk = minutes.slice(Math.max(0, end - PAT_SEQUENCE_MINUTES), end);
    if (chunk.filter((v) => v !== null && Number.isFinite(v)).length < 1440) continue;
    weeks.push(alignToWeek(chunk).values);
  }
  return weeks;
}

function quantile(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] ?? 0) + ((sorted[hi] ?? 0) - (sorted[lo] ?? 0)) * (pos - lo);
}

export interface ReferenceOptions {
  bins?: number;
  psiAlert?: number;
}

/** The drift reference of a set of weeks (NaN = missing minute). */
export function buildReference(
  weeks: Float64Array[],
  options: ReferenceOptions = {},
): Omit<DriftReference, 'source'> {
  const pooled: number[] = [];
  const sum = new Float64Array(PAT_SEQUENCE_MINUTES);
  const sq = new Float64Array(PAT_SEQUENCE_MINUTES);
  const count = new Array<number>(PAT_SEQUENCE_MINUTES).fill(0);
  for (const w of weeks)
    for (let i = 0; i < PAT_SEQUENCE_MINUTES; i++) {
      const v = w[i] ?? Number.NaN;
      if (Number.isNaN(v)) continue;
      pooled.push(v);
      sum[i] = (sum[i] ?? 0) + v;
      sq[i] = (sq[i] ?? 0) + v * v;
      count[i] = (count[i] ?? 0) + 1;
    }
  if (pooled.length === 0) throw new ClarityError('invalid_input', 'no observed minutes in the recordings');
  const sorted = Float64Array.from(pooled).sort();
  const n = sorted.length;
  const mean = pooled.reduce((a, b) => a + b, 0) / n;
  const std = Math.sqrt(Math.max(pooled.reduce((a, b) => a + (b - mean) ** 2, 0) / n, 1e-12));
  const bins = options.bins ?? 10;
  const min = sorted[0] ?? 0;
  const edges = [
    ...new Set(
      Array.from({ length: bins - 1 }, (_, k) => quantile(sorted, (k + 1) / bins)).filter((e) => e > min),
    ),
  ];
  if (edges.length === 0)
    throw new ClarityError('invalid_input', 'the recordings hold a single value: no bins');
  const hist = new Array<number>(edges.length + 1).fill(0);
  for (const v of pooled) hist[binOf(v, edges)] = (hist[binOf(v, edges)] ?? 0) + 1;
  return {
    mean,
    std,
    edges,
    fractions: hist.map((c) => c / n),
    perMinute: {
      mean: Array.from(sum, (s, i) => ((count[i] ?? 0) > 0 ? s / (count[i] ?? 1) : mean)),
      std: Array.from(sq, (s, i) => {
        const c = count[i] ?? 0;
        if (c === 0) return std;
        const m = (sum[i] ?? 0) / c;
        return Math.sqrt(Math.max(s / c - m * m, 0));
      }),
      count,
    },
    psiAlert: options.psiAlert ?? DEFAULT_PSI_ALERT,
  };
}

export interface ReferenceResult {
  drift: DriftReference;
  /** PSI of the reference recordings against the reference itself (0 up to rounding). */
  selfPsi: number;
}

/** Reads the recordings, builds the reference and writes it into `modelDir`/manifest.json. */
export async function writeReference(
  modelDir: string,
  files: string[],
  options: ReferenceOptions = {},
): Promise<ReferenceResult> {
  if (files.length === 0) throw new ClarityError('invalid_input', 'no recordings given (--data FILE...)');
  const weeks: Float64Array[] = [];
  const sha256: string[] = [];
  for (const f of files) {
    sha256.push(
      createHash('sha256')
        .update(await readFile(f))
        .digest('hex'),
    );
    weeks.push(...weeksOf(await recordingMinutes(f)));
  }
  if (weeks.length === 0)
    throw new ClarityError('invalid_input', 'no recording has a day of observed minutes');
  const built = buildReference(weeks, options);
  const drift: DriftReference = {
    ...built,
    source: {
      recordings: files.length,
      weeks: weeks.length,
      observedMinutes: built.perMinute?.count.reduce((a, b) => a + b, 0) ?? 0,
      sha256,
    },
  };
  const path = join(modelDir, 'manifest.json');
  const manifest = modelManifestSchema.parse(JSON.parse(await readFile(path, 'utf8')));
  const updated = modelManifestSchema.parse({ ...manifest, drift });
  await writeFile(path, `${JSON.stringify(updated, null, 2)}\n`);
  const self = new DriftMonitor(drift);
  for (const w of weeks) self.observe(w);
  return { drift, selfPsi: self.stats().psi ?? Number.NaN };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      data: { type: 'string', multiple: true },
      bins: { type: 'string' },
      'psi-alert': { type: 'string' },
    },
  });
  const files = [...(values.data ?? []), ...positionals];
  if (!values.model || files.length === 0)
    throw new ClarityError('invalid_input', 'usage: model:reference -- --model DIR --data FILE [FILE...]');
  const r = await writeReference(values.model, files, {
    ...(values.bins ? { bins: Number(values.bins) } : {}),
    ...(values['psi-alert'] ? { psiAlert: Number(values['psi-alert']) } : {}),
  });
  console.log(
    JSON.stringify({
      event: 'reference_written',
      model: values.model,
      ...r.drift.source,
      mean: r.drift.mean,
      std: r.drift.std,
      edges: r.drift.edges,
      fractions: r.drift.fractions,
      psiAlert: r.drift.psiAlert,
      selfPsi: r.selfPsi,
    }),
  );
}

if (import.meta.main) {
  main().catch((e: unknown) => {
    console.error(`reference: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
