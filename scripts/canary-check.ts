/**
 * Canary check for a Cloud Run service (inference-run): reads the SLO metrics of the canary revision and of
 * the stable one from the Cloud Monitoring API over the last window and decides promote or roll back.
 *
 *   npm run canary-check -- --project P --service inference-run --canary inference-run-abc1234 \
 *     --stable inference-run-0f00d00 [--window-seconds 600] [--fixture recorded.json] [--base-url URL]
 *
 * Prints one JSON line ({decision, reasons, canary, stable}); exits 0 to promote, 1 to roll back, 2 on a
 * usage or API error (the deploy workflow rolls back on anything but 0). The thresholds come from the SLOs in
 * deploy/monitoring/definitions.ts (the same numbers the alerts use), through `canaryPolicy` there.
 * `--fixture` reads recorded API responses instead of the network (the tests use it); `--base-url` points the
 * client at another Monitoring endpoint (the tests run a loopback server); credentials come from Application
 * Default Credentials (Workload Identity Federation in CI), or CANARY_ACCESS_TOKEN when set.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { GoogleAuth } from 'google-auth-library';
import { canaryPolicy, slo, type CanaryPolicy } from '../deploy/monitoring/definitions.ts';

export interface RevisionStats {
  revision: string;
  requests: number;
  errors: number;
  /** p99 latency in ms from the summed latency distribution; null when it had no requests. */
  p99Ms: number | null;
}

export interface Decision {
  decision: 'promote' | 'rollback';
  reasons: string[];
  canary: RevisionStats;
  stable: RevisionStats;
}

export function decide(canary: RevisionStats, stable: RevisionStats, policy: CanaryPolicy): Decision {
  const reasons: string[] = [];
  const availability = slo(policy.availabilitySlo);
  const latency = slo(policy.latencySlo);
  if (canary.requests < policy.minRequests) {
    reasons.push(`inconclusive: ${canary.requests} canary requests < ${policy.minRequests} needed`);
  } else {
    const budget = 1 - availability.goal;
    const burn = canary.errors / canary.requests / budget;
    if (burn > policy.maxBurnRate) {
      reasons.push(
        `error burn: ${canary.errors}/${canary.requests} 5xx burns the ${availability.id} budget at ` +
          `${burn.toFixed(2)}x (limit ${policy.maxBurnRate}x)`,
      );
    }
    const thresholdMs = latency.sli.kind === 'availability' ? Infinity : latency.sli.thresholdMs;
    if (canary.p99Ms !== null && canary.p99Ms > thresholdMs) {
      reasons.push(
        `latency: canary p99 ${canary.p99Ms.toFixed(0)} ms over the ${latency.id} SLO (${thresholdMs} ms)`,
      );
    }
    if (canary.p99Ms !== null && stable.p99Ms !== null) {
      const limit = stable.p99Ms * policy.maxLatencyRatio + policy.latencySlackMs;
      if (canary.p99Ms > limit) {
        reasons.push(
          `latency regression: canary p99 ${canary.p99Ms.toFixed(0)} ms > ${policy.maxLatencyRatio} × stable ` +
            `${stable.p99Ms.toFixed(0)} ms + ${policy.latencySlackMs} ms`,
        );
      }
    }
  }
  return { decision: reasons.length === 0 ? 'promote' : 'rollback', reasons, canary, stable };
}

// --- Cloud Monitoring API (projects.timeSeries.list) response shapes, as much as is read here ---

interface Distribution {
  count?: string | number;
  bucketOptions?: {
    explicitBuckets?: { bounds: number[] };
    exponentialBuckets?: { numFiniteBuckets: number; growthFactor: number; scale: number };
    linearBuckets?: { numFiniteBuckets: number; width: number; offset: number };
  };
  bucketCounts?: (string | number)[];
}
interface TimeSeries {
  metric?: { labels?: Record<string, string> };
  resource?: { labels?: Record<string, string> };
  points?: { value: { int64Value?: string | number; distributionValue?: Distribution } }[];
}
export interface TimeSeriesList {
  timeSeries?: TimeSeries[];
  nextPageToken?: string;
}
/** What the check reads: request counts by revision and response class, summed latency per revision. */
export interface Recorded {
  requestCount: TimeSeriesList;
  requestLatencies: TimeSeriesList;
}

/** Upper bound of finite bucket i (bucket 0 is underflow, the last is overflow). */
function bucketUpper(opts: NonNullable<Distribution['bucketOptions']>, i: number): number {
  if (opts.explicitBuckets) return opts.explicitBuckets.bounds[i] ?? Infinity;
  if (opts.exponentialBuckets) {
    const e = opts.exponentialBuckets;
    return i > e.numFiniteBuckets ? Infinity : e.scale * e.growthFactor ** i;
  }
  if (opts.linearBuckets) {
    const l = opts.linearBuckets;
    return i > l.numFiniteBuckets ? Infinity : l.offset + l.width * i;
  }
  throw new Error('distribution without bucket options');
}

/** The q-quantile of a distribution: the upper bound of the bucket where the cumulative count crosses q. */
export function quantile(d: Distribution, q: number): number | null {
  const counts = (d.bucketCounts ?? []).map(Number);
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0 || !d.bucketOptions) return null;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i] ?? 0;
    if (seen >= q * total) return bucketUpper(d.bucketOptions, i);
  }
  return bucketUpper(d.bucketOptions, counts.length - 1);
}

function mergeDistributions(ds: Distribution[]): Distribution | null {
  const first = ds[0];
  if (!first) return null;
  const counts: number[] = [];
  for (const d of ds) {
    (d.bucketCounts ?? []).forEach((c, i) => {
      counts[i] = (counts[i] ?? 0) + Number(c);
    });
  }
  return { bucketOptions: first.bucketOptions, bucketCounts: counts };
}

