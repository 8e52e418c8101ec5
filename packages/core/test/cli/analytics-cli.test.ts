import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCliCaptured } from '../support/run-cli.ts';
import { describe, expect, it } from 'vitest';
import { sharedData } from '../support/shared-data.ts';
import { GT3X, local, readReferenceCsv } from '../support/actilife-reference.ts';

const cli = (...argv: string[]) => runCliCaptured(argv);

const gt3x = (f: string) => sharedData('actigraphy', 'actilife_gt3xplus', f);
const awd = (i: number) => sharedData('actigraphy', 'actiwatch_awd', `example_0${i}.AWD`);

describe('clarity score', () => {
  it('--format csv prints timestamp,activity,sleep and matches ActiLife on every epoch (Cole-Kripke and Sadeh)', async () => {
    for (const [algorithm, ref] of [
      ['cole-kripke', '-ColeKripke.csv'],
      ['sadeh', '-Sadeh.csv'],
    ] as const) {
      const r = await cli(
        'score',
        gt3x(GT3X('-10sec60sec.csv')),
        '--algorithm',
        algorithm,
        '--format',
        'csv',
      );
      expect(r.code).toBe(0);
      const lines = r.out.trim().split('\n');
      expect(lines[0]).toBe('timestamp,activity,sleep');
      expect(lines).toHaveLength(1501);
      expect(lines[1]).toBe('2012-06-27T10:54:00,1465,0');
      const expected = readReferenceCsv(GT3X(ref)).map((row) => (row['Sleep or Awake?'] === 'S' ? '1' : '0'));
      expect(lines.slice(1).map((l) => l.split(',')[2])).toEqual(expected);
    }
  });

  it('sums 10-s epochs to 60 s, and runs oakley (auto threshold), scripps and --rescore', async () => {
    const ten = await cli('score', gt3x(GT3X('.csv')), '--format', 'csv');
    expect(ten.out.trim().split('\n')).toHaveLength(1501);
    for (const args of [
      ['--algorithm', 'oakley', '--threshold', 'auto'],
      ['--algorithm', 'scripps'],
      ['--rescore'],
    ]) {
      const r = await cli('score', awd(2), '--format', 'csv', ...args);
      expect(r.code).toBe(0);
      const rows = r.out.trim().split('\n');
      expect(rows).toHaveLength(18413 + 1);
      expect(rows.slice(1).every((l) => /^1918-\d\d-\d\dT\d\d:\d\d:00,\d+(\.\d+)?,[01]$/.test(l))).toBe(true);
    }
    const json = JSON.parse(
      (await cli('score', awd(2), '--algorithm', 'oakley', '--threshold', 'auto', '--format', 'json')).out,
    ) as { provenance: { parameters: { threshold: number } } };
    expect(json.provenance.parameters.threshold).toBeGreaterThan(0);
  });

  it('prints a human-readable table by default and help with --help', async () => {
    const r = await cli('score', gt3x(GT3X('-10sec60sec.csv')));
    expect(r.out).toMatch(/cole-kripke-1992 \(actilife\), 1500 epochs of 60 s/);
    expect(r.out).toMatch(/2012-06-27 10:54 +1465 +wake/);
    const h = await cli('score', '--help');
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/^Usage: clarity score FILE/);
  });

  it('bad input: one clear line and exit status 2', async () => {
    const missing = await cli('score', '/nonexistent/file.AWD');
    expect(missing).toMatchObject({ code: 2, out: '' });
    expect(missing.err).toBe('clarity score: cannot read /nonexistent/file.AWD: no such file\n');
    const dir = mkdtempSync(path.join(tmpdir(), 'clarity-cli-'));
    const bad = path.join(dir, 'bad.AWD');
    writeFileSync(bad, 'x\r\n01-Jan-2020\r\n00:00\r\n4\r\n0\r\nS\r\nX\r\n1\r\n2\r\ntwo\r\n');
    const r = await cli('score', bad);
    expect(r.code).toBe(2);
    expect(r.err).toBe('clarity score: AWD line 10: expected a non-negative activity count\n');
    expect((await cli('score', awd(1), '--algorithm', 'nope')).err).toMatch(/--algorithm must be one of/);
    expect((await cli('score', awd(1), '--threshold', 'auto')).err).toMatch(/only for the Oakley/);
  });
});

