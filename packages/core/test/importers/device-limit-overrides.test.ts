/**
 * The named limits reach the device readers too (issue 15): `clarity import --limit NAME=VALUE` and the
 * Storage trigger's IMPORT_LIMITS go through `readDeviceUpload(file, kind, { limits })`, the one read that
 * both use, into the AWD, .agd, ActiLife CSV and Fitbit readers. A lowered limit stops a real file of
 * ../shared/data that passes by default, naming the limit; a raised one lets a generated file pass that the
 * defaults refuse.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readDeviceUpload } from '../../src/importers/device/read.ts';
import { defaultImportLimits, importLimits, isLimitError } from '../../src/importers/limits.ts';
import { runCliCaptured } from '../support/run-cli.ts';
import { sharedData } from '../support/shared-data.ts';

const awd = sharedData('actigraphy', 'actiwatch_awd', 'example_01.AWD'); // 18 401 epochs of 60 s: 12.8 days
const agd = sharedData('actigraphy', 'actilife_gt3xplus', 'GT3XPlus-RawData-Day01.agd'); // 10-s epochs, ~25 h
const csv = sharedData('actigraphy', 'actilife_gt3xplus', 'GT3XPlus-RawData-Day01.csv'); // 8 999 rows of 10 s
const fitbit = sharedData('fitbit_fitabase', 'minuteStepsWide_merged.csv'); // ~31 days per participant
const subject = '1503960366';

const dir = mkdtempSync(path.join(tmpdir(), 'clarity-device-limits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A tidy count CSV of 5-min epochs whose third row comes `days` after the first: nearly all of it a gap. */
function sparseRows(days: number): string {
  const file = path.join(dir, `sparse-${days}.csv`);
  const t0 = Date.UTC(2020, 0, 1);
  const row = (ms: number, v: number) => `${new Date(ms).toISOString().slice(0, 19)},${v}\n`;
  writeFileSync(
    file,
    `timestamp,axis1\n${row(t0, 10)}${row(t0 + 300_000, 20)}${row(t0 + days * 86_400_000, 30)}`,
  );
  return file;
}

async function importCli(file: string, ...args: string[]) {
  return runCliCaptured(['import', file, '--json', ...args]);
}

describe('limit overrides in the device readers', () => {
  it('a lowered limit stops a real file that passes with the defaults, naming the limit', async () => {
    const cases: { file: string; args: string[]; limit: RegExp }[] = [
      { file: awd, args: ['--limit', 'maxSpanDays=7'], limit: /\(limit maxSpanDays = 7\)/ },
      { file: awd, args: ['--limit', 'maxEpochs=1000'], limit: /\(limit maxEpochs = 1000\)/ },
      { file: agd, args: ['--limit', 'maxSpanDays=0.5'], limit: /\(limit maxSpanDays = 0.5\)/ },
      { file: csv, args: ['--limit', 'maxEpochs=5000'], limit: /\(limit maxEpochs = 5000\)/ },
      { file: csv, args: ['--limit', 'maxLineChars=40'], limit: /\(limit maxLineChars = 40\)/ },
      {
        file: fitbit,
        args: ['--subject', subject, '--limit', 'maxSpanDays=10'],
        limit: /\(limit maxSpanDays = 10\)/,
      },
      // Without --subject the CLI summarises every participant: the same limits apply.
      { file: fitbit, args: ['--limit', 'maxEpochs=20000'], limit: /\(limit maxEpochs = 20000\)/ },
    ];
    for (const c of cases) {
      const plain = await importCli(
        c.file,
        ...c.args.filter((a, i, all) => a !== '--limit' && all[i - 1] !== '--limit'),
      );
      expect(plain.code, `${path.basename(c.file)} with the defaults: ${plain.err}`).toBe(0);
      const low = await importCli(c.file, ...c.args);
      expect(low.code, `${path.basename(c.file)} ${c.args.join(' ')}`).toBe(2);
      expect(low.err, `${path.basename(c.file)} ${c.args.join(' ')}`).toMatch(c.limit);
      expect(low.err.trim().split('\n')).toHaveLength(1);
    }
  });

  it('a raised limit lets a generated file pass that the defaults refuse', async () => {
    const file = sparseRows(1200); // over maxSpanDays (3 x 366); 345 601 epochs, under maxEpochs
    const plain = await importCli(file);
    expect(plain.code).toBe(2);
    expect(plain.err).toMatch(
      new RegExp(`would span 1200 days \\(limit maxSpanDays = ${defaultImportLimits.maxSpanDays}\\)`),
    );
    const raised = await importCli(file, '--limit', 'maxSpanDays=1500');
    expect(raised.code, raised.err).toBe(0);
    const r = JSON.parse(raised.out) as { epochs: number; missing: number; epochSeconds: number };
    expect(r.epochSeconds).toBe(300);
    expect(r.epochs).toBe(1200 * 288 + 1);
    expect(r.missing).toBe(1200 * 288 + 1 - 3);
    // Raised span, lowered epochs: the epoch limit still holds.
    const both = await importCli(file, '--limit', 'maxSpanDays=1500,maxEpochs=100000');
    expect(both.err).toMatch(/\(limit maxEpochs = 100000\)/);
  });

  it('readDeviceUpload (the read of clarity import and the Storage trigger) applies the limits it is given', async () => {
    await expect(readDeviceUpload(awd, 'awd')).resolves.toMatchObject({ format: 'awd' });
    const refused = await readDeviceUpload(awd, 'awd', { limits: importLimits({ maxSpanDays: 7 }) }).catch(
      (e: unknown) => e,
    );
    expect(isLimitError(refused)).toBe(true);
    expect((refused as Error).message).toMatch(/AWD line \d+: the recording would span more than 7 days/);
    for (const [file, kind] of [
      [agd, 'agd'],
      [csv, 'actilife-csv'],
    ] as const) {
      const e = await readDeviceUpload(file, kind, { limits: importLimits({ maxEpochs: 100 }) }).catch(
        (x: unknown) => x,
      );
      expect(isLimitError(e), kind).toBe(true);
    }
    const f = await readDeviceUpload(fitbit, 'fitbit-minute', {
      subject,
      limits: importLimits({ maxSpanDays: 10 }),
    }).catch((x: unknown) => x);
    expect(isLimitError(f)).toBe(true);
  });

  it('README-import.md lists every limit with its default', () => {
    const readme = readFileSync(path.join(import.meta.dirname, '../../README-import.md'), 'utf8');
    const rows = new Map(
      [...readme.matchAll(/^\| `(\w+)`\s*\| (\d+)/gm)].map((m) => [m[1], Number(m[2])] as const),
    );
    expect(Object.fromEntries(rows)).toEqual({ ...defaultImportLimits });
  });
});
