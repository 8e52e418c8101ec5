/**
 * Import benchmark: synthetic Apple Health exports (seeded, Apple's layout; see generate-apple-export.ts)
 * of the given sizes, read by
 *   - fast        our fast XML path, counting Record elements (the same work as the baseline)
 *   - import      our full importer: parse, validate/canonicalise every record, sample ids, duplicates
 *   - saxes       our conforming front end (saxes) on the whole file
 *   - baseline    Python's xml.etree.ElementTree.iterparse counting Records, clearing elements
 * each in its own child process, so the peak RSS reported is that process's own. Wall time is measured by
 * this driver around each child, CPU time (user + system) by the child itself; both include interpreter
 * start, for all alike. The ratio to the baseline is taken on CPU time: on a machine shared with other
 * work, wall time measures the neighbours as much as the code.
 *
 * The Node children run import-child.ts bundled by esbuild (as scripts/build-functions.ts bundles the
 * functions that run the importer in production), not the TypeScript sources: Node's type stripping costs
 * about 0.3 s of CPU at every start, which is not part of reading an export.
 *
 * Usage: npm run bench:import -- [--sizes 100,1000] [--json] [--seed 1] [--repeat 3] [--cache DIR]
 *                              [--tools fast,import,saxes,baseline]
 * Files are cached in DIR (default .cache/bench, git-ignored) and reused when present.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { writeAppleExport } from './generate-apple-export.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100,1000' },
    json: { type: 'boolean', default: false },
    seed: { type: 'string', default: '1' },
    cache: { type: 'string', default: path.join(repoRoot, '.cache/bench') },
    tools: { type: 'string', default: 'fast,import,saxes,baseline' },
    repeat: { type: 'string', default: '3' },
  },
});

const sizes = values.sizes.split(',').map((s) => Number(s.trim()));
if (sizes.some((s) => !Number.isFinite(s) || s <= 0)) {
  console.error('--sizes must be a comma-separated list of sizes in MB, e.g. 100,1000');
  process.exit(2);
}
const seed = Number(values.seed);
const tools = values.tools.split(',').map((t) => t.trim());
const repeat = Math.max(1, Math.floor(Number(values.repeat)));
const log = (line: string): void => void process.stderr.write(`${line}\n`);

interface Row {
  sizeMB: number;
  fileBytes: number;
  tool: string;
  records: number;
  /** Wall seconds around the child process. */
  seconds: number;
  /** CPU seconds (user + system) of the child, interpreter start included. */
  cpuSeconds: number;
  /** MB per CPU second: the fair rate on a machine shared with other work. */
  mbPerCpuSecond: number;
  mbPerSecond: number;
  peakRssMB: number;
}

function runChild(
  cmd: string,
  args: string[],
): { records: number; peakRssMB: number; wall: number; cpu: number } {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  const out = JSON.parse(line) as { records: number; peakRssMB: number; cpuSeconds: number };
  return { records: out.records, peakRssMB: out.peakRssMB, wall, cpu: out.cpuSeconds };
}

