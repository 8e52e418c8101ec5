/**
 * `npm run bench`: every benchmark in one command, one table of the ratios each is judged by.
 *
 *   npm run bench                      quick mode (a few minutes): small sizes, short load, few runs
 *   npm run bench -- --full            the README's figures (sizes, durations and runs as the README states)
 *   npm run bench -- --only import,inference   a subset (analytics, import, inference, pipeline, web)
 *   npm run bench -- --json            one JSON object: every benchmark's own result plus the ratio rows
 *
 * Each benchmark runs in its own child process with its own `--json` flag; this script only chooses the
 * options, collects the objects and turns them into ratios against the baseline or limit that the same
 * run measured (these machines are shared and their speed moves two-fold between runs, so an absolute time
 * alone says little). Progress and the children's own logs go to stderr.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const benches = ['analytics', 'import', 'inference', 'pipeline', 'web'] as const;
type Bench = (typeof benches)[number];

/** One line of the table: what is measured, its value, the target it is judged against, and the verdict. */
export interface RatioRow {
  bench: Bench;
  measure: string;
  value: number;
  unit: string;
  target: string;
  met: boolean | undefined;
}

interface Plan {
  /** The command (node unless named) and its arguments, paths relative to the repository root. */
  cmd?: string;
  argv: string[];
  describe: string;
}

function plans(full: boolean): Record<Bench, Plan> {
  const node = (script: string, ...args: string[]): string[] => [script, ...args, '--json'];
  const pipelineRuns = full ? ['--runs', '20', '--batch', 'week'] : ['--runs', '5', '--batch', 'day'];
  return {
    analytics: {
      argv: node('packages/core/bench/analytics.ts'),
      describe: 'five real AWD recordings vs pyActigraphy',
    },
    import: {
      argv: node(
        'packages/core/bench/import.ts',
        ...(full ? ['--sizes', '100,1000', '--repeat', '2'] : ['--sizes', '100', '--repeat', '1']),
      ),
      describe: full ? 'Apple export 100 MB and 1 GB vs iterparse' : 'Apple export 100 MB vs iterparse',
    },
    inference: {
      argv: node(
        'inference-run/bench/inference.ts',
        ...(full ? ['--duration', '16', '--sizes', 's,m,l'] : ['--duration', '4', '--sizes', 's']),
      ),
      describe: full
        ? 'PAT-S, -M and -L (fp32 and int8), server vs raw loop vs GEMM'
        : 'PAT-S, server vs raw loop (short)',
    },
    pipeline: {
      argv: [
        'scripts/emulators.ts',
        'exec',
        '--',
        process.execPath,
        ...node('functions/bench/pipeline.ts', ...pipelineRuns),
      ],
      describe: `upload -> insight on the emulators (${pipelineRuns.join(' ')})`,
    },
    web: {
      cmd: 'npm',
      argv: ['run', '--silent', 'bench:web', '--', '--json'],
      describe: 'web app bundle, Lighthouse and upload -> insight in the browser',
    },
  };
}

/** Runs one benchmark; resolves to the JSON object it printed last on stdout. */
function runBench(bench: Bench, plan: Plan): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(plan.cmd ?? process.execPath, plan.argv, {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const start = out.indexOf('{');
      if (start < 0) {
        reject(new Error(`${bench}: exited ${code ?? 'by a signal'} without a JSON result`));
        return;
      }
      try {
        resolve(JSON.parse(out.slice(start)));
      } catch {
        reject(new Error(`${bench}: its output after the first "{" is not one JSON object`));
      }
    });
  });
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number.NaN);
const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};

