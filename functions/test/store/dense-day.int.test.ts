/* eslint-disable @typescript-eslint/no-unsafe-member-access -- JSON bodies are read as `Body` (any) by design */
/**
 * A dense day (issue 15): continuous 5-s heart rate, 17 280 samples in one local day, is more than one
 * Firestore document holds (1 MiB, 20 000 fields). Written through the series writer on the Firestore
 * emulator, it is sharded (store/series-days.ts) and every reader sees one logical day: the analysis window,
 * the minute view, trends through the real API, the GDPR export and the FHIR export.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  assertFails,
  initializeTestEnvironment,
  type RulesTestEnvironment,
} from '@firebase/rules-unit-testing';
import { collection, doc, getDoc, getDocs, setLogLevel, type Firestore } from 'firebase/firestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSeriesDay } from '@clarity/client';
import { maxSamplesPerSeriesDoc, type CanonicalSample } from '@clarity/core';
import { writeSamples } from '../../src/store/series-writer.ts';
import { loadWindowSeries } from '../../src/pipeline/series.ts';
import { adminDb, emulatorOrigin, repoRoot } from '../support/emulators.ts';
import { call, signedCall, startGateway, userWithRoles, type Gateway } from '../support/gateway.ts';

const project = 'demo-clarity-dense';
const db = () => adminDb(project);
const date = '2026-11-10';
const perDay = 17_280;
let gw: Gateway;
let rules: RulesTestEnvironment;

beforeAll(async () => {
  gw = await startGateway(project);
  // firestore.rules on this project, for the client-SDK reads below (the Admin SDK bypasses them).
  setLogLevel('silent');
  const host = new URL(emulatorOrigin('firestore'));
  rules = await initializeTestEnvironment({
    projectId: project,
    firestore: {
      rules: readFileSync(path.join(repoRoot, 'firestore.rules'), 'utf8'),
      host: host.hostname,
      port: Number(host.port),
    },
  });
});
afterAll(async () => {
  await rules.cleanup();
  await gw.close();
});

/** The client SDK as a signed-in user under firestore.rules. */
const clientDb = (uid: string) => rules.authenticatedContext(uid).firestore() as unknown as Firestore;

function heartRateDay(): CanonicalSample[] {
  const t0 = Date.parse(`${date}T00:00:00Z`);
  return Array.from({ length: perDay }, (_, i) => ({
    type: 'HKQuantityTypeIdentifierHeartRate',
    metric: 'heart_rate',
    startMs: t0 + i * 5000,
    endMs: t0 + i * 5000,
    offsetMinutes: 0,
    value: 60 + (i % 40),
    unit: 'count/min',
    stage: null,
    source: 'Watch',
    device: null,
  }));
}