describe('clarity sleep', () => {
  it('--json prints the Tudor-Locke period equal to ActiLife\'s "Tudor-Locke Default" row', async () => {
    const r = await cli('sleep', gt3x(GT3X('-10sec60sec.csv')), '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as {
      periods: Record<string, number | string>[];
      provenance: { parameters: Record<string, unknown> };
    };
    const ref = readReferenceCsv(GT3X('-sleep-periods.csv')).find(
      (x) => x.period_algorithm === 'Tudor-Locke Default',
    )!;
    expect(j.periods).toHaveLength(1);
    const p = j.periods[0]!;
    expect(p.inBed).toBe(local(ref.in_bed_time!));
    expect(p.outBed).toBe(local(ref.out_bed_time!));
    expect(p.totalSleepMinutes).toBe(Number(ref.total_sleep_time));
    expect(p.wasoMinutes).toBe(Number(ref.wake_after_onset));
    expect(p.awakenings).toBe(Number(ref.nb_awakenings));
    expect(p.efficiency as number).toBeCloseTo(Number(ref.efficiency), 2);
    expect(p.movementIndex as number).toBeCloseTo(Number(ref.movement_index), 3);
    expect(p.fragmentationIndex as number).toBeCloseTo(Number(ref.fragmentation_index), 3);
    expect(j.provenance.parameters).toMatchObject({
      bedtimeStartMinutes: 5,
      wakeTimeEndMinutes: 10,
      minSleepMinutes: 160,
      maxSleepMinutes: 1440,
    });
  });

  it('reports diary-window metrics and a readable table', async () => {
    const r = await cli(
      'sleep',
      gt3x(GT3X('-10sec60sec.csv')),
      '--in-bed',
      '2012-06-27T23:30',
      '--out-bed',
      '2012-06-28T08:00',
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/2012-06-28 00:03 +2012-06-28 07:38 +455 +442 +13 +97\.14/);
    expect(r.out).toMatch(/SOL \(min\) +3/);
  });
});

describe('clarity summary', () => {
  for (const i of [1, 2, 3, 4, 5]) {
    it(`runs on example_0${i}.AWD with non-wear masked before circadian metrics`, async () => {
      const r = await cli('summary', awd(i), '--json');
      expect(r.code).toBe(0);
      const s = JSON.parse(r.out) as {
        kind: string;
        epochs: { count: number; epochSeconds: number };
        nonWear: { periods: unknown[]; minutes: number };
        scoring: Record<string, { sleepPercent: number }>;
        sleep: { periods: unknown[]; midpoint: { clock: string }; regularity: { sri: number } };
        circadian: {
          IS: number;
          IV: number;
          L5: number;
          M10: number;
          RA: number;
          nonWearMasked: string;
          params: Record<string, unknown>;
        };
      };
      expect(s.kind).toBe('actigraphy');
      expect(s.epochs.count).toBe([18401, 18413, 21456, 31299, 21703][i - 1]);
      expect(s.nonWear.periods.length).toBeGreaterThan(0);
      for (const a of ['cole-kripke', 'sadeh', 'scripps', 'oakley'])
        expect(s.scoring[a]!.sleepPercent).toBeGreaterThan(10);
      expect(s.sleep.periods.length).toBeGreaterThan(3);
      expect(s.sleep.midpoint.clock).toMatch(/^\d\d:\d\d$/);
      expect(s.circadian.nonWearMasked).toMatch(/choi-2011/);
      expect(s.circadian.IS).toBeGreaterThan(0);
      expect(s.circadian.IS).toBeLessThanOrEqual(1);
      expect(s.circadian.RA).toBeGreaterThan(0);
      expect(s.circadian.M10).toBeGreaterThan(s.circadian.L5);
    });
  }

  it('summarises an NN-interval file as HRV', async () => {
    const r = await cli('summary', sharedData('hrv', 'hrvanalysis_test_nn_intervals.txt'), '--json');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out) as { kind: string; hrv: { n: number; sdnn: number } };
    expect(s.kind).toBe('nn-intervals');
    expect(s.hrv.n).toBe(1000);
    expect(s.hrv.sdnn).toBeCloseTo(43.113, 3);
  });

  it('has a readable default and --help', async () => {
    const r = await cli('summary', gt3x(GT3X('-10sec60sec.csv')));
    expect(r.out).toMatch(/non-wear \(Choi\) +1 periods, 157 min/);
    expect(r.out).toMatch(/Circadian \(non-wear masked\)/);
    expect((await cli('summary', '--help')).out).toMatch(/^Usage: clarity summary FILE/);
  });
});

