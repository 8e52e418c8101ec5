/**
 * The drift reference built from the five real Actiwatch recordings (model:reference), then the model server
 * watching its inputs: the same recordings stay under the PSI threshold; the same weeks with every count
 * multiplied by 3 (a device or importer scaling change) raise the drift metric and the input_drift log event.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAT_SEQUENCE_MINUTES, type LogEntry } from '@clarity/core';
import { DriftMonitor } from '../../src/models/drift.ts';
import { jsonLogger } from '../../src/server/logger.ts';
import { startServer, type RunningServer } from '../../src/server/start.ts';
import { recordingMinutes } from '../../tools/recordings.ts';
import { weeksOf, writeReference } from '../../tools/reference.ts';
import { writeStandin } from '../../tools/standin.ts';
import { loadManifest } from '../../tools/train-head.ts';
import { tempDir } from '../support/cache.ts';
import { metricValue, post } from '../support/servers.ts';

const awdDir = join(import.meta.dirname, '../../../../shared/data/actigraphy/actiwatch_awd');
const awd = readdirSync(awdDir)
  .filter((f) => f.endsWith('.AWD'))
  .map((f) => join(awdDir, f));
const root = tempDir('drift');
const model = join(root, 'pat-s');
const weeks: Float64Array[] = [];
let server: RunningServer | undefined;
const logged: LogEntry[] = [];

const toWire = (w: Float64Array, factor: number): (number | null)[] =>
  Array.from(w, (v) => (Number.isNaN(v) ? null : v * factor));

beforeAll(async () => {
  await writeStandin({ size: 's', out: model });
  for (const f of awd) weeks.push(...weeksOf(await recordingMinutes(f)));
}, 120_000);

afterAll(async () => {
  await server?.shutdown();
});

describe('model:reference from the five .AWD recordings', () => {
  it('writes per-minute-of-week statistics, PSI bins and sha256s into the manifest', async () => {
    expect(awd).toHaveLength(5);
    const r = await writeReference(model, awd);
    expect(r.drift.source).toMatchObject({ recordings: 5, weeks: weeks.length });
    expect(r.drift.source?.sha256).toHaveLength(5);
    expect(r.drift.perMinute?.mean).toHaveLength(PAT_SEQUENCE_MINUTES);
    expect(r.drift.perMinute?.count.every((c) => c <= weeks.length)).toBe(true);
    expect(r.drift.fractions.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(r.drift.psiAlert).toBe(0.2);
    expect(r.selfPsi).toBeLessThan(1e-9);
  });

  it('the monitor stays quiet on the reference recordings and fires once on counts x 3', async () => {
    const reference = (await loadManifest(model)).drift!;
    const fired: number[] = [];
    const same = new DriftMonitor(reference, { onDrift: (e) => fired.push(e.psi) });
    for (const w of weeks) same.observe(toWire(w, 1));
    expect(same.stats().psi).toBeLessThan(0.01);
    expect(fired).toEqual([]);
    const scaled = new DriftMonitor(reference, { onDrift: (e) => fired.push(e.psi) });
    for (const w of weeks) scaled.observe(toWire(w, 3));
    expect(scaled.stats().psi).toBeGreaterThan(0.2);
    expect(fired).toHaveLength(1);
  });

  it(
    'the server raises inference_input_drift and logs input_drift for a drifted input',
    { timeout: 120_000 },
    async () => {
      server = await startServer({
        models: model,
        port: 0,
        host: '127.0.0.1',
        threads: 1,
        logger: jsonLogger((line) => logged.push(JSON.parse(line) as LogEntry)),
      });
      await server.ready;
      let text = await (await fetch(`${server.url}/metrics`)).text();
      expect(metricValue(text, 'inference_input_drift')).toBe(0);
      const drifted = await post(`${server.url}/v1/embed`, {
        sequences: [0, 1, 2].map((i) => ({ values: toWire(weeks[i % weeks.length]!, 3) })),
      });
      expect(drifted.status).toBe(200);
      text = await (await fetch(`${server.url}/metrics`)).text();
      expect(metricValue(text, 'inference_input_psi')).toBeGreaterThan(0.2);
      expect(metricValue(text, 'inference_input_drift')).toBe(1);
      expect(metricValue(text, 'inference_input_drift_alerts_total')).toBe(1);
      const events = logged.filter((e) => e.event === 'input_drift');
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ severity: 'WARNING', threshold: 0.2 });
    },
  );
});
