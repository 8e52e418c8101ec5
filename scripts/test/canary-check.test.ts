import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canaryPolicy } from '../../deploy/monitoring/definitions.ts';
import { decide, main, parseArgs, quantile, revisionStats, type Recorded } from '../canary-check.ts';

const dir = join(import.meta.dirname, 'fixtures/canary');
const stable = 'inference-run-00042-abc';
const canary = 'inference-run-00043-def';

async function run(fixture: string): Promise<{ code: number; out: { decision: string; reasons: string[] } }> {
  const lines: string[] = [];
  const code = await main(
    ['--fixture', join(dir, `${fixture}.json`), '--canary', canary, '--stable', stable],
    (s) => lines.push(s),
  );
  return { code, out: JSON.parse(lines[0] ?? '{}') as { decision: string; reasons: string[] } };
}

describe('canary-check on recorded Cloud Monitoring responses', () => {
  it('promotes a healthy canary', async () => {
    const { code, out } = await run('healthy');
    expect(out).toMatchObject({ decision: 'promote', reasons: [] });
    expect(code).toBe(0);
  });

  it('rolls back a canary that burns the error budget', async () => {
    const { code, out } = await run('error-burn');
    expect(code).toBe(1);
    expect(out.decision).toBe('rollback');
    expect(out.reasons).toEqual([
      'error burn: 12/600 5xx burns the inference-availability budget at 4.00x (limit 2x)',
    ]);
  });

  it('rolls back a latency regression that still meets the absolute SLO', async () => {
    const { code, out } = await run('latency-regression');
    expect(code).toBe(1);
    expect(out.reasons).toHaveLength(1);
    expect(out.reasons[0]).toMatch(/^latency regression: canary p99 \d+ ms > 1.25 × stable \d+ ms \+ 50 ms$/);
  });

  it('rolls back when the canary saw too little traffic to judge', async () => {
    const { code, out } = await run('low-traffic');
    expect(code).toBe(1);
    expect(out.reasons).toEqual(['inconclusive: 40 canary requests < 200 needed']);
  });

  it('reads requests, 5xx and p99 per revision from the recorded series', () => {
    const rec = JSON.parse(readFileSync(join(dir, 'healthy.json'), 'utf8')) as Recorded;
    const s = revisionStats(rec, stable);
    expect(s).toMatchObject({ revision: stable, requests: 5400, errors: 2 });
    expect(s.p99Ms).toBeGreaterThan(200);
    expect(s.p99Ms).toBeLessThan(600);
    expect(revisionStats(rec, 'inference-run-none')).toEqual({
      revision: 'inference-run-none',
      requests: 0,
      errors: 0,
      p99Ms: null,
    });
  });
});

describe('canary-check decisions and parsing', () => {
  const stats = (requests: number, errors: number, p99Ms: number | null) => ({
    revision: 'r',
    requests,
    errors,
    p99Ms,
  });
  it('rolls back a canary whose p99 exceeds the SLO threshold even when stable is as slow', () => {
    const d = decide(stats(1000, 0, 2_500), stats(9000, 0, 2_400), canaryPolicy);
    expect(d.reasons).toEqual(['latency: canary p99 2500 ms over the inference-latency SLO (2000 ms)']);
  });
  it('tolerates errors up to the burn-rate limit', () => {
    expect(decide(stats(1000, 10, 100), stats(9000, 0, 100), canaryPolicy).decision).toBe('promote');
    expect(decide(stats(1000, 11, 100), stats(9000, 0, 100), canaryPolicy).decision).toBe('rollback');
  });
  it('computes quantiles as bucket upper bounds', () => {
    const d = { bucketOptions: { explicitBuckets: { bounds: [10, 20, 50] } }, bucketCounts: [0, 90, 9, 1] };
    expect(quantile(d, 0.5)).toBe(20);
    expect(quantile(d, 0.99)).toBe(50);
    expect(quantile(d, 1)).toBe(Infinity);
    expect(quantile({ bucketCounts: [] }, 0.99)).toBeNull();
  });
  it('refuses incomplete or unknown arguments', () => {
    expect(parseArgs(['--canary', 'a'])).toEqual({ error: '--stable REVISION is required' });
    expect(parseArgs(['--canary', 'a', '--stable', 'b'])).toEqual({
      error: '--project is required (or --fixture FILE)',
    });
    expect(parseArgs(['--canary=a', '--stable=b', '--project=p', '--window-seconds=5'])).toEqual({
      error: '--window-seconds: an integer ≥ 60',
    });
    expect(parseArgs(['--canary=a', '--stable=b', '--project=p', '--verbose'])).toEqual({
      error: 'unknown option --verbose',
    });
  });
});