describe('a day of 17 280 samples', () => {
  it('is sharded across documents, each within the limits, and read back as one logical day', async () => {
    const u = await userWithRoles('dense');
    await db().doc(`users/${u.uid}`).set({ timezone: 'UTC' }, { merge: true });
    const samples = heartRateDay();
    const first = await writeSamples(db(), u.uid, 'up-dense', samples, 'UTC');
    expect(first.counts).toEqual({ accepted: perDay, duplicate: 0, rejected: 0 });

    const headRef = db().doc(`users/${u.uid}/series/heart_rate_${date}`);
    const head = (await headRef.get()).data() ?? {};
    const shards = await headRef.collection('shards').get();
    const expectedShards = Math.ceil(perDay / maxSamplesPerSeriesDoc) - 1;
    expect(head.sampleCount).toBe(perDay);
    expect(head.shards).toBe(expectedShards);
    expect(shards.size).toBe(expectedShards);
    const sizes = [head, ...shards.docs.map((d) => d.data())].map(
      (d) => Object.keys(d.samples as object).length,
    );
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(perDay);
    for (const d of [head, ...shards.docs.map((s) => s.data())]) {
      expect(Object.keys(d.samples as object).length).toBeLessThanOrEqual(maxSamplesPerSeriesDoc);
      expect(Buffer.byteLength(JSON.stringify(d))).toBeLessThan(1024 * 1024);
    }
    // The minute view covers the whole day: 12 samples a minute, the mean of each minute.
    const minutes = head.minuteSeries as { kind: string; mean: (number | null)[] } | undefined;
    expect(minutes?.kind).toBe('stats');
    expect(minutes?.mean.filter((v) => v !== null)).toHaveLength(1440);

    // The same samples again: this upload's own are accepted again (a retry), another upload's duplicates.
    expect((await writeSamples(db(), u.uid, 'up-dense', samples, 'UTC')).counts.accepted).toBe(perDay);
    expect((await writeSamples(db(), u.uid, 'up-other', samples, 'UTC')).counts).toEqual({
      accepted: 0,
      duplicate: perDay,
      rejected: 0,
    });
    expect((await headRef.get()).get('sampleCount')).toBe(perDay);

    // Analysis: one document for the day with every sample.
    const window = await loadWindowSeries(db(), u.uid, { start: date, end: date });
    const day = window.filter((d) => d.metric === 'heart_rate' && d.date === date);
    expect(day).toHaveLength(1);
    expect(Object.keys(day[0]?.samples ?? {})).toHaveLength(perDay);

    // Trends through the API: the day's mean over all 17 280 samples (values 60..99, 432 of each).
    const res = await call(gw.base, 'GET', `/v1/health/trends?metric=heart_rate&start=${date}&end=${date}`, {
      token: u.token,
    });
    expect(res.status).toBe(200);
    expect(res.body.data.points).toHaveLength(1);
    expect(res.body.data.points[0].samples).toBe(perDay);
    expect(res.body.data.points[0].value).toBeCloseTo(79.5, 6);

    // GDPR export: one document for the day, holding every sample.
    const exp = await signedCall(gw.base, 'GET', '/v1/account/export', { token: u.token });
    expect(exp.status).toBe(200);
    const docs = (exp.body.data?.documents ?? exp.body.documents) as {
      path: string;
      data: { samples?: object };
    }[];
    const series = docs.filter((d) => d.path.includes(`/series/heart_rate_${date}`));
    expect(series.map((d) => d.path)).toEqual([`users/${u.uid}/series/heart_rate_${date}`]);
    expect(Object.keys(series[0]?.data.samples ?? {})).toHaveLength(perDay);

    // The app, through the client SDK under firestore.rules: the head alone holds 1 500 samples; the shard
    // documents are the owner's to read, and @clarity/client's readSeriesDay merges them into one day.
    const owner = clientDb(u.uid);
    const headOnly = await getDoc(doc(owner, `users/${u.uid}/series/heart_rate_${date}`));
    expect(Object.keys(headOnly.get('samples') as object)).toHaveLength(maxSamplesPerSeriesDoc);
    expect((await getDocs(collection(owner, `users/${u.uid}/series/heart_rate_${date}/shards`))).size).toBe(
      expectedShards,
    );
    const logical = await readSeriesDay(owner, u.uid, 'heart_rate', date);
    expect(logical?.id).toBe(`heart_rate_${date}`);
    expect(logical?.sampleCount).toBe(perDay);
    const values = Object.values(logical?.samples ?? {});
    expect(values).toHaveLength(perDay);
    expect(values.reduce((a, x) => a + (x.v ?? 0), 0) / perDay).toBeCloseTo(79.5, 9);
    expect(typeof logical?.updatedAt).toBe('number');
    expect(await readSeriesDay(owner, u.uid, 'heart_rate', '2026-11-11')).toBeUndefined();
    // Nobody else reads a shard with the client SDK (clinicians read through the audited API).
    const other = clientDb('someone-else');
    await assertFails(getDoc(doc(other, `users/${u.uid}/series/heart_rate_${date}/shards/1`)));
    await assertFails(readSeriesDay(other, u.uid, 'heart_rate', date));

    // FHIR: one Observation per sample of the day, the shards' included (store/export-input.ts).
    const fhir = await call(
      gw.base,
      'GET',
      `/v1/fhir/Patient/${u.uid}/$everything?_type=Observation&_count=1`,
      { token: u.token },
    );
    expect(fhir.status).toBe(200);
    expect(fhir.body.total).toBe(perDay);
  }, 600_000);
});
