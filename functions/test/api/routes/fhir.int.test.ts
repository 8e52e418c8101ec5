/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return -- response bodies are JSON; their shapes are what the assertions check */
/**
 * The FHIR routes on the Auth and Firestore emulators, on the data of the demo: the real example_01.AWD
 * week as stored activity counts (the device-file path: reader, minute conversion, the store's writer) and
 * the demo's HealthKit batch (heart rate and HRV), with an analysis and an insight.
 * - owner, care-team clinician and admin read $everything; a clinician outside the team gets 403;
 * - every FHIR read is in the audit trail, the owner's included;
 * - the Bundles (every page, and the account export) have zero errors against the official R4 schema.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Timestamp } from 'firebase-admin/firestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  epochsToMinutes,
  minuteSamples,
  readDeviceUpload,
  seriesDocSchema,
  validateHealthKitUpload,
} from '@clarity/core';
import { sharedData } from '@clarity/core/testing';
import { fhirBundleErrors } from '@clarity/core/testing/fhir-schema';
import { computeAnalysis } from '../../../src/pipeline/analytics.ts';
import { ingestUpload } from '../../../src/pipeline/ingest.ts';
import { createLogger } from '../../../src/platform/logger.ts';
import { writeSamples } from '../../../src/store/series-writer.ts';
import { adminDb } from '../../support/emulators.ts';
import { awdWeekFileFrom, weekBatchFromFile, yesterday } from '../../support/week-batch.ts';
import {
  call,
  signedCall,
  startGateway,
  userWithRoles,
  type Body,
  type Gateway,
} from '../../support/gateway.ts';

const project = 'demo-clarity-fhir';
let gw: Gateway;
const db = () => adminDb(project);
const awd = sharedData('actigraphy', 'actiwatch_awd', 'example_01.AWD');
const endDate = yesterday();
let owner: { uid: string; token: string };
let counts = 0;
let hkSamples = 0;

/** Stores the demo's data for a user: the AWD week (activity counts) and the HealthKit batch. */
async function seedDemo(uid: string): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'clarity-fhir-'));
  const file = path.join(dir, 'example_01-week.AWD');
  writeFileSync(file, await awdWeekFileFrom(awd, endDate));
  const dev = await readDeviceUpload(file, 'awd');
  const st = dev.streams[0]!;
  const minutes = minuteSamples(
    epochsToMinutes(st.series, { timezone: 'UTC' }),
    { type: st.type, source: st.source },
    'UTC',
  );
  counts = minutes.length;
  await writeSamples(db(), uid, 'up-awd', minutes, 'UTC');
  const week = await weekBatchFromFile(awd, endDate, { steps: false });
  const v = validateHealthKitUpload({ samples: week.samples, timezone: 'UTC' });
  expect(v.issues).toEqual([]);
  hkSamples = v.samples.length;
  await writeSamples(db(), uid, 'up-hk', v.samples, 'UTC');
  const t = (d: number) => Timestamp.fromMillis(Date.now() - d * 3_600_000);
  await db()
    .doc(`users/${uid}/uploads/up-awd`)
    .set({ status: 'ingested', source: 'actigraphy', format: 'awd', createdAt: t(3) });
  await db()
    .doc(`users/${uid}/uploads/up-hk`)
    .set({ status: 'ingested', source: 'healthkit', format: 'json', createdAt: t(2) });
  const series = (await db().collection(`users/${uid}/series`).get()).docs.map((d) =>
    seriesDocSchema.parse(d.data()),
  );
  const a = computeAnalysis(series, week.window, 'UTC');
  await db()
    .doc(`users/${uid}/analyses/job-1`)
    .set({ window: week.window, timezone: 'UTC', metrics: a.metrics, createdAt: t(1) });
  await db()
    .doc(`users/${uid}/insights/job-1`)
    .set({
      narrative: 'Your week in numbers.',
      keyInsights: [{ title: 'Sleep', detail: 'About seven hours a night.', metrics: [] }],
      recommendations: ['Keep a regular bedtime.'],
      disclaimer: 'This is not medical advice.',
      locale: 'en',
      createdAt: t(1),
    });
}