describe('canary-check against a Monitoring API on loopback', () => {
  let server: Server;
  let baseUrl = '';
  const seen: { path: string; auth: string | undefined; params: URLSearchParams }[] = [];
  const rec = JSON.parse(readFileSync(join(dir, 'error-burn.json'), 'utf8')) as Recorded;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (!/^\/v3\/projects\/[^/]+\/timeSeries$/.test(url.pathname)) {
        res.writeHead(403, { 'content-type': 'application/json' }).end('{"error":{"code":403}}');
        return;
      }
      seen.push({ path: url.pathname, auth: req.headers.authorization, params: url.searchParams });
      const filter = url.searchParams.get('filter') ?? '';
      const list = filter.includes('request_count') ? rec.requestCount : rec.requestLatencies;
      // Serve one series per page to exercise nextPageToken.
      const page = Number(url.searchParams.get('pageToken') ?? 0);
      const series = list.timeSeries ?? [];
      const body = {
        timeSeries: series.slice(page, page + 1),
        ...(page + 1 < series.length ? { nextPageToken: String(page + 1) } : {}),
      };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('queries timeSeries.list per revision over the window, follows pages, and decides', async () => {
    process.env.CANARY_ACCESS_TOKEN = 'test-token';
    const lines: string[] = [];
    const code = await main(
      ['--project', 'clarity-staging', '--base-url', baseUrl, '--canary', canary, '--stable', stable],
      (s) => lines.push(s),
    );
    delete process.env.CANARY_ACCESS_TOKEN;
    expect(code).toBe(1);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      decision: 'rollback',
      canary: { requests: 600, errors: 12 },
    });
    expect(seen.every((s) => s.path === '/v3/projects/clarity-staging/timeSeries')).toBe(true);
    expect(seen.every((s) => s.auth === 'Bearer test-token')).toBe(true);
    const first = seen[0]?.params;
    expect(first?.get('filter')).toBe(
      'metric.type="run.googleapis.com/request_count" AND resource.type="cloud_run_revision" AND resource.label.service_name="inference-run"',
    );
    expect(first?.getAll('aggregation.groupByFields')).toEqual([
      'resource.label.revision_name',
      'metric.label.response_code_class',
    ]);
    expect(first?.get('aggregation.alignmentPeriod')).toBe('600s');
    const start = Date.parse(first?.get('interval.startTime') ?? '');
    const end = Date.parse(first?.get('interval.endTime') ?? '');
    expect(end - start).toBe(600_000);
    // 4 request_count series (2xx and 5xx per revision) and 2 latency series, one per page.
    expect(seen).toHaveLength(6);
  });

  it('exits 2 when the API refuses', async () => {
    process.env.CANARY_ACCESS_TOKEN = 'test-token';
    const lines: string[] = [];
    const code = await main(
      ['--project', 'p', '--base-url', `${baseUrl}/nope`, '--canary', canary, '--stable', stable],
      (s) => lines.push(s),
    );
    delete process.env.CANARY_ACCESS_TOKEN;
    expect(code).toBe(2);
    expect(lines).toEqual([]);
  });
});
