/**
 * The storage path end to end on the Emulator Suite: a signed-in client uploads a real export, the
 * `google.cloud.storage.object.v1.finalized` CloudEvent reaches the storage trigger, and the app's listener
 * (real client SDK, real rules) follows the upload document to `ingested`.
 *
 * No Storage emulator can run on this machine (its rules runtime is a separate download), so the client
 * uploads through the emulator-only route PUT /v1/health/files (the client library's `api` upload path),
 * which stores the object where the Storage SDK would and delivers the same event. The Storage SDK path
 * (uploadBytesResumable + storage.rules + BLOB_STORE=gcs) is covered where that emulator exists: see
 * storage-rules and storage-emulator tests.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { deleteApp, type FirebaseApp } from 'firebase/app';
import { doc, onSnapshot } from 'firebase/firestore';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { FsBlobStore } from '../../src/store/blob-store.ts';
import { adminDb, eventually, repoRoot, signedUpClient, signUp } from '../support/emulators.ts';
import { fireFinalized, uploadAsClient } from '../support/storage-events.ts';
import { sharedData } from '@clarity/core/testing';
import { readAgdFile, readAwdFile, readFitbitMinuteStepsWide } from '@clarity/core';
import { createReadStream } from 'node:fs';
import { epochsWithData, expectedDay } from '../support/expected-minutes.ts';

// Each upload now also cold-starts the api function (the client's file route): on a loaded machine that and
// the trigger's own cold start take longer than the project's 60 s default.
vi.setConfig({ testTimeout: 180_000 });

let app: FirebaseApp | undefined;
afterAll(() => (app ? deleteApp(app) : undefined));

describe('Storage upload -> onObjectFinalized -> upload document', () => {
  it('a real export is ingested with per-type counts equal to its records, followed live', async () => {
    const client = await signedUpClient(`storage-e2e-${Date.now()}`, `storage-${Date.now()}@example.com`);
    app = client.app;
    const { db, user } = client;

    const xml = readFileSync(sharedData('apple_health', 'tdda_export6s3sample.xml'));
    const records = xml.toString('utf8').split('<Record ').length - 1;
    const uploadId = `u${Date.now().toString(36)}`;

    const seen: string[] = [];
    const final = new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`not ingested in 150 s; saw ${seen.join(',')}`)),
        150_000,
      );
      const stop = onSnapshot(
        doc(db, 'users', user.uid, 'uploads', uploadId),
        (snap) => {
          const d = snap.data();
          if (!d) return;
          if (seen.at(-1) !== d.status) seen.push(d.status as string);
          if (['ingested', 'partial', 'rejected'].includes(d.status as string)) {
            clearTimeout(timer);
            stop();
            resolve(d);
          }
        },
        reject,
      );
    });
    await uploadAsClient(await user.getIdToken(), uploadId, 'export.xml', xml, {
      contentType: 'application/xml',
    });
    const d = await final;
    expect(seen.at(-1)).toBe('ingested');
    expect(d).toMatchObject({
      source: 'apple_health_export',
      counts: { accepted: records, duplicate: 0, rejected: 0 },
      byType: {
        HKQuantityTypeIdentifierStepCount: { accepted: 10, duplicate: 0, rejected: 0 },
        HKQuantityTypeIdentifierDistanceWalkingRunning: { accepted: 5, duplicate: 0, rejected: 0 },
      },
      progress: { records },
    });
  });
});

describe('Storage upload of device files -> onObjectFinalized -> per-minute series', () => {
  const blobs = new FsBlobStore(path.join(repoRoot, '.cache', 'blobs'));
  const db = adminDb();

  /** A signed-up user (uid and ID token), optionally with a profile time zone. */
  async function user(label: string, timezone?: string): Promise<{ uid: string; idToken: string }> {
    const u = await signUp(`${label}-${randomUUID().slice(0, 8)}@example.com`);
    if (timezone) await db.doc(`users/${u.uid}`).set({ timezone });
    return u;
  }

  /** Uploads a real file as the signed-in client does; waits for the upload document's end state. */
  async function upload(
    u: { uid: string; idToken: string },
    uploadId: string,
    filename: string,
    data: Buffer,
    options: { metadata?: { timezone?: string; subject?: string } } = {},
  ): Promise<Record<string, unknown>> {
    await uploadAsClient(u.idToken, uploadId, filename, data, options);
    return finished(u.uid, uploadId);
  }

  function finished(uid: string, uploadId: string, attempts = 1): Promise<Record<string, unknown>> {
    return eventually(async () => {
      const d = (await db.doc(`users/${uid}/uploads/${uploadId}`).get()).data();
      const done = d && ['ingested', 'partial', 'rejected'].includes(d.status as string);
      return done && (d.attempts as number) >= attempts ? d : undefined;
    }, 150_000);
  }

  async function minutes(uid: string, metric: string, date: string): Promise<(number | null)[]> {
    const d = await db.doc(`users/${uid}/series/${metric}_${date}`).get();
    return (d.get('minuteSeries') as { values: (number | null)[] }).values;
  }

  async function sampleTotal(uid: string): Promise<number> {
    const snap = await db.collection(`users/${uid}/series`).get();
    return snap.docs.reduce((n, d) => n + Object.keys(d.get('samples') as object).length, 0);
  }

  it('an Actiwatch .AWD: counts per epoch, activity_counts minutes in the profile zone; a redelivered event after a crash does not double-write', async () => {
    const zone = 'Asia/Tokyo';
    const u = await user('awd', zone);
    const uid = u.uid;
    const file = sharedData('actigraphy', 'actiwatch_awd', 'example_03.AWD');
    const { series } = await readAwdFile(file);
    const epochs = epochsWithData(series);
    const d = await upload(u, 'a1', 'example_03.AWD', readFileSync(file));
    expect(d).toMatchObject({
      status: 'ingested',
      source: 'actigraphy',
      format: 'awd',
      timezone: zone,
      counts: { accepted: epochs, duplicate: 0, rejected: 0 },
      byType: { 'awd.activity_counts': { accepted: epochs, duplicate: 0, rejected: 0 } },
    });
    const firstFull = new Date(Date.parse(`${series.start.slice(0, 10)}T00:00:00Z`) + 2 * 86_400_000)
      .toISOString()
      .slice(0, 10);
    expect(await minutes(uid, 'activity_counts', firstFull)).toEqual(
      expectedDay(series, zone, firstFull, 1440),
    );
    expect(await sampleTotal(uid)).toBe(epochs);

    // The attempt "died" before finishing: the event is delivered again and completes it.
    await db
      .doc(`users/${uid}/uploads/a1`)
      .update({ status: 'parsing', updatedAt: new Date(Date.now() - 10 * 60_000) });
    await fireFinalized(`uploads/${uid}/a1/example_03.AWD`, readFileSync(file).length, {
      contentType: 'application/octet-stream',
    });
    const again = await finished(uid, 'a1', 2);
    expect(again).toMatchObject({
      status: 'ingested',
      counts: { accepted: epochs, duplicate: 0, rejected: 0 },
    });
    expect(await sampleTotal(uid)).toBe(epochs);
  });

  it('an ActiGraph .agd (SQLite in the functions runtime): 10-s epochs summed per minute', async () => {
    const u = await user('agd');
    const file = sharedData('actigraphy', 'actilife_gt3xplus', 'GT3XPlus-RawData-Day01.agd');
    const { series } = await readAgdFile(file);
    const tail = series.values.length % 6;
    const d = await upload(u, 'g1', 'GT3XPlus-RawData-Day01.agd', readFileSync(file));
    expect(d).toMatchObject({
      status: 'ingested',
      format: 'agd',
      counts: { accepted: epochsWithData(series) - tail, duplicate: 0, rejected: tail },
    });
    expect(await minutes(u.uid, 'activity_counts', '2012-06-28')).toEqual(
      expectedDay(series, 'UTC', '2012-06-28', 1440),
    );
  });

  it('a Fitbit minuteStepsWide CSV: the participant named in the metadata becomes steps', async () => {
    const u = await user('fb');
    const subject = '1624580081';
    const zone = 'America/Los_Angeles';
    const file = sharedData('fitbit_fitabase', 'minuteStepsWide_merged.csv');
    const users = (await readFitbitMinuteStepsWide(createReadStream(file))).users;
    const series = users.find((u) => u.id === subject)!.series;
    const d = await upload(u, 'f1', 'minuteStepsWide_merged.csv', readFileSync(file), {
      metadata: { subject, timezone: zone },
    });
    expect(d).toMatchObject({
      status: 'ingested',
      source: 'fitbit',
      counts: { accepted: epochsWithData(series), duplicate: 0, rejected: 0 },
      byType: { 'fitbit_minute_steps.steps': { accepted: epochsWithData(series) } },
    });
    expect(await minutes(u.uid, 'steps', '2016-04-25')).toEqual(
      expectedDay(series, zone, '2016-04-25', 1440),
    );
  });

  it('a malformed .AWD header is rejected naming the line', async () => {
    const u = await user('bad');
    const uid = u.uid;
    const text = readFileSync(sharedData('actigraphy', 'actiwatch_awd', 'example_04.AWD'), 'latin1').split(
      '\r\n',
    );
    text[2] = 'noon';
    const d = await upload(u, 'b1', 'example_04.AWD', Buffer.from(text.join('\r\n'), 'latin1'));
    expect(d).toMatchObject({
      status: 'rejected',
      error: { code: 'parse_error', message: 'AWD line 3: start time is not HH:MM' },
    });
    expect(await blobs.exists(`raw/${uid}/b1/example_04.AWD`)).toBe(true);
  });
});
