/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return -- response bodies are JSON; their shapes are what the assertions check */
/**
 * The gateway endpoints on the Auth and Firestore emulators: login and session cookies, insights paging,
 * trends, analyze, RBAC (care team), system health/metrics, OpenAPI, GDPR export and deletion.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Timestamp } from 'firebase-admin/firestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inferenceReadiness, llmConfiguration } from '../../src/api/dependency-checks.ts';
import { deriveSigningKey, signRequest } from '../../src/api/signing.ts';
import { operations } from '../../src/api/openapi.ts';
import { FirestoreRateLimitStore, RateLimiter } from '../../src/api/rate-limit.ts';
import { defaultSecurity } from '../../src/api/security.ts';
import { firestoreInsightCache } from '../../src/llm/cache.ts';
import { listObjects } from '../../src/store/blob-listing.ts';
import { toJson, userDocuments } from '../../src/store/account-data.ts';
import {
  collections,
  seriesCollections,
  userCollections,
  userData,
  userSubcollections,
  type TopCollection,
} from '../../src/store/paths.ts';
import { adminAuth, adminDb } from '../support/emulators.ts';
import {
  call,
  signedCall,
  signingSecret,
  startGateway,
  userWithRoles,
  type Gateway,
} from '../support/gateway.ts';

const project = 'demo-clarity-gateway';
let gw: Gateway;
const db = () => adminDb(project);

beforeAll(async () => {
  gw = await startGateway(project);
});
afterAll(async () => gw.close());

describe('POST /v1/auth/login', () => {
  it('verifies the token, creates the profile on first sign-in and returns it with the roles', async () => {
    const u = await userWithRoles('login');
    const res = await call(gw.base, 'POST', '/v1/auth/login', { token: u.token, body: {} });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({
      profile: { uid: u.uid, locale: null, timezone: null, units: null, consent: {}, careTeam: [] },
      roles: ['user'],
      session: null,
    });
    expect(res.body.meta.requestId).toMatch(/[\w-]{8,}/);
    expect((await db().doc(`users/${u.uid}`).get()).get('roles')).toEqual(['user']);
    // A stored profile is returned as stored.
    await db()
      .doc(`users/${u.uid}`)
      .update({ locale: 'de-DE', units: 'metric', consent: { research: true } });
    const again = await call(gw.base, 'POST', '/v1/auth/login', { body: { idToken: u.token } });
    expect(again.body.data.profile).toMatchObject({
      locale: 'de-DE',
      units: 'metric',
      consent: { research: true },
    });
  });

  it('answers 401 without a token or with a bad one, and 400 for unknown body fields', async () => {
    expect((await call(gw.base, 'POST', '/v1/auth/login', { body: {} })).status).toBe(401);
    const bad = await call(gw.base, 'POST', '/v1/auth/login', { body: { idToken: 'not-a-real-token' } });
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe('unauthenticated');
    const extra = await call(gw.base, 'POST', '/v1/auth/login', {
      body: { idToken: 'x'.repeat(20), admin: true },
    });
    expect(extra.status).toBe(400);
    expect(extra.body.error.code).toBe('invalid_input');
  });

  it('sets a Secure HttpOnly SameSite=Strict __session cookie that authenticates later requests', async () => {
    const u = await userWithRoles('cookie');
    const res = await call(gw.base, 'POST', '/v1/auth/login', { token: u.token, body: { session: true } });
    expect(res.status).toBe(200);
    expect(res.body.data.session).toEqual({ cookie: '__session', expiresInSeconds: 432000 });
    const setCookie = res.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^__session=[\w.-]+;/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('Secure');
    expect(setCookie).toContain('SameSite=Strict');
    const cookie = setCookie.split(';')[0] as string;

    const read = await call(gw.base, 'GET', '/v1/health/insights', { headers: { cookie } });
    expect(read.status).toBe(200);
    // A cookie-authenticated mutation needs the CSRF header.
    const noCsrf = await call(gw.base, 'POST', '/v1/health/analyze', { headers: { cookie }, body: {} });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.error.message).toContain('X-Clarity-CSRF');
    const withCsrf = await call(gw.base, 'POST', '/v1/health/analyze', {
      headers: { cookie, 'x-clarity-csrf': '1' },
      body: {},
    });
    expect(withCsrf.status).toBe(202);
    const forged = await call(gw.base, 'GET', '/v1/health/insights', {
      headers: { cookie: '__session=forged.cookie.value' },
    });
    expect(forged.status).toBe(401);
  });
});

async function seedInsights(uid: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  const base = Date.parse('2026-11-01T08:00:00Z');
  for (let i = 0; i < n; i++) {
    const id = `ins-${String(i).padStart(2, '0')}`;
    ids.push(id);
    await db()
      .doc(`users/${uid}/insights/${id}`)
      .set({
        uid,
        jobId: `job-${i}`,
        locale: i % 3 === 0 ? 'de' : 'en',
        narrative: `narrative ${i}`,
        keyInsights: [{ title: 't', detail: 'd', metrics: [] }],
        recommendations: ['r'],
        confidence: 'medium',
        disclaimer: 'Not medical advice.',
        generator: 'rules',
        // Two insights share a timestamp: the id breaks the tie, so paging stays stable.
        createdAt: Timestamp.fromMillis(base + (i === 4 ? 3 : i) * 3_600_000),
      });
  }
  return ids;
}

describe('GET /v1/health/insights', () => {
  it('pages newest first with an opaque cursor until nextCursor is null', async () => {
    const u = await userWithRoles('insights');
    await seedInsights(u.uid, 7);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = `/v1/health/insights?limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await call(gw.base, 'GET', q, { token: u.token });
      expect(res.status).toBe(200);
      seen.push(...res.body.data.items.map((i: { id: string }) => i.id));
      cursor = res.body.data.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    // createdAt desc (ins-04 has ins-03's time), then id desc.
    expect(seen).toEqual(['ins-06', 'ins-05', 'ins-04', 'ins-03', 'ins-02', 'ins-01', 'ins-00']);
    const first = await call(gw.base, 'GET', '/v1/health/insights?limit=1', { token: u.token });
    expect(first.body.data.items[0]).toMatchObject({
      id: 'ins-06',
      locale: 'de',
      narrative: 'narrative 6',
      generator: 'rules',
      createdAt: '2026-11-01T14:00:00.000Z',
    });
  });

  it('filters by locale, and refuses bad limits and cursors with field-level details', async () => {
    const u = await userWithRoles('insights-locale');
    await seedInsights(u.uid, 7);
    const de = await call(gw.base, 'GET', '/v1/health/insights?locale=de', { token: u.token });
    expect(de.body.data.items.map((i: { id: string }) => i.id)).toEqual(['ins-06', 'ins-03', 'ins-00']);
    const big = await call(gw.base, 'GET', '/v1/health/insights?limit=51', { token: u.token });
    expect(big.status).toBe(400);
    expect(big.body.error.details[0].path).toEqual(['query', 'limit']);
    const cur = await call(gw.base, 'GET', '/v1/health/insights?cursor=bm90LWEtY3Vyc29y', { token: u.token });
    expect(cur.status).toBe(400);
    expect(cur.body.error.details[0].path).toEqual(['query', 'cursor']);
    const unknown = await call(gw.base, 'GET', '/v1/health/insights?sort=asc', { token: u.token });
    expect(unknown.status).toBe(400);
    expect((await call(gw.base, 'GET', '/v1/health/insights')).status).toBe(401);
  });
});

describe('RBAC: care team, clinicians and admins', () => {
  it('a clinician in the care team reads (audited); outside it gets 403; a user cannot read others', async () => {
    const patient = await userWithRoles('patient');
    const inTeam = await userWithRoles('drcare', ['clinician']);
    const outside = await userWithRoles('drfar', ['clinician']);
    const other = await userWithRoles('other');
    const admin = await userWithRoles('admin', ['admin']);
    await seedInsights(patient.uid, 2);

    // The answer does not tell whether a uid is a clinician; a listed non-clinician can read nothing.
    const notClinician = await signedCall(gw.base, 'PUT', '/v1/account/care-team', {
      token: patient.token,
      body: { clinicians: [other.uid] },
    });
    expect(notClinician.status).toBe(200);
    const listed = await call(gw.base, 'GET', `/v1/health/insights?uid=${patient.uid}`, {
      token: other.token,
    });
    expect(listed.status).toBe(403);
    const put = await signedCall(gw.base, 'PUT', '/v1/account/care-team', {
      token: patient.token,
      body: { clinicians: [inTeam.uid] },
    });
    expect(put.status).toBe(200);
    expect(put.body.data.careTeam).toEqual([inTeam.uid]);

    const q = `/v1/health/insights?uid=${patient.uid}`;
    const ok = await call(gw.base, 'GET', q, { token: inTeam.token });
    expect(ok.status).toBe(200);
    expect(ok.body.data.items).toHaveLength(2);
    const trends = `/v1/health/trends?uid=${patient.uid}&metric=steps&start=2026-11-01&end=2026-11-07`;
    expect((await call(gw.base, 'GET', trends, { token: inTeam.token })).status).toBe(200);

    for (const stranger of [outside, other]) {
      const denied = await call(gw.base, 'GET', q, { token: stranger.token });
      expect(denied.status).toBe(403);
      expect(denied.body.error.code).toBe('permission_denied');
      expect((await call(gw.base, 'GET', trends, { token: stranger.token })).status).toBe(403);
    }
    // The same 403 for a uid that does not exist (no user enumeration).
    const ghost = await call(gw.base, 'GET', '/v1/health/insights?uid=no-such-user', {
      token: outside.token,
    });
    expect(ghost.status).toBe(403);
    expect(ghost.body.error.message).toBe(
      (await call(gw.base, 'GET', q, { token: outside.token })).body.error.message,
    );

    expect((await call(gw.base, 'GET', q, { token: admin.token })).status).toBe(200);

    const audit = await db().collection('audit').where('targetUid', '==', patient.uid).get();
    const entries = audit.docs.map((d) => d.data());
    expect(
      entries
        .filter((e) => e.action === 'insights.read')
        .map((e) => [e.actorUid, e.details.basis])
        .sort(),
    ).toEqual(
      [
        [admin.uid, 'admin'],
        [inTeam.uid, 'care_team'],
      ].sort(),
    );
    expect(entries.some((e) => e.action === 'trends.read' && e.actorUid === inTeam.uid)).toBe(true);
    expect(entries.some((e) => e.action === 'account.care_team.update' && e.actorUid === patient.uid)).toBe(
      true,
    );

    // Removed from the team: access ends.
    await signedCall(gw.base, 'PUT', '/v1/account/care-team', {
      token: patient.token,
      body: { clinicians: [] },
    });
    expect((await call(gw.base, 'GET', q, { token: inTeam.token })).status).toBe(403);
  });
});

describe('GET /v1/health/trends', () => {
  it('aggregates series documents per day and week, with Theil-Sen and Mann-Kendall', async () => {
    const u = await userWithRoles('trends');
    // Steps on 2026-11-01..10 (Nov 4 missing): two samples per day summing to 1000 * day.
    for (let d = 1; d <= 10; d++) {
      if (d === 4) continue;
      const date = `2026-11-${String(d).padStart(2, '0')}`;
      const t0 = Date.parse(`${date}T09:00:00Z`);
      await db()
        .doc(`users/${u.uid}/series/steps_${date}`)
        .set({
          metric: 'steps',
          date,
          unit: 'count',
          samples: {
            a: { s: t0, e: t0 + 600_000, v: 400 * d, st: null, src: 'watch', up: 'u1' },
            b: { s: t0 + 3_600_000, e: t0 + 4_200_000, v: 600 * d, st: null, src: 'watch', up: 'u1' },
          },
          sampleCount: 2,
          sources: ['watch'],
        });
      // Heart rate: a mean of two samples, 60 + d and 70 + d.
      await db()
        .doc(`users/${u.uid}/series/heart_rate_${date}`)
        .set({
          metric: 'heart_rate',
          date,
          unit: 'count/min',
          samples: {
            a: { s: t0, e: t0, v: 60 + d, st: null, src: 'watch', up: 'u1' },
            b: { s: t0 + 1, e: t0 + 1, v: 70 + d, st: null, src: 'watch', up: 'u1' },
          },
          sampleCount: 2,
          sources: ['watch'],
        });
    }
    const day = await call(gw.base, 'GET', '/v1/health/trends?metric=steps&start=2026-11-01&end=2026-11-10', {
      token: u.token,
    });
    expect(day.status).toBe(200);
    const data = day.body.data;
    expect(data).toMatchObject({ metric: 'steps', unit: 'count', aggregation: 'sum', granularity: 'day' });
    expect(data.points.map((p: { value: number | null }) => p.value)).toEqual([
      1000,
      2000,
      3000,
      null,
      5000,
      6000,
      7000,
      8000,
      9000,
      10000,
    ]);
    expect(data.points[3]).toEqual({ period: '2026-11-04', value: null, days: 0, samples: 0 });
    // Exactly linear: every pairwise slope is 1000 per day (the gap keeps its x position).
    expect(data.statistics.theilSen).toMatchObject({
      slopePerPeriod: 1000,
      lowSlope: 1000,
      highSlope: 1000,
      n: 9,
    });
    // Strictly increasing, n = 9: S = 36, var = 9*8*23/18 = 92, Z = 35/sqrt(92).
    expect(data.statistics.mannKendall).toMatchObject({ S: 36, trend: 'increasing', n: 9 });
    expect(data.statistics.mannKendall.Z).toBeCloseTo(35 / Math.sqrt(92), 12);

    const week = await call(
      gw.base,
      'GET',
      '/v1/health/trends?metric=steps&start=2026-11-01&end=2026-11-10&granularity=week',
      {
        token: u.token,
      },
    );
    // Week 1: days 1-7 without day 4 -> mean of 1000,2000,3000,5000,6000,7000 = 4000; week 2: days 8-10 = 9000.
    expect(week.body.data.points).toEqual([
      { period: '2026-11-01', value: 4000, days: 6, samples: 12 },
      { period: '2026-11-08', value: 9000, days: 3, samples: 6 },
    ]);
    const hr = await call(
      gw.base,
      'GET',
      '/v1/health/trends?metric=heart_rate&start=2026-11-01&end=2026-11-03',
      {
        token: u.token,
      },
    );
    expect(hr.body.data).toMatchObject({ aggregation: 'mean', unit: 'count/min' });
    expect(hr.body.data.points.map((p: { value: number }) => p.value)).toEqual([66, 67, 68]);
  });

  it('refuses a bad metric, a reversed or over-long range', async () => {
    const u = await userWithRoles('trends-bad');
    const cases: [string, unknown[]][] = [
      ['metric=weight&start=2026-11-01&end=2026-11-02', ['query', 'metric']],
      ['metric=steps&start=2026-11-05&end=2026-11-02', ['query', 'start']],
      ['metric=steps&start=2025-01-01&end=2026-11-02', ['query', 'end']],
      ['metric=steps&start=2026-11-01', ['query', 'end']],
      ['metric=steps&start=2026-11-01&end=2026-11-02&granularity=month', ['query', 'granularity']],
    ];
    for (const [q, pathExpected] of cases) {
      const res = await call(gw.base, 'GET', `/v1/health/trends?${q}`, { token: u.token });
      expect(res.status, q).toBe(400);
      expect(
        res.body.error.details.map((d: { path: unknown[] }) => d.path),
        q,
      ).toContainEqual(pathExpected);
    }
  });
});

describe('POST /v1/health/analyze', () => {
  it('creates a queued job (202 + id), idempotent with Idempotency-Key, audited', async () => {
    const u = await userWithRoles('analyze');
    const body = { window: { start: '2026-11-01', end: '2026-11-07' } };
    const headers = { 'idempotency-key': 'analyze-key-0001' };
    const res = await call(gw.base, 'POST', '/v1/health/analyze', { token: u.token, body, headers });
    expect(res.status).toBe(202);
    expect(res.body.data).toMatchObject({ status: 'queued', created: true });
    const jobId = res.body.data.jobId as string;
    expect(res.headers.get('location')).toBe(`/v1/health/jobs/${jobId}`);
    const job = (await db().doc(`users/${u.uid}/jobs/${jobId}`).get()).data();
    expect(job).toMatchObject({
      uid: u.uid,
      status: 'queued',
      reason: 'api',
      requestedBy: u.uid,
      window: body.window,
      correlationId: res.body.meta.requestId,
    });
    const again = await call(gw.base, 'POST', '/v1/health/analyze', { token: u.token, body, headers });
    expect(again.status).toBe(202);
    expect(again.body.data).toEqual({ jobId, status: 'queued', created: false });
    expect((await db().collection(`users/${u.uid}/jobs`).get()).size).toBe(1);
    const audit = await db().collection('audit').where('targetUid', '==', u.uid).get();
    expect(audit.docs.filter((d) => d.get('action') === 'health.analyze')).toHaveLength(1);
  });

  it('refuses a reversed window, a window over 92 days and non-JSON bodies', async () => {
    const u = await userWithRoles('analyze-bad');
    const reversed = await call(gw.base, 'POST', '/v1/health/analyze', {
      token: u.token,
      body: { window: { start: '2026-11-07', end: '2026-11-01' } },
    });
    expect(reversed.status).toBe(400);
    expect(reversed.body.error.details[0].path).toEqual(['body', 'window', 'start']);
    const long = await call(gw.base, 'POST', '/v1/health/analyze', {
      token: u.token,
      body: { window: { start: '2026-01-01', end: '2026-11-01' } },
    });
    expect(long.status).toBe(400);
    const text = await call(gw.base, 'POST', '/v1/health/analyze', {
      token: u.token,
      body: 'window',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
  });
});

describe('system: health, metrics, OpenAPI', () => {
  it('health is minimal in public and detailed for admins', async () => {
    const pub = await call(gw.base, 'GET', '/v1/system/health');
    expect(pub.status).toBe(200);
    expect(pub.body.data).toEqual({ status: 'ok' });
    const user = await userWithRoles('health-user');
    expect((await call(gw.base, 'GET', '/v1/system/health', { token: user.token })).body.data).toEqual({
      status: 'ok',
    });
    const admin = await userWithRoles('health-admin', ['admin']);
    const det = await call(gw.base, 'GET', '/v1/system/health', { token: admin.token });
    expect(det.body.data).toMatchObject({
      status: 'ok',
      version: 'test-version',
      checks: { firestore: { status: 'ok' } },
    });
    expect((await call(gw.base, 'GET', '/v1/system/health', { token: 'bad.token' })).status).toBe(401);
  });

  it('admin health runs the inference and LLM checks: a down inference service degrades, still 200', async () => {
    const inference = createServer((req, res) => {
      res.writeHead(req.url === '/readyz' ? 200 : 404, { 'content-type': 'application/json' });
      res.end('{"status":"ready"}');
    });
    await new Promise<void>((r) => inference.listen(0, '127.0.0.1', r));
    const up = `http://127.0.0.1:${(inference.address() as AddressInfo).port}`;
    const admin = await userWithRoles('deps-admin', ['admin']);
    const healthy = await startGateway(project, {
      dependencyChecks: { inference: inferenceReadiness(up), llm: llmConfiguration('', 'gemini-2.5-flash') },
    });
    const res = await call(healthy.base, 'GET', '/v1/system/health', { token: admin.token });
    expect(res.status).toBe(200);
    expect(res.body.data.status).toBe('ok');
    expect(res.body.data.checks.inference.status).toBe('ok');
    expect(res.body.data.checks.llm).toEqual({
      status: 'not_configured',
      detail: 'rule-based insight generator',
    });
    // Anonymous callers never trigger the checks and see only the status.
    expect((await call(healthy.base, 'GET', '/v1/system/health')).body.data).toEqual({ status: 'ok' });
    await healthy.close();
    await new Promise<void>((r) => inference.close(() => r()));

    const down = await startGateway(project, {
      dependencyChecks: {
        inference: inferenceReadiness(up, 500),
        llm: llmConfiguration('my-project', 'gemini-2.5-flash'),
      },
    });
    const res2 = await call(down.base, 'GET', '/v1/system/health', { token: admin.token });
    expect(res2.status).toBe(200);
    expect(res2.body.data.status).toBe('degraded');
    expect(res2.body.data.checks.inference).toMatchObject({ status: 'down', detail: 'unreachable' });
    expect(res2.body.data.checks.llm.status).toBe('ok');
    await down.close();
  });

  it('metrics are admin-only: request counts per route template and pipeline counts by status', async () => {
    const user = await userWithRoles('metrics-user');
    const admin = await userWithRoles('metrics-admin', ['admin']);
    expect((await call(gw.base, 'GET', '/v1/system/metrics', { token: user.token })).status).toBe(403);
    expect((await call(gw.base, 'GET', '/v1/system/metrics')).status).toBe(401);
    for (const st of ['received', 'ingested', 'ingested', 'rejected']) {
      await db().collection(`users/${user.uid}/uploads`).add({ status: st });
    }
    const before = await call(gw.base, 'GET', '/v1/system/metrics', { token: admin.token });
    expect(before.status).toBe(200);
    for (let i = 0; i < 3; i++)
      await call(gw.base, 'GET', `/v1/health/insights?uid=${user.uid}`, { token: admin.token });
    const res = await call(gw.base, 'GET', '/v1/system/metrics', { token: admin.token });
    const row = (route: string, status: number, body: typeof res.body) =>
      body.data.requests.find(
        (r: { route: string; status: number }) => r.route === route && r.status === status,
      );
    const was = row('/v1/health/insights', 200, before.body)?.count ?? 0;
    expect(row('/v1/health/insights', 200, res.body).count).toBe(was + 3);
    expect(row('/v1/health/insights', 200, res.body).latencyMs.max).toBeGreaterThanOrEqual(
      row('/v1/health/insights', 200, res.body).latencyMs.p50,
    );
    expect(row('/v1/system/metrics', 403, res.body).count).toBeGreaterThanOrEqual(1);
    // Route templates, never raw paths with ids.
    expect(JSON.stringify(res.body.data.requests)).not.toContain(user.uid);
    // This project holds this file's uploads only: at least the four just written.
    const up = res.body.data.pipeline.uploads;
    expect(up.ingested).toBeGreaterThanOrEqual(2);
    expect(up.received).toBeGreaterThanOrEqual(1);
    expect(up.rejected).toBeGreaterThanOrEqual(1);
    expect(Object.keys(res.body.data.pipeline.jobs).sort()).toEqual([
      'complete',
      'failed',
      'queued',
      'running',
    ]);
  });

  it('serves an OpenAPI 3.1 document generated from the zod schemas, covering every operation', async () => {
    const res = await fetch(`${gw.base}/v1/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<
        string,
        Record<string, { parameters?: { name: string; required: boolean }[]; responses: object }>
      >;
    };
    expect(doc.openapi).toBe('3.1.0');
    for (const op of operations)
      expect(doc.paths[op.path]?.[op.method], `${op.method} ${op.path}`).toBeDefined();
    const trends = doc.paths['/v1/health/trends']?.get;
    expect(trends?.parameters?.map((p) => [p.name, p.required])).toEqual([
      ['uid', false],
      ['metric', true],
      ['start', true],
      ['end', true],
      ['granularity', false],
    ]);
    // Every documented operation is really mounted: it answers something other than 404 no-route.
    for (const op of operations) {
      const r = await fetch(`${gw.base}${op.path}`, { method: op.method.toUpperCase() });
      const body = r.status === 404 ? ((await r.json()) as { error: { message: string } }) : undefined;
      expect(body?.error.message ?? '', `${op.method} ${op.path}`).not.toMatch(/^no route/);
    }
  });
});

describe('GDPR: export and deletion', () => {
  // Every subcollection paths.ts declares under users/{uid} (devices, webhooks, feedback, preferences, …)
  // and under an endpoint (attempts, deliveries): a new one is seeded here without editing this test.
  const subcollections = Object.values(userCollections);
  // Top-level collections whose documents name the user in a field (paths.ts userData `byField`).
  const byField = (Object.keys(userData) as TopCollection[]).flatMap((c) => {
    const rule = userData[c];
    return rule.kind === 'byField' ? [{ collection: collections[c], field: rule.field, rule }] : [];
  });

  // A gateway that keeps its rate-limit counters in Firestore, as the deployed function does: every request of
  // the user writes rateLimits/u_{uid}. Same blob store as `gw`.
  let limited: Gateway;
  beforeAll(async () => {
    const rateLimiter = new RateLimiter(
      new FirestoreRateLimitStore(db()),
      {
        windowSeconds: 60,
        user: { perCaller: 600, burst: 100, pool: 100_000 },
        anon: { perCaller: 600, burst: 100, pool: 100_000 },
        poolShards: 4,
      },
      // A loaded machine: never let the in-instance fallback decide (it writes nothing).
      { timeoutMs: 60_000 },
    );
    limited = await startGateway(project, {
      blobs: gw.blobs,
      security: { ...defaultSecurity, signingSecret, rateLimiter },
    });
  });
  afterAll(async () => limited.close());

  /**
   * Every top-level document that names the user (in its id or anywhere in its data), found by listing every
   * top-level collection the emulator holds, not by the rules of paths.ts: a collection that code writes per
   * user and no rule covers shows up here. Collections whose rule keeps them (`kept`: audit, tombstones) are
   * left out, and so are those whose rule says `notExported` when `forExport`.
   */
  async function topLevelMentions(uid: string, forExport: boolean): Promise<string[]> {
    const out: string[] = [];
    for (const col of await db().listCollections()) {
      if (col.id === collections.users) continue;
      const key = (Object.keys(collections) as TopCollection[]).find((k) => collections[k] === col.id);
      const rule = key ? userData[key] : undefined;
      if (rule?.kind === 'kept') continue;
      if (forExport && rule && 'notExported' in rule && rule.notExported) continue;
      for (const d of (await col.get()).docs)
        if (d.id.includes(uid) || JSON.stringify(d.data()).includes(uid)) out.push(d.ref.path);
    }
    return out.sort();
  }

  async function seedEverything(
    uid: string,
  ): Promise<{ paths: string[]; exported: string[]; objects: string[] }> {
    const paths: string[] = [`users/${uid}`];
    await db()
      .doc(`users/${uid}`)
      .set({ locale: 'en', careTeam: [], createdAt: Timestamp.fromMillis(Date.UTC(2026, 10, 1)) });
    for (const sub of subcollections) {
      for (const id of ['a', 'b']) {
        const p = `users/${uid}/${sub}/${sub}-${id}`;
        await db()
          .doc(p)
          .set({ kind: sub, n: id === 'a' ? 1 : 2, at: Timestamp.fromMillis(Date.UTC(2026, 10, 2)) });
        paths.push(p);
      }
    }
    // A deeper level, every one paths.ts declares (userSubcollections: an endpoint's attempts and
    // deliveries, …), except a series day's shards, which the export folds into the day (dense-day.int).
    const deep = (Object.keys(userSubcollections) as (keyof typeof userCollections)[]).flatMap((k) =>
      userSubcollections[k]
        .filter((c) => c !== seriesCollections.shards)
        .map((c) => `users/${uid}/${userCollections[k]}/${userCollections[k]}-a/${c}/m1`),
    );
    expect(deep).toContain(`users/${uid}/webhooks/webhooks-a/attempts/m1`);
    for (const d of deep) await db().doc(d).set({ stage: 'analyze' });
    paths.push(...deep);
    // Top-level documents about the user, one per byField collection; exported unless a credential.
    const exported = [...paths];
    for (const b of byField) {
      const p = `${b.collection}/${b.collection}-${uid}`;
      await db()
        .doc(p)
        .set({ [b.field]: uid, kind: b.collection });
      if (!b.rule.notExported) exported.push(p);
    }
    // An insight answer cached by the real cache (llm/cache.ts) for this user.
    await firestoreInsightCache(db(), Date.now).put(
      `cached-${uid}`,
      {
        output: {
          narrative: 'Your sleep was regular.',
          keyInsights: [{ title: 'Regular', detail: 'Bedtimes within 30 min.', metrics: [] }],
          recommendations: [],
          confidence: 'medium',
        },
        generator: 'gemini',
        templateVersion: 't1',
        removed: 0,
        usage: { promptTokens: 10, outputTokens: 20 },
      },
      uid,
    );
    exported.push(`llmCache/cached-${uid}`);
    const objects = [`raw/${uid}/up1/batch.json`, `raw/${uid}/up2/export.zip`, `uploads/${uid}/file-1.xml`];
    for (const o of objects) await gw.blobs.put(o, Buffer.from(`bytes of ${o}`));
    return { paths: paths.sort(), exported: exported.sort(), objects: objects.sort() };
  }

  it('export contains every document of the user (recursively) and the list of their raw objects', async () => {
    const u = await userWithRoles('export');
    const bystander = await userWithRoles('bystander');
    const seeded = await seedEverything(u.uid);
    await seedEverything(bystander.uid);
    const res = await signedCall(limited.base, 'GET', '/v1/account/export', { token: u.token });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(
      /^attachment; filename="clarity-export-\d{4}-\d{2}-\d{2}\.json"$/,
    );
    const archive = res.body.data;
    expect(archive.format).toBe('clarity-export-v1');
    const exportedPaths = archive.documents.map((d: { path: string }) => d.path) as string[];
    // The signed export request's own nonce is the user's too, so it is in the archive.
    const ownNonce = exportedPaths.filter((p) => p.startsWith(`signatureNonces/${u.uid}_`));
    expect(ownNonce).toHaveLength(1);
    // So is the rate-limit counter its requests wrote (rateLimits/u_{uid}).
    const counter = `rateLimits/u_${u.uid}`;
    expect((await db().doc(counter).get()).exists).toBe(true);
    expect(exportedPaths).toContain(counter);
    expect(exportedPaths.filter((p) => !ownNonce.includes(p) && p !== counter)).toEqual(seeded.exported);
    // Every top-level document that names the user, wherever code wrote it, is in the export.
    const mentions = await topLevelMentions(u.uid, true);
    expect(mentions).toContain(counter);
    expect(mentions).toContain(`llmCache/cached-${u.uid}`);
    expect(mentions.filter((p) => !exportedPaths.includes(p))).toEqual([]);
    expect(seeded.exported).toContain(`mail/mail-${u.uid}`);
    expect(seeded.exported).not.toContain(`webhookSecrets/webhookSecrets-${u.uid}`);
    expect(archive.rawObjects).toEqual(seeded.objects);
    const byPath = new Map(archive.documents.map((d: { path: string; data: unknown }) => [d.path, d.data]));
    expect(byPath.get(`users/${u.uid}/feedback/feedback-b`)).toEqual({
      kind: 'feedback',
      n: 2,
      at: '2026-11-02T00:00:00.000Z',
    });
    expect(byPath.get(`users/${u.uid}`)).toEqual({
      locale: 'en',
      careTeam: [],
      createdAt: '2026-11-01T00:00:00.000Z',
    });
    // Compare with what Firestore holds, document by document.
    const live = await userDocuments(db(), u.uid);
    expect(live.map((d) => d.ref.path).sort()).toEqual(seeded.paths);
    for (const d of live) expect(byPath.get(d.ref.path), d.ref.path).toEqual(toJson(d.data()));
    expect(JSON.stringify(archive)).not.toContain(bystander.uid);
  });

  it('DELETE /v1/account needs a signed request, then leaves no document or object of the user', async () => {
    const u = await userWithRoles('delete');
    const bystander = await userWithRoles('bystander2');
    const seeded = await seedEverything(u.uid);
    const other = await seedEverything(bystander.uid);

    const unsigned = await call(limited.base, 'DELETE', '/v1/account', { token: u.token });
    expect(unsigned.status).toBe(401);
    expect((await userDocuments(db(), u.uid)).length).toBe(seeded.paths.length);
    // The requests wrote the user's rate-limit counter.
    expect((await db().doc(`rateLimits/u_${u.uid}`).get()).exists).toBe(true);

    const key = await call(limited.base, 'POST', '/v1/security/signing-key', { token: u.token });
    expect(key.status).toBe(201);
    expect(key.body.data.key).toBe(deriveSigningKey(signingSecret, u.uid, 1));
    const headers = signRequest({ key: key.body.data.key, method: 'DELETE', path: '/v1/account' });
    const res = await call(limited.base, 'DELETE', '/v1/account', { token: u.token, headers });
    expect(res.status).toBe(200);
    // Seeded docs + one per byField collection + the cached insight + signingKeys/{uid} + the request's own
    // nonce + the rate-limit counter rateLimits/u_{uid}.
    const removed = seeded.paths.length + byField.length + 4;
    expect(res.body.data.deleted).toEqual({
      documents: removed,
      objects: seeded.objects.length,
    });

    expect(await userDocuments(db(), u.uid)).toEqual([]);
    expect((await db().doc(`users/${u.uid}`).listCollections()).length).toBe(0);
    expect(await listObjects(gw.blobs, `raw/${u.uid}/`)).toEqual([]);
    expect(await listObjects(gw.blobs, `uploads/${u.uid}/`)).toEqual([]);
    expect((await db().doc(`signingKeys/${u.uid}`).get()).exists).toBe(false);
    for (const b of byField) {
      const left = await db().collection(b.collection).where(b.field, '==', u.uid).get();
      expect(left.size, b.collection).toBe(0);
    }
    // Nothing at top level names the user any more, whatever collection code wrote it in (only the kept
    // audit trail and the erasure tombstone do).
    expect(await topLevelMentions(u.uid, false)).toEqual([]);
    await expect(adminAuth().getUser(u.uid)).rejects.toMatchObject({ code: 'auth/user-not-found' });
    const audit = await db()
      .collection('audit')
      .where('targetUid', '==', u.uid)
      .where('action', '==', 'account.delete')
      .get();
    expect(audit.docs.map((d) => d.get('details'))).toEqual([
      { via: 'api', documents: removed, objects: seeded.objects.length },
    ]);

    // Nothing of anyone else went.
    expect((await userDocuments(db(), bystander.uid)).map((d) => d.ref.path).sort()).toEqual(other.paths);
    expect(await listObjects(gw.blobs, `raw/${bystander.uid}/`)).toHaveLength(2);
    // The deleted token no longer works.
    expect((await call(limited.base, 'GET', '/v1/health/insights', { token: u.token })).status).toBe(401);
  });
});
