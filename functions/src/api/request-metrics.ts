/**
 * In-process request metrics for GET /v1/system/metrics: counts and latency per (method, route template,
 * status). Route templates (e.g. /v1/health/insights), never raw paths, so uids and ids do not explode the
 * key space. Per instance and since its start: Cloud Monitoring aggregates across instances in production;
 * this is the quick look an admin gets from the API.
 */
import type { Request, RequestHandler } from 'express';

interface Series {
  method: string;
  route: string;
  status: number;
  count: number;
  sum: number;
  max: number;
  /** Most recent latencies (ring buffer) for percentiles. */
  recent: number[];
  next: number;
}

const reservoir = 512;

/**
 * The matched route as a template (/v1/health/insights, /v1/jobs/:id). When a handler passed an error on,
 * Express has already restored req.baseUrl, so the mount prefix is recovered from the original path: the
 * route template has as many segments as the part of the path it matched.
 */
export function routeTemplate(req: Request): string {
  const routePath: unknown = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof routePath !== 'string') return '(unmatched)';
  const original = (req.originalUrl.split('?')[0] ?? '').split('/');
  const own = routePath.split('/').filter((x) => x !== '').length;
  const base = original.slice(0, Math.max(1, original.length - own)).join('/');
  return `${base}${routePath}`.replace(/\/$/, '') || '/';
}

export class RequestMetrics {
  readonly since: number;
  private readonly series = new Map<string, Series>();
  private readonly clock: () => number;

  constructor(clock: () => number = () => performance.now(), since = Date.now()) {
    this.clock = clock;
    this.since = since;
  }

  middleware(): RequestHandler {
    return (req, res, next) => {
      const started = this.clock();
      res.on('finish', () => {
        this.record(req.method, routeTemplate(req), res.statusCode, this.clock() - started);
      });
      next();
    };
  }

  record(method: string, route: string, status: number, ms: number): void {
    const key = `${method} ${route} ${status}`;
    let s = this.series.get(key);
    if (!s) {
      s = { method, route, status, count: 0, sum: 0, max: 0, recent: [], next: 0 };
      this.series.set(key, s);
    }
    s.count++;
    s.sum += ms;
    s.max = Math.max(s.max, ms);
    if (s.recent.length < reservoir) s.recent.push(ms);
    else s.recent[s.next] = ms;
    s.next = (s.next + 1) % reservoir;
  }

  snapshot(): {
    method: string;
    route: string;
    status: number;
    count: number;
    latencyMs: { mean: number; p50: number; p95: number; max: number };
  }[] {
    const q = (sorted: number[], p: number) =>
      sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
    const r3 = (x: number) => Math.round(x * 1000) / 1000;
    return [...this.series.values()]
      .map((s) => {
        const sorted = [...s.recent].sort((a, b) => a - b);
        return {
          method: s.method,
          route: s.route,
          status: s.status,
          count: s.count,
          latencyMs: {
            mean: r3(s.sum / s.count),
            p50: r3(q(sorted, 0.5)),
            p95: r3(q(sorted, 0.95)),
            max: r3(s.max),
          },
        };
      })
      .sort((a, b) => (a.route === b.route ? a.status - b.status : a.route < b.route ? -1 : 1));
  }
}