beforeAll(async () => {
  // The round trip posts a week of Observations (about 2 MB) in one upload.
  gw = await startGateway(project, { maxUploadBytes: 16 * 1024 * 1024 });
  const u = await userWithRoles('fhirowner');
  owner = { uid: u.uid, token: u.token };
  await seedDemo(owner.uid);
}, 180_000);
afterAll(async () => gw.close());

const everything = (uid: string, query = ''): string => `/v1/fhir/Patient/${uid}/$everything${query}`;

/** All pages of $everything, following the next links. */
async function allPages(token: string, uid: string, query: string): Promise<Body[]> {
  const pages: Body[] = [];
  let url: string | undefined = everything(uid, query);
  while (url && pages.length < 50) {
    const res = await call(gw.base, 'GET', url, { token });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    pages.push(res.body);
    const next: string | undefined = res.body.link.find(
      (l: { relation: string }) => l.relation === 'next',
    )?.url;
    url = next ? new URL(next).pathname + new URL(next).search : undefined;
  }
  return pages;
}

describe('GET /v1/fhir/Patient/{uid}/$everything', () => {
  it('gives the owner every resource, paged, each page valid against the R4 schema', async () => {
    const pages = await allPages(owner.token, owner.uid, '?_count=100');
    expect(pages.length).toBeGreaterThan(1);
    const total = pages[0].total as number;
    const entries = pages.flatMap((p) => p.entry);
    expect(entries).toHaveLength(total);
    expect(new Set(entries.map((e: Body) => e.fullUrl)).size).toBe(total);
    for (const p of pages) {
      expect(p.type).toBe('searchset');
      expect(fhirBundleErrors(p)).toEqual([]);
    }
    const resources = entries.map((e: Body) => e.resource);
    const byType = (t: string) => resources.filter((r: Body) => r.resourceType === t);
    expect(byType('Patient')).toHaveLength(1);
    expect(
      byType('Provenance')
        .map((p: Body) => p.entity[0].what.identifier.value)
        .sort(),
    ).toEqual(['up-awd', 'up-hk']);
    expect(byType('Communication')[0].payload.at(-1).contentString).toBe('This is not medical advice.');
    // The week's counts, one SampledData Observation a day, every minute stored.
    const minuteSeries = byType('Observation').filter((o: Body) => o.valueSampledData);
    expect(minuteSeries.length).toBeGreaterThanOrEqual(7);
    const values = minuteSeries.flatMap((o: Body) =>
      o.valueSampledData.data.split(' ').filter((x: string) => x !== 'E'),
    );
    expect(values).toHaveLength(counts);
    const samples = byType('Observation').filter((o: Body) => o.id.startsWith('s-'));
    expect(samples).toHaveLength(hkSamples);
    const results = byType('Observation').filter((o: Body) => o.meta?.tag?.[0]?.code === 'analysis');
    expect(results.length).toBeGreaterThan(5);
    for (const r of results) expect(r.method.coding[0].code).toBeTruthy();
  }, 180_000);

  it('filters by _type and _since', async () => {
    const devices = await call(gw.base, 'GET', everything(owner.uid, '?_type=Patient,Device'), {
      token: owner.token,
    });
    expect(devices.status).toBe(200);
    expect(new Set(devices.body.entry.map((e: Body) => e.resource.resourceType))).toEqual(
      new Set(['Patient', 'Device']),
    );
    // Only the HealthKit upload was received in the last 2.5 hours: no activity counts.
    const since = new Date(Date.now() - 2.5 * 3_600_000).toISOString();
    const recent = await allPages(
      owner.token,
      owner.uid,
      `?_type=Observation,Provenance&_since=${since}&_count=1000`,
    );
    const rs = recent.flatMap((p) => p.entry.map((e: Body) => e.resource));
    expect(rs.some((r: Body) => r.valueSampledData)).toBe(false);
    expect(
      rs
        .filter((r: Body) => r.resourceType === 'Provenance')
        .map((p: Body) => p.entity[0].what.identifier.value),
    ).toEqual(['up-hk']);
    const bad = await call(gw.base, 'GET', everything(owner.uid, '?_type=Condition'), { token: owner.token });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toEqual(['query', '_type']);
  }, 120_000);

  it('lets the care team and an admin read, refuses a clinician outside the team with 403, and audits every read', async () => {
    const inTeam = await userWithRoles('fhirdr', ['clinician']);
    const outside = await userWithRoles('fhirfar', ['clinician']);
    const stranger = await userWithRoles('fhirother');
    const admin = await userWithRoles('fhiradmin', ['admin']);
    await db()
      .doc(`users/${owner.uid}`)
      .set({ careTeam: [inTeam.uid] }, { merge: true });
    const q = everything(owner.uid, '?_type=Patient');
    for (const reader of [inTeam, admin])
      expect((await call(gw.base, 'GET', q, { token: reader.token })).status).toBe(200);
    for (const denied of [outside, stranger]) {
      const res = await call(gw.base, 'GET', q, { token: denied.token });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('permission_denied');
    }
    expect((await call(gw.base, 'GET', q)).status).toBe(401);
    const audit = await db()
      .collection('audit')
      .where('targetUid', '==', owner.uid)
      .where('action', '==', 'fhir.everything')
      .get();
    const readers = audit.docs.map((d) => [d.get('actorUid'), d.get('details.basis')]);
    expect(readers).toContainEqual([owner.uid, 'self']);
    expect(readers).toContainEqual([inTeam.uid, 'care_team']);
    expect(readers).toContainEqual([admin.uid, 'admin']);
    expect(readers.some(([u]) => u === outside.uid || u === stranger.uid)).toBe(false);
    // One entry per successful read: count this test's own reads.
    const own = audit.docs.filter((d) => [inTeam.uid, admin.uid].includes(d.get('actorUid')));
    expect(own).toHaveLength(2);
  }, 120_000);
});