export function revisionStats(rec: Recorded, revision: string): RevisionStats {
  let requests = 0;
  let errors = 0;
  for (const ts of rec.requestCount.timeSeries ?? []) {
    if (ts.resource?.labels?.revision_name !== revision) continue;
    const n = (ts.points ?? []).reduce((a, p) => a + Number(p.value.int64Value ?? 0), 0);
    requests += n;
    if (ts.metric?.labels?.response_code_class === '5xx') errors += n;
  }
  const dists = (rec.requestLatencies.timeSeries ?? [])
    .filter((ts) => ts.resource?.labels?.revision_name === revision)
    .flatMap((ts) => (ts.points ?? []).map((p) => p.value.distributionValue))
    .filter((d): d is Distribution => d !== undefined);
  const merged = mergeDistributions(dists);
  return { revision, requests, errors, p99Ms: merged ? quantile(merged, 0.99) : null };
}

export interface Args {
  project: string;
  service: string;
  canary: string;
  stable: string;
  windowSeconds: number;
  fixture?: string;
  baseUrl: string;
}

export function parseArgs(argv: string[]): Args | { error: string } {
  const opts: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (!a.startsWith('--')) return { error: `unexpected argument ${a}` };
    const eq = a.indexOf('=');
    if (eq > 0) opts[a.slice(2, eq)] = a.slice(eq + 1);
    else opts[a.slice(2)] = argv[++i] ?? '';
  }
  const known = ['project', 'service', 'canary', 'stable', 'window-seconds', 'fixture', 'base-url'];
  const unknown = Object.keys(opts).filter((k) => !known.includes(k));
  if (unknown.length > 0) return { error: `unknown option --${unknown[0]}` };
  for (const k of ['canary', 'stable']) if (!opts[k]) return { error: `--${k} REVISION is required` };
  if (!opts.fixture && !opts.project) return { error: '--project is required (or --fixture FILE)' };
  const windowSeconds = Number(opts['window-seconds'] ?? 600);
  if (!Number.isInteger(windowSeconds) || windowSeconds < 60)
    return { error: '--window-seconds: an integer ≥ 60' };
  return {
    project: opts.project ?? 'fixture',
    service: opts.service ?? 'inference-run',
    canary: opts.canary ?? '',
    stable: opts.stable ?? '',
    windowSeconds,
    ...(opts.fixture ? { fixture: opts.fixture } : {}),
    baseUrl: opts['base-url'] ?? 'https://monitoring.googleapis.com',
  };
}

/** The two timeSeries.list queries, aligned over the whole window so each series has one point. */
export function queries(args: Args, now: Date): Record<keyof Recorded, URLSearchParams> {
  const start = new Date(now.getTime() - args.windowSeconds * 1000);
  const base = (metric: string, groupBy: string[]): URLSearchParams => {
    const p = new URLSearchParams({
      filter: `metric.type="run.googleapis.com/${metric}" AND resource.type="cloud_run_revision" AND resource.label.service_name="${args.service}"`,
      'interval.startTime': start.toISOString(),
      'interval.endTime': now.toISOString(),
      'aggregation.alignmentPeriod': `${args.windowSeconds}s`,
      'aggregation.perSeriesAligner': 'ALIGN_DELTA',
      'aggregation.crossSeriesReducer': 'REDUCE_SUM',
    });
    for (const g of groupBy) p.append('aggregation.groupByFields', g);
    return p;
  };
  return {
    requestCount: base('request_count', ['resource.label.revision_name', 'metric.label.response_code_class']),
    requestLatencies: base('request_latencies', ['resource.label.revision_name']),
  };
}

async function accessToken(): Promise<string> {
  if (process.env.CANARY_ACCESS_TOKEN) return process.env.CANARY_ACCESS_TOKEN;
  const auth = new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/monitoring.read'] });
  const token = await auth.getAccessToken();
  if (!token) throw new Error('no access token from Application Default Credentials');
  return token;
}

export async function fetchRecorded(args: Args, now = new Date()): Promise<Recorded> {
  if (args.fixture) return JSON.parse(await readFile(args.fixture, 'utf8')) as Recorded;
  const token = await accessToken();
  const out: Partial<Recorded> = {};
  for (const [key, params] of Object.entries(queries(args, now)) as [keyof Recorded, URLSearchParams][]) {
    const all: TimeSeries[] = [];
    let page: string | undefined;
    do {
      const p = new URLSearchParams(params);
      if (page) p.set('pageToken', page);
      const url = `${args.baseUrl}/v3/projects/${encodeURIComponent(args.project)}/timeSeries?${p.toString()}`;
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      if (!res.ok) throw new Error(`Monitoring API ${res.status}: ${(await res.text()).slice(0, 300)}`);
      const body = (await res.json()) as TimeSeriesList;
      all.push(...(body.timeSeries ?? []));
      page = body.nextPageToken || undefined;
    } while (page);
    out[key] = { timeSeries: all };
  }
  return out as Recorded;
}

export async function main(argv: string[], print = (s: string) => console.log(s)): Promise<number> {
  const args = parseArgs(argv);
  if ('error' in args) {
    console.error(`canary-check: ${args.error}`);
    return 2;
  }
  let rec: Recorded;
  try {
    rec = await fetchRecorded(args);
  } catch (e) {
    console.error(`canary-check: ${(e as Error).message}`);
    return 2;
  }
  const d = decide(revisionStats(rec, args.canary), revisionStats(rec, args.stable), canaryPolicy);
  print(JSON.stringify(d));
  return d.decision === 'promote' ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await main(process.argv.slice(2));
}
