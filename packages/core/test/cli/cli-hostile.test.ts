/**
 * The hostile corpus through `clarity import` (issue 15). Each crafted file must end, rejected or partial,
 * in under 10 s with a peak RSS under 256 MB (measured by /usr/bin/time on the child process), with exit
 * status 2 and ONE clear line on stderr naming the limit (or the parse rule) that stopped it.
 * Small sizes here (npm test); HOSTILE_SCALE=full (npm run test:hostile) writes the full-size corpus.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeHostileCorpus, type HostileCase, type Scale } from '../support/hostile-corpus.ts';

const scale: Scale = process.env.HOSTILE_SCALE === 'full' ? 'full' : 'small';
const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/clarity.js');
const time = '/usr/bin/time';
const budget = { seconds: 10, rssKb: 256 * 1024 };
/**
 * Wall time depends on what else the machine runs (a busy CI machine took 7.7 s for one small file), so the
 * time budget is asserted in the full-size run (`npm run test:hostile`) and printed within/OVER here; in
 * `npm test` the assertion is a bound that still catches a real blow-up (an endless loop, epochs
 * materialised one by one), not the 10 s figure. Peak RSS does not move with load: asserted in both.
 */
const timeBound = scale === 'full' ? budget.seconds : 60;

let dir: string;
let cases: HostileCase[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), `clarity-hostile-${scale}-`));
  cases = await writeHostileCorpus(dir, scale);
}, 600_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(file: string): Promise<{ code: number | null; stderr: string; seconds: number; rssKb: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(time, ['-f', 'CLARITY_TIME %e %M', process.execPath, cli, 'import', file], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const m = /CLARITY_TIME ([\d.]+) (\d+)/.exec(err);
      const stderr = err
        .split('\n')
        .filter(
          (l) =>
            l &&
            !l.startsWith('CLARITY_TIME') &&
            !/ExperimentalWarning|--trace-warnings|Command exited/.test(l),
        )
        .join('\n');
      resolve({ code, stderr, seconds: Number(m?.[1] ?? NaN), rssKb: Number(m?.[2] ?? NaN) });
    });
  });
}

describe(`hostile corpus through clarity import (${scale})`, () => {
  it('covers every class of the issue', () => {
    expect(cases.map((c) => c.name).sort()).toEqual(
      [
        'agd-gap',
        'csv-gap',
        'deep',
        'entity-big',
        'entity-many',
        'entity-nested',
        'fitbit-gap',
        'huge-attribute',
        'huge-line',
        'many-attributes',
        'metadata-keys',
        'type-name-long',
        'type-names',
        'zip-bomb',
        'zip-entries',
      ].sort(),
    );
  });

  it('each file ends rejected or partial within the time and memory budgets, with one clear line', async () => {
    expect(existsSync(time), `${time} measures the child's peak RSS`).toBe(true);
    const results: string[] = [];
    // One at a time: the budgets are per process, and the machine is shared.
    for (let i = 0; i < cases.length; i += 1) {
      const batch = cases.slice(i, i + 1);
      const rs = await Promise.all(batch.map((c) => run(c.file)));
      batch.forEach((c, k) => {
        const r = rs[k]!;
        const within = r.seconds < budget.seconds && r.rssKb < budget.rssKb ? 'within' : 'OVER';
        results.push(
          `${c.name}: ${r.seconds} s, ${Math.round(r.rssKb / 1024)} MB (${within} 10 s / 256 MB): ${r.stderr}`,
        );
        expect(r.code, `${c.name}: ${r.stderr}`).toBe(2);
        expect(r.stderr.split('\n'), c.name).toHaveLength(1);
        expect(r.stderr, c.name).toMatch(/^clarity import: /);
        expect(r.stderr, c.name).toMatch(c.expect);
        expect(r.seconds, c.name).toBeLessThan(timeBound);
        expect(r.rssKb, c.name).toBeLessThan(budget.rssKb);
      });
    }
    console.log(results.join('\n'));
  }, 600_000);
});