describe('the clarity bin as a real subprocess', () => {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
  const bin = path.join(root, 'packages/core/bin/clarity.js');

  it('scores an AWD to CSV and summarises an .agd without warnings on stderr', () => {
    const out = execFileSync(
      process.execPath,
      [bin, 'score', awd(5), '--algorithm', 'sadeh', '--format', 'csv'],
      { encoding: 'utf8', maxBuffer: 64 << 20 },
    );
    const lines = out.trim().split('\n');
    expect(lines[0]).toBe('timestamp,activity,sleep');
    expect(lines).toHaveLength(21703 + 1);
    expect(lines[1]!.startsWith('1918-01-30T11:15:00,')).toBe(true);
    const agd = spawnSync(process.execPath, [bin, 'summary', gt3x(GT3X('.agd')), '--json'], {
      encoding: 'utf8',
    });
    expect(agd.status).toBe(0);
    expect(agd.stderr).toBe('');
    expect((JSON.parse(agd.stdout) as { epochs: { epochSeconds: number } }).epochs.epochSeconds).toBe(10);
  });

  it('exits 2 with one line on a truncated AWD', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'clarity-bin-'));
    const f = path.join(dir, 'short.AWD');
    writeFileSync(f, 'name\r\n01-Jan-2020\r\n');
    const r = spawnSync(process.execPath, [bin, 'summary', f], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('clarity summary: AWD line 2: header is truncated: 2 of 7 lines\n');
  });
});

describe('progress on stderr', () => {
  it('is drawn only when stderr is a terminal', async () => {
    const { loadForCli } = await import('../../src/cli/input.ts');
    for (const tty of [true, false]) {
      let err = '';
      const io = { stdout: () => undefined, stderr: (t: string) => (err += t), stderrIsTTY: tty };
      const loaded = await loadForCli(awd(1), io, 'axis1', 0);
      expect(loaded.kind).toBe('epochs');
      expect(err).toBe(tty ? '\rreading example_01.AWD: 100%\n' : '');
    }
  });
});

describe('option and file-kind checks', () => {
  it('oakley accepts Actiware threshold names; other scorers refuse them', async () => {
    const high = JSON.parse(
      (await cli('score', awd(3), '--algorithm', 'oakley', '--threshold', 'high', '--format', 'json')).out,
    ) as { sleep: number; provenance: { parameters: { threshold: number } } };
    const low = JSON.parse(
      (await cli('score', awd(3), '--algorithm', 'oakley', '--threshold', 'low', '--format', 'json')).out,
    ) as { sleep: number; provenance: { parameters: { threshold: number } } };
    expect(high.provenance.parameters.threshold).toBe(80);
    expect(low.provenance.parameters.threshold).toBe(20);
    // A higher wake threshold scores more sleep.
    expect(high.sleep).toBeGreaterThan(low.sleep);
    expect((await cli('score', awd(3), '--threshold', 'high')).err).toMatch(/only for the Oakley algorithm/);
  });

  it('score refuses an NN-interval file with a pointer to hrv/summary', async () => {
    const r = await cli('score', sharedData('hrv', 'hrvanalysis_test_nn_intervals.txt'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/holds NN intervals, not activity counts; use clarity hrv or clarity summary/);
  });
});