describe('GET /v1/account/export?format=fhir', () => {
  it('hands the owner one collection Bundle of everything, valid against the R4 schema, audited', async () => {
    const res = await signedCall(gw.base, 'GET', '/v1/account/export?format=fhir', { token: owner.token });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    expect(res.headers.get('content-disposition')).toMatch(/\.fhir\.json"$/);
    expect(res.body.type).toBe('collection');
    expect(fhirBundleErrors(res.body)).toEqual([]);
    const page = await call(gw.base, 'GET', everything(owner.uid, '?_count=1'), { token: owner.token });
    expect(res.body.entry).toHaveLength(page.body.total);
    const audit = await db()
      .collection('audit')
      .where('targetUid', '==', owner.uid)
      .where('action', '==', 'account.export')
      .get();
    expect(audit.docs.some((d) => d.get('details.format') === 'fhir')).toBe(true);
    // Unsigned, it is refused like the JSON archive.
    expect(
      (await call(gw.base, 'GET', '/v1/account/export?format=fhir', { token: owner.token })).status,
    ).toBe(401);
  }, 120_000);
});

/** Series documents of a user by id: the per-day minute series and sample counts the store keeps. */
async function seriesOf(uid: string): Promise<Map<string, { minuteSeries: unknown; sampleCount: number }>> {
  const snap = await db().collection(`users/${uid}/series`).get();
  return new Map(
    snap.docs.map((d) => [d.id, { minuteSeries: d.get('minuteSeries'), sampleCount: d.get('sampleCount') }]),
  );
}

/** POST /v1/health/upload, then the ingest handler on it (the Storage/Firestore trigger's work, called directly). */
async function uploadAndIngest(token: string, uid: string, body: string, contentType: string): Promise<Body> {
  const res = await call(gw.base, 'POST', '/v1/health/upload', {
    token,
    body,
    headers: { 'content-type': contentType },
  });
  expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(202);
  const out = await ingestUpload(
    { uid, uploadId: res.body.data.uploadId },
    { db: db(), blobs: gw.blobs, log: createLogger({ test: 'fhir' }), now: Date.now },
  );
  expect(out).toMatchObject({ kind: 'done', status: 'ingested' });
  return out;
}

describe('FHIR round trip: export, then POST /v1/health/upload as application/fhir+json', () => {
  it('gives a new user the same per-day series and the same analysis', async () => {
    // The source user: the demo week as a HealthKit batch with steps (heart rate, HRV, steps).
    const source = await userWithRoles('fhirsource');
    const week = await weekBatchFromFile(awd, endDate);
    await uploadAndIngest(
      source.token,
      source.uid,
      JSON.stringify({ samples: week.samples, timezone: 'UTC' }),
      'application/json',
    );
    const pages = await allPages(source.token, source.uid, '?_type=Device,Observation&_count=1000');
    const bundle = { resourceType: 'Bundle', type: 'collection', entry: pages.flatMap((p) => p.entry) };
    expect(fhirBundleErrors(bundle)).toEqual([]);

    const target = await userWithRoles('fhirtarget');
    const out = await uploadAndIngest(
      target.token,
      target.uid,
      JSON.stringify(bundle),
      'application/fhir+json',
    );
    expect(out.counts).toEqual({ accepted: week.samples.length, duplicate: 0, rejected: 0 });
    const [a, b] = [await seriesOf(source.uid), await seriesOf(target.uid)];
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [id, doc] of a) expect(b.get(id), id).toEqual(doc);
    const docs = async (uid: string) =>
      (await db().collection(`users/${uid}/series`).get()).docs.map((d) => seriesDocSchema.parse(d.data()));
    const before = computeAnalysis(await docs(source.uid), week.window, 'UTC');
    const after = computeAnalysis(await docs(target.uid), week.window, 'UTC');
    expect(after.metrics.activity?.meanDailySteps).toBeGreaterThan(0);
    expect(after).toEqual(before);

    // The same Bundle again: every sample is a duplicate (the same ids as a HealthKit batch).
    const again = await uploadAndIngest(
      target.token,
      target.uid,
      JSON.stringify(bundle),
      'application/fhir+json',
    );
    expect(again.counts).toEqual({ accepted: 0, duplicate: week.samples.length, rejected: 0 });
  }, 300_000);

  it('refuses an Observation it cannot store, naming the entry and the reason', async () => {
    const u = await userWithRoles('fhirbad');
    const obs = (value: number, code: string) => ({
      resource: {
        resourceType: 'Observation',
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
        effectiveDateTime: '2026-11-20T07:00:00Z',
        valueQuantity: { value, unit: 'x', system: 'http://unitsofmeasure.org', code },
        device: { display: 'Clinic monitor' },
      },
    });
    const post = (entry: unknown[]) =>
      call(gw.base, 'POST', '/v1/health/upload', {
        token: u.token,
        body: JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry }),
        headers: { 'content-type': 'application/fhir+json' },
      });
    const wrongUnit = await post([obs(64, '/min'), obs(64, 'kg')]);
    expect(wrongUnit.status).toBe(400);
    expect(wrongUnit.body.error.details).toEqual([
      { path: ['entry', 1, 'resource', 'valueQuantity'], message: expect.stringContaining('"/min"') },
    ]);
    // The HealthKit validation, with the entry named: 400 bpm is out of range.
    const implausible = await post([obs(64, '/min'), obs(400, '/min')]);
    expect(implausible.status).toBe(400);
    expect(implausible.body.error.details[0].path).toEqual(['entry', 1, 'resource', 'value']);
  });
});
