import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  burnRateAlerts,
  metricAlerts,
  opsMetrics,
  rollingPeriodDays,
  slos,
} from '../monitoring/definitions.ts';
import { deployDir, monitoringDir, renderAll, staleFiles } from '../monitoring/generate.ts';
import { resourceSchemas, validateTerraform } from '../monitoring/provider-schema.ts';
import { windowSeconds } from '../monitoring/render.ts';

const read = (name: string, dir = monitoringDir): unknown =>
  JSON.parse(readFileSync(join(dir, name), 'utf8'));
const tfFiles = (dir = monitoringDir): Record<string, unknown> =>
  Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith('.tf.json'))
      .map((f) => [f, read(f, dir)]),
  );
type Resources = Record<string, Record<string, Record<string, unknown>>>;
const resources = (): Resources =>
  Object.assign(
    {},
    ...Object.values(tfFiles()).map((f) => (f as { resource?: Resources }).resource ?? {}),
  ) as Resources;

describe('deploy/monitoring: generated from definitions.ts', () => {
  it('the checked-in files are exactly what the generator writes (run npm run monitoring:generate)', async () => {
    expect(await staleFiles()).toEqual([]);
    const onDisk = ['monitoring', 'lifecycle'].flatMap((d) =>
      readdirSync(join(deployDir, d))
        .filter((f) => f.endsWith('.json'))
        .map((f) => `${d}/${f}`),
    );
    expect(onDisk.sort()).toEqual(Object.keys(renderAll()).sort());
  });

  it('every resource passes the written-down provider schema (the stand-in for terraform fmt/validate)', () => {
    expect(validateTerraform(tfFiles())).toEqual([]);
  });

  it('carries each SLO with its goal and threshold from the one definition', () => {
    const r = resources();
    const generated = r.google_monitoring_slo ?? {};
    expect(Object.keys(generated)).toHaveLength(slos.length);
    for (const s of slos) {
      const body = generated[s.id.replace(/-/g, '_')] as Record<string, unknown>;
      expect(body.goal).toBe(s.goal);
      expect(body.rolling_period_days).toBe(rollingPeriodDays);
      if (s.sli.kind !== 'availability') {
        expect(JSON.stringify(body)).toContain(`"range":{"max":${s.sli.thresholdMs}}`);
      }
    }
    // The minimum the issue asks for.
    const byId = Object.fromEntries(slos.map((s) => [s.id, s]));
    expect(byId['api-availability']?.goal).toBe(0.999);
    expect(byId['upload-to-insight']).toMatchObject({ goal: 0.99, sli: { thresholdMs: 300_000 } });
    expect(byId['api-latency']?.sli.kind).toBe('latency');
    expect(byId['inference-availability']?.sli.kind).toBe('availability');
    expect(byId['inference-latency']).toMatchObject({ goal: 0.99, sli: { kind: 'latency' } });
  });

  it('alerts every SLO with multi-window burn rates whose long window spends the stated budget', () => {
    for (const a of burnRateAlerts) {
      const spent = (a.burnRate * windowSeconds(a.longWindow)) / (rollingPeriodDays * 86_400);
      expect(spent).toBeCloseTo(a.budgetSpent, 6);
      expect(windowSeconds(a.shortWindow)).toBeLessThanOrEqual(windowSeconds(a.longWindow) / 6);
    }
    const policies = Object.values(resources().google_monitoring_alert_policy ?? {});
    const burn = policies.filter((p) => JSON.stringify(p).includes('select_slo_burn_rate'));
    expect(burn).toHaveLength(slos.length * burnRateAlerts.length);
    for (const p of burn) {
      expect(p.combiner).toBe('AND');
      const conditions = p.conditions as { condition_threshold: { filter: string } }[];
      expect(conditions.map((c) => /"(\d+)s"\)$/.exec(c.condition_threshold.filter)?.[1])).toHaveLength(2);
    }
    expect(policies).toHaveLength(burn.length + metricAlerts.length);
  });

  it('defines a log-based metric for every catalogue entry, each event emitted by the code or marked pending', () => {
    const logMetrics = resources().google_logging_metric ?? {};
    const source = ['../../functions/src', '../../inference-run/src']
      .flatMap((dir) =>
        readdirSync(join(monitoringDir, dir), { recursive: true, encoding: 'utf8' })
          .filter((f) => f.endsWith('.ts'))
          .map((f) => readFileSync(join(monitoringDir, dir, f), 'utf8')),
      )
      .join('\n');
    const missing: string[] = [];
    for (const m of Object.values(opsMetrics)) {
      expect(logMetrics[m.name]).toBeDefined();
      if ('pending' in m) continue;
      for (const event of m.events) {
        const needle = event.startsWith('*') ? `}${event.slice(1)}\`` : `'${event}'`;
        if (!source.includes(needle)) missing.push(`${m.name}: ${event}`);
      }
      if ('valueField' in m && !source.includes(`${m.valueField}:`))
        missing.push(`${m.name}: ${m.valueField}`);
    }
    expect(missing).toEqual([]);
  });

  it('lays the dashboard out on the 48-column grid without overlaps', () => {
    const d = read('dashboard.json') as {
      mosaicLayout: {
        columns: number;
        tiles: { xPos: number; yPos: number; width: number; height: number }[];
      };
    };
    const taken = new Set<string>();
    for (const t of d.mosaicLayout.tiles) {
      expect(t.xPos + t.width).toBeLessThanOrEqual(d.mosaicLayout.columns);
      for (let x = t.xPos; x < t.xPos + t.width; x++) {
        for (let y = t.yPos; y < t.yPos + t.height; y++) {
          expect(taken.has(`${x},${y}`)).toBe(false);
          taken.add(`${x},${y}`);
        }
      }
    }
    expect(d.mosaicLayout.tiles.length).toBeGreaterThanOrEqual(Object.keys(opsMetrics).length);
  });
});