const rows: Row[] = [];
mkdirSync(values.cache, { recursive: true });
// Rebuilt on every run, so the bundle always holds the current sources; one file per mode's imports.
const childDir = path.join(values.cache, 'import-child');
await build({
  entryPoints: [path.join(here, 'import-child.ts')],
  outdir: childDir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  // Some bundled CommonJS code (yauzl) calls require(); give the ESM bundle one, as the functions build does.
  banner: {
    js: "import { createRequire as __clarityCreateRequire } from 'node:module'; const require = __clarityCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
const child = path.join(childDir, 'import-child.mjs');
for (const sizeMB of sizes) {
  const file = path.join(values.cache, `apple-export-${sizeMB}MB-seed${seed}.xml`);
  if (!existsSync(file)) {
    log(`generating ${file} ...`);
    const t0 = performance.now();
    writeAppleExport(file, { targetBytes: sizeMB * 1e6, seed });
    log(
      `  ${(statSync(file).size / 1e6).toFixed(0)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  }
  const fileBytes = statSync(file).size;
  const commands: Record<string, [string, string[]]> = {
    fast: [process.execPath, [child, 'parse', file]],
    import: [process.execPath, [child, 'import', file]],
    saxes: [process.execPath, [child, 'conforming', file]],
    baseline: ['python3', [path.join(here, 'iterparse_baseline.py'), file]],
  };
  // Rounds interleave the tools, so load from other processes on the machine falls on all of them alike;
  // each tool's best (shortest) round is reported, and its highest peak RSS.
  const best = new Map<string, { records: number; wall: number; cpu: number; peakRssMB: number }>();
  for (let round = 1; round <= repeat; round++) {
    for (const tool of tools) {
      const c = commands[tool];
      if (!c) throw new Error(`unknown tool ${tool}`);
      log(`${sizeMB} MB: ${tool}, round ${round} of ${repeat} ...`);
      const r = runChild(c[0], c[1]);
      const b = best.get(tool);
      best.set(tool, {
        records: r.records,
        wall: Math.min(r.wall, b?.wall ?? Infinity),
        cpu: Math.min(r.cpu, b?.cpu ?? Infinity),
        peakRssMB: Math.max(r.peakRssMB, b?.peakRssMB ?? 0),
      });
    }
  }
  for (const tool of tools) {
    const r = best.get(tool);
    if (r) {
      rows.push({
        sizeMB,
        fileBytes,
        tool,
        records: r.records,
        seconds: r.wall,
        cpuSeconds: r.cpu,
        mbPerCpuSecond: fileBytes / 1e6 / r.cpu,
        mbPerSecond: fileBytes / 1e6 / r.wall,
        peakRssMB: r.peakRssMB,
      });
    }
  }
}

const checks: string[] = [];
let ok = true;
for (const sizeMB of sizes) {
  const at = rows.filter((r) => r.sizeMB === sizeMB);
  const counts = new Set(at.map((r) => r.records));
  if (counts.size !== 1) {
    ok = false;
    checks.push(
      `${sizeMB} MB: record counts differ between tools: ${at.map((r) => `${r.tool} ${r.records}`).join(', ')}`,
    );
  }
  const base = at.find((r) => r.tool === 'baseline');
  for (const tool of ['fast', 'import']) {
    const r = at.find((x) => x.tool === tool);
    if (!base || !r) continue;
    const x = r.mbPerCpuSecond / base.mbPerCpuSecond;
    const xw = r.mbPerSecond / base.mbPerSecond;
    checks.push(
      `${sizeMB} MB: ${tool} is ${x.toFixed(2)}x the baseline's throughput per CPU second (${xw.toFixed(2)}x by wall time) (target >= 3x): ${x >= 3 ? 'met' : 'NOT met'}`,
    );
    if (sizeMB >= 1000) {
      checks.push(
        `${sizeMB} MB: ${tool} peak RSS ${r.peakRssMB.toFixed(0)} MB (target <= 256 MB): ${r.peakRssMB <= 256 ? 'met' : 'NOT met'}`,
      );
    }
  }
}

if (values.json) {
  console.log(JSON.stringify({ seed, node: process.version, rows, checks, recordCountsAgree: ok }, null, 2));
} else {
  const header = [
    'size',
    'tool',
    'records',
    'wall s',
    'MB/s wall',
    'CPU s',
    'MB/CPU-s',
    'peak RSS MB',
    'x baseline (CPU)',
  ];
  const body = rows.map((r) => {
    const base = rows.find((b) => b.sizeMB === r.sizeMB && b.tool === 'baseline');
    return [
      `${(r.fileBytes / 1e6).toFixed(0)} MB`,
      r.tool,
      String(r.records),
      r.seconds.toFixed(2),
      r.mbPerSecond.toFixed(1),
      r.cpuSeconds.toFixed(2),
      r.mbPerCpuSecond.toFixed(1),
      r.peakRssMB.toFixed(0),
      base ? (r.mbPerCpuSecond / base.mbPerCpuSecond).toFixed(2) : '',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const b of body) console.log(line(b));
  console.log('');
  for (const c of checks) console.log(c);
}
if (!ok) process.exitCode = 1;
