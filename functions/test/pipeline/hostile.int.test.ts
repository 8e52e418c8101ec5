/**
 * The hostile corpus (issue 15) through the Storage trigger's handler, on the Firestore emulator: each file,
 * finalized at uploads/{uid}/{uploadId}/{name}, ends with its upload document `rejected` (or `partial`) and a
 * reason naming the limit, the raw object kept. Each file runs in a process of its own
 * (ingest-object-child.ts) under /usr/bin/time, as `clarity import` is measured: the figures are the
 * handler's wall time and the whole process's peak RSS (Node, the Firestore client and the import). They are
 * printed; in npm test (small sizes) the assertions are generous bounds (a file that escaped its limit would
 * run to the trigger's timeout), because the machine is shared; HOSTILE_SCALE=full (npm run test:hostile)
 * runs the full corpus and asserts the budget. HOSTILE_ONLY=type-names,… for some cases only.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, stat } from 'node:fs/promises';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsBlobStore } from '../../src/store/blob-store.ts';
import { adminDb } from '../support/emulators.ts';
import { writeHostileCorpus, type HostileCase } from '@clarity/core/testing/hostile';

const scale = process.env.HOSTILE_SCALE === 'full' ? 'full' : 'small';
const project = 'demo-clarity-hostile';
const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'ingest-object-child.ts');
const time = '/usr/bin/time';
/** The budget, printed against each file's figures. */
const budget = { seconds: 10, rssMb: 256 };
let dir: string;
let blobs: FsBlobStore;
let cases: HostileCase[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'clarity-hostile-trigger-'));
  // HOSTILE_ONLY=name,name runs those cases only (to measure one file again).
  const only = process.env.HOSTILE_ONLY?.split(',');
  cases = (await writeHostileCorpus(path.join(dir, 'corpus'), scale)).filter(
    (c) => !only || only.includes(c.name),
  );
  blobs = new FsBlobStore(path.join(dir, 'blobs'));
}, 600_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface ChildRun {
  code: number | null;
  /** The handler's own wall time (the child's start-up excluded). */
  seconds: number;
  /** Peak RSS of the whole child process. */
  rssMb: number;
  kind: string | undefined;
  output: string;
}

function runChild(name: string, size: number): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const p = spawn(
      time,
      ['-f', 'CLARITY_TIME %e %M', process.execPath, child, project, blobs.root, name, String(size)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      const t = /CLARITY_TIME ([\d.]+) (\d+)/.exec(err);
      const r = /INGEST_RESULT (\{.*\})/.exec(out);
      const result = r ? (JSON.parse(r[1] as string) as { kind: string; seconds: number }) : undefined;
      resolve({
        code,
        seconds: result?.seconds ?? NaN,
        rssMb: Number(t?.[2] ?? NaN) / 1024,
        kind: result?.kind,
        output: `${out.slice(-2000)}\n${err.slice(-2000)}`,
      });
    });
  });
}

describe(`hostile corpus through the Storage trigger (${scale})`, () => {
  it('each upload ends rejected or partial with the limit as its reason, in time and memory', async () => {
    expect(existsSync(time), `${time} measures the child's peak RSS`).toBe(true);
    const uid = `hostile-${randomUUID().slice(0, 8)}`;
    const lines: string[] = [];
    for (const c of cases) {
      const uploadId = c.name;
      const name = `uploads/${uid}/${uploadId}/${path.basename(c.file)}`;
      // Placed as the Storage SDK would finalize it (copied, never read into memory here).
      await mkdir(path.dirname(path.join(blobs.root, name)), { recursive: true });
      await copyFile(c.file, path.join(blobs.root, name));
      const size = (await stat(c.file)).size;
      const run = await runChild(name, size);
      const doc = (await adminDb(project).doc(`users/${uid}/uploads/${uploadId}`).get()).data() ?? {};
      const error = doc.error as { code: string; message: string } | null;
      const within = run.seconds < budget.seconds && run.rssMb < budget.rssMb ? 'within' : 'OVER';
      const line =
        `${c.name}: ${String(doc.status)} in ${run.seconds.toFixed(2)} s, peak RSS ${run.rssMb.toFixed(0)} MB ` +
        `(${within} ${budget.seconds} s / ${budget.rssMb} MB): ${error?.message ?? ''}`;
      lines.push(line);
      console.log(line); // as it goes: a long full-size run shows each file when it ends
      expect(run.code, `${c.name}: ${run.output}`).toBe(0);
      expect(run.kind, c.name).toBe('done');
      expect(['rejected', 'partial'], `${c.name}: ${String(doc.status)}`).toContain(doc.status);
      expect(error?.message ?? '', c.name).toMatch(c.expect);
      // In npm test: bounded, not fast (a file that escaped its limit would run until the trigger's 540 s
      // timeout; a busy machine must not fail it). The full-size run (npm run test:hostile) is the budget
      // check itself, run on its own: there the 10 s / 256 MB are asserted.
      expect(run.seconds, c.name).toBeLessThan(scale === 'full' ? budget.seconds : 120);
      expect(run.rssMb, c.name).toBeLessThan(scale === 'full' ? budget.rssMb : 2 * budget.rssMb);
      expect(
        await blobs.exists(`raw/${uid}/${uploadId}/${path.basename(c.file)}`),
        `${c.name}: raw kept`,
      ).toBe(true);
    }
    console.log(`hostile corpus through the Storage trigger (${scale}):\n${lines.join('\n')}`);
  }, 1_800_000);
});