/** The ratio rows of one benchmark's result. Exported for the unit test, which feeds it recorded shapes. */
export function ratios(bench: Bench, result: unknown): RatioRow[] {
  const r = obj(result);
  switch (bench) {
    case 'analytics': {
      const a = obj(r.workloadA);
      return [
        {
          bench,
          measure: 'speed-up over pyActigraphy (5 AWD recordings)',
          value: num(a.speedup),
          unit: 'x',
          target: '>= 10x',
          met: num(a.speedup) >= 10,
        },
      ];
    }
    case 'import': {
      const rows = Array.isArray(r.rows) ? r.rows.map(obj) : [];
      const out: RatioRow[] = [];
      for (const size of [...new Set(rows.map((x) => num(x.sizeMB)))]) {
        const base = rows.find((x) => x.tool === 'baseline' && num(x.sizeMB) === size);
        for (const tool of ['fast', 'import']) {
          const t = rows.find((x) => x.tool === tool && num(x.sizeMB) === size);
          if (!base || !t) continue;
          const x = num(t.mbPerCpuSecond) / num(base.mbPerCpuSecond);
          out.push({
            bench,
            measure: `${tool === 'fast' ? 'parser' : 'full import'} vs iterparse, per CPU-second, ${size} MB`,
            value: x,
            unit: 'x',
            // Below 100 MB the interpreters' start-up dominates both sides: reported, not judged.
            target: tool !== 'fast' ? '(reported)' : size >= 100 ? '>= 3x' : '(>= 3x from 100 MB)',
            met: tool === 'fast' && size >= 100 ? x >= 3 : undefined,
          });
          if (size >= 1000)
            out.push({
              bench,
              measure: `${tool} peak RSS at ${size} MB`,
              value: num(t.peakRssMB),
              unit: 'MB',
              target: '<= 256 MB',
              met: num(t.peakRssMB) <= 256,
            });
        }
      }
      return out;
    }
    case 'inference': {
      const models = Array.isArray(r.models) ? r.models.map(obj) : [];
      const out: RatioRow[] = [];
      for (const m of models) {
        const name = String(m.name);
        out.push({
          bench,
          measure: `${name}: server / raw loop throughput at saturation`,
          value: num(m.ratio),
          unit: 'x',
          target: '>= 0.9x',
          met: num(m.ratio) >= 0.9,
        });
        // Written by the benchmark once it measures the machine's GEMM rate in the same run.
        if (typeof m.fractionOfGemm === 'number')
          out.push({
            bench,
            measure: `${name}: raw loop GFLOP/s / measured GEMM GFLOP/s`,
            value: m.fractionOfGemm,
            unit: 'x',
            target: '>= 0.9x (PAT-M)',
            met: name.toLowerCase().includes('-m') ? m.fractionOfGemm >= 0.9 : undefined,
          });
        if (typeof m.fractionOfGemmCpu === 'number')
          out.push({
            bench,
            measure: `${name}: the same per CPU-second received (less sensitive to other load)`,
            value: m.fractionOfGemmCpu,
            unit: 'x',
            target: '>= 0.9x (PAT-M)',
            met: name.toLowerCase().includes('-m') ? m.fractionOfGemmCpu >= 0.9 : undefined,
          });
        const int8 = m.int8 as Record<string, unknown> | undefined;
        if (int8 && typeof int8.ratio === 'number')
          out.push({
            bench,
            measure: `${name}: int8 / fp32 raw throughput (batch 8, same run)`,
            value: int8.ratio,
            unit: 'x',
            target: '>= 1.8x (PAT-M)',
            met: name.toLowerCase().includes('-m') ? int8.ratio >= 1.8 : undefined,
          });
        if (int8 && typeof int8.serverRatio === 'number')
          out.push({
            bench,
            measure: `${name}: int8 server / int8 raw loop throughput at saturation`,
            value: int8.serverRatio,
            unit: 'x',
            target: '>= 0.9x',
            met: int8.serverRatio >= 0.9,
          });
      }
      return out;
    }
    case 'pipeline': {
      const p50 = num(r.p50Ms);
      return [
        {
          bench,
          measure: `upload -> insight p50 / 3 s limit (${String(r.batch)}, ${String(r.runs)} runs)`,
          value: p50 / 3000,
          unit: 'x',
          target: '<= 1x',
          met: p50 <= 3000,
        },
      ];
    }
    case 'web': {
      const lh = obj(r.lighthouse);
      const u = obj(r.uploadToInsightMs);
      return [
        {
          bench,
          measure: 'bundle (gzip)',
          value: num(r.bundleGzipKb),
          unit: 'kB',
          target: '(reported)',
          met: undefined,
        },
        {
          bench,
          measure: 'Lighthouse performance',
          value: num(lh.performance),
          unit: '/100',
          target: '>= 90',
          met: num(lh.performance) >= 90,
        },
        {
          bench,
          measure: 'Lighthouse accessibility',
          value: num(lh.accessibility),
          unit: '/100',
          target: '>= 90',
          met: num(lh.accessibility) >= 90,
        },
        {
          bench,
          measure: 'upload -> insight in the browser, p50 / 3 s limit',
          value: num(u.p50) / 3000,
          unit: 'x',
          target: '<= 1x',
          met: num(u.p50) <= 3000,
        },
      ];
    }
  }
}

/** The table as Markdown, one row per ratio. */
export function table(rows: RatioRow[]): string {
  const cells = rows.map((r) => [
    r.bench,
    r.measure,
    Number.isFinite(r.value)
      ? `${r.value.toFixed(r.unit === 'x' ? 2 : 0)}${r.unit === 'x' ? 'x' : ` ${r.unit}`}`
      : 'n/a',
    r.target,
    r.met === undefined ? '' : r.met ? 'met' : 'NOT met',
  ]);
  const header = ['bench', 'measure', 'value', 'target', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]): string => `| ${c.map((x, i) => x.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

function hasWebBench(): boolean {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>;
  };
  return typeof pkg.scripts?.['bench:web'] === 'string';
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      full: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      only: { type: 'string' },
    },
  });
  const wanted = values.only ? values.only.split(',').map((s) => s.trim()) : [...benches];
  const unknown = wanted.filter((w) => !(benches as readonly string[]).includes(w));
  if (unknown.length > 0) {
    console.error(`bench: unknown benchmark ${unknown.join(', ')} (known: ${benches.join(', ')})`);
    process.exit(2);
  }
  const selected = benches.filter((b) => wanted.includes(b));
  const all = plans(values.full);
  const results: Partial<Record<Bench, unknown>> = {};
  const rows: RatioRow[] = [];
  const failures: string[] = [];
  for (const bench of selected) {
    if (bench === 'web' && !hasWebBench()) {
      console.error('bench: web: no bench:web script in package.json yet; skipped');
      continue;
    }
    const plan = all[bench];
    const t0 = performance.now();
    console.error(`bench: ${bench}: ${plan.describe} ...`);
    try {
      const result = await runBench(bench, plan);
      results[bench] = result;
      rows.push(...ratios(bench, result));
      console.error(`bench: ${bench}: done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    } catch (e) {
      failures.push(e instanceof Error ? e.message : String(e));
      console.error(`bench: ${failures.at(-1)}`);
    }
  }
  if (values.json) {
    process.stdout.write(
      JSON.stringify({ mode: values.full ? 'full' : 'quick', results, rows, failures }) + '\n',
    );
  } else {
    console.log(`\nBenchmarks (${values.full ? 'full' : 'quick'} mode; ratios measured within this run)\n`);
    console.log(table(rows));
    for (const f of failures) console.log(`failed: ${f}`);
  }
  if (failures.length > 0) process.exitCode = 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