describe('deploy/monitoring: the schema check catches mistakes', () => {
  const slo = {
    service: '${google_monitoring_custom_service.s.service_id}',
    slo_id: 'x',
    goal: 0.99,
    request_based_sli: { distribution_cut: { distribution_filter: 'f', range: { max: 1 } } },
  };
  const mod = (extra: Record<string, unknown>) => ({
    'a.tf.json': {
      resource: {
        google_monitoring_custom_service: { s: { service_id: 's' } },
        google_monitoring_slo: { x: { ...slo, ...extra } },
      },
    },
  });

  it('accepts a well-formed module', () => {
    expect(validateTerraform(mod({}))).toEqual([]);
  });
  it('rejects unknown arguments, bad enums, out-of-range goals and dangling references', () => {
    expect(validateTerraform(mod({ goall: 1 }))).toEqual([
      'a.tf.json: google_monitoring_slo.x: unknown argument goall',
    ]);
    expect(validateTerraform(mod({ goal: 99.9 }))[0]).toMatch(/goal 99.9 not in \(0, 1\)/);
    expect(validateTerraform(mod({ calendar_period: 'YEAR' }))[0]).toMatch(/YEAR not one of/);
    expect(validateTerraform(mod({ service: '${google_monitoring_custom_service.t.service_id}' }))).toEqual([
      'reference to undeclared google_monitoring_custom_service.t',
    ]);
    expect(validateTerraform(mod({ windows_based_sli: {} }))[0]).toMatch(/exactly one of/);
  });
  it('rejects a missing required argument and a resource type nobody wrote down', () => {
    const { goal: _goal, ...noGoal } = slo;
    expect(
      validateTerraform({
        'a.tf.json': {
          resource: {
            google_monitoring_custom_service: { s: {} },
            google_monitoring_slo: { x: noGoal },
            google_compute_instance: { vm: {} },
          },
        },
      }),
    ).toEqual([
      'a.tf.json: google_monitoring_slo.x: missing required goal',
      'a.tf.json: resource type google_compute_instance not in the written-down schema',
    ]);
    expect(Object.keys(resourceSchemas)).toContain('google_monitoring_alert_policy');
  });
});
