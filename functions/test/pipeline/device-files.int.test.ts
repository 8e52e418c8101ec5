/**
 * Device files through the file-ingest handler on the Firestore emulator (own project id, handler called
 * directly so retries and crashes can be forced): real Actiwatch .AWD, ActiGraph .agd and ActiLife .csv,
 * and the Fitabase minute-steps CSV. Expected per-minute values are computed here from the reader's epochs
 * with an independent zone conversion (a search over Intl-formatted instants), not from the code under test.
 * Also: workouts and activity summaries of an Apple export, and their deletion with the account.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { readActiLifeCsvFile, readAgdFile, readAwdFile, readFitbitMinuteStepsWide } from '@clarity/core';
import { sharedData } from '@clarity/core/testing';
import { createReadStream } from 'node:fs';
import { createLogger } from '../../src/platform/logger.ts';
import { ingestStorageObject, type FileIngestDeps } from '../../src/pipeline/ingest-file.ts';
import { stageDeps } from '../../src/pipeline/deps.ts';
import { deleteUserData } from '../../src/store/account-data.ts';
import { FsBlobStore } from '../../src/store/blob-store.ts';
import { adminDb } from '../support/emulators.ts';
import { epochsWithData, expectedDay } from '../support/expected-minutes.ts';
import { testStageSettings } from '../support/stage-settings.ts';

const project = 'demo-clarity-device-files';
const db = () => adminDb(project);
let deps: FileIngestDeps;
/** Stage settings as the params give them by default (only importLimits matters here). */
const stageSettings = testStageSettings();
let blobs: FsBlobStore;
let uid: string;
let staging: string;

beforeEach(() => {
  uid = `dev-${randomUUID().slice(0, 8)}`;
  blobs = new FsBlobStore(mkdtempSync(path.join(tmpdir(), 'clarity-devfiles-')));
  staging = mkdtempSync(path.join(tmpdir(), 'clarity-staging-'));
  deps = {
    db: db(),
    blobs,
    log: createLogger({ test: 'device-files' }),
    now: Date.now,
    progressEveryMs: 0,
    tmpDir: staging,
  };
});

async function put(name: string, data: Buffer, metadata?: Record<string, string>) {
  await blobs.put(name, data, 'application/octet-stream');
  return { name, size: data.length, ...(metadata ? { metadata } : {}) };
}

async function uploadDoc(uploadId: string): Promise<Record<string, unknown>> {
  return (await db().doc(`users/${uid}/uploads/${uploadId}`).get()).data() ?? {};
}

async function seriesDoc(metric: string, date: string): Promise<Record<string, unknown>> {
  return (await db().doc(`users/${uid}/series/${metric}_${date}`).get()).data() ?? {};
}

async function storedSamples(metric: string): Promise<number> {
  const snap = await db().collection(`users/${uid}/series`).where('metric', '==', metric).get();
  return snap.docs.reduce((n, d) => n + Object.keys(d.get('samples') as object).length, 0);
}

describe('Actiwatch .AWD', () => {
  it('is stored as activity_counts per minute in the profile zone, counts = the reader epochs; retry and re-import never double-write', async () => {
    const zone = 'America/New_York';
    await db().doc(`users/${uid}`).set({ timezone: zone });
    const file = sharedData('actigraphy', 'actiwatch_awd', 'example_01.AWD');
    const recording = await readAwdFile(file);
    const epochs = epochsWithData(recording.series);
    expect(epochs).toBe(recording.series.values.length);
    const object = await put(`uploads/${uid}/awd1/example_01.AWD`, readFileSync(file));
    const out = await ingestStorageObject(object, deps);
    expect(out).toEqual({
      kind: 'done',
      status: 'ingested',
      counts: { accepted: epochs, duplicate: 0, rejected: 0 },
    });
    const doc = await uploadDoc('awd1');
    expect(doc).toMatchObject({
      status: 'ingested',
      source: 'actigraphy',
      format: 'awd',
      timezone: zone,
      sampleCount: epochs,
      byType: { 'awd.activity_counts': { accepted: epochs, duplicate: 0, rejected: 0 } },
      rejections: [],
      progress: { records: recording.series.values.length },
    });
    expect(doc.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(readdirSync(staging)).toEqual([]); // the staged copy is gone

    // A full local day inside the recording: the stored minute series equals the epochs of that day.
    const date = '1918-01-25';
    const stored = (await seriesDoc('activity_counts', date)).minuteSeries as {
      values: (number | null)[];
      minutes: number;
      unit: string;
      sources: string[];
    };
    expect(stored.minutes).toBe(1440);
    expect(stored.unit).toBe('count');
    expect(stored.sources).toEqual(['Actiwatch V664055']);
    expect(stored.values).toEqual(expectedDay(recording.series, zone, date, 1440));
    // Counts never go into steps.
    expect((await db().collection(`users/${uid}/series`).where('metric', '==', 'steps').get()).size).toBe(0);

    // Redelivery of the finished upload: skipped. A crashed attempt retried: same counts, no new samples.
    expect(await ingestStorageObject(object, deps)).toEqual({
      kind: 'skipped',
      reason: 'upload already ingested',
    });
    await db()
      .doc(`users/${uid}/uploads/awd1`)
      .update({ status: 'parsing', updatedAt: new Date(Date.now() - 10 * 60_000) });
    expect(await ingestStorageObject(object, deps)).toMatchObject({
      status: 'ingested',
      counts: { accepted: epochs, duplicate: 0, rejected: 0 },
    });
    expect(await storedSamples('activity_counts')).toBe(epochs);

    // The same file uploaded again: every epoch a duplicate.
    const again = await ingestStorageObject(
      await put(`uploads/${uid}/awd2/copy.awd`, readFileSync(file)),
      deps,
    );
    expect(again).toMatchObject({
      status: 'ingested',
      counts: { accepted: 0, duplicate: epochs, rejected: 0 },
    });
    expect(await storedSamples('activity_counts')).toBe(epochs);
  });

  it('a malformed line rejects the upload naming the line; nothing is stored, the raw object is kept', async () => {
    const lines = readFileSync(sharedData('actigraphy', 'actiwatch_awd', 'example_02.AWD'), 'latin1').split(
      '\r\n',
    );
    lines[11] = '12x';
    const object = await put(`uploads/${uid}/bad1/example_02.AWD`, Buffer.from(lines.join('\r\n'), 'latin1'));
    expect(await ingestStorageObject(object, deps)).toMatchObject({ status: 'rejected' });
    const doc = await uploadDoc('bad1');
    expect(doc).toMatchObject({
      status: 'rejected',
      error: { code: 'parse_error', message: expect.stringMatching(/^AWD line 12: /) as string },
      rejections: [{ line: 12, path: ['line', 12] }],
    });
    expect(await blobs.exists(`raw/${uid}/bad1/example_02.AWD`)).toBe(true);
    expect((await db().collection(`users/${uid}/series`).get()).size).toBe(0);
    // Audited like every ingest (issue 15), rejected ones included.
    const audit = await db().collection('audit').where('targetUid', '==', uid).get();
    expect(audit.docs.map((d): unknown[] => [d.get('action'), d.get('resource'), d.get('details')])).toEqual([
      [
        'health.ingest',
        `users/${uid}/uploads/bad1`,
        expect.objectContaining({
          uploadId: 'bad1',
          status: 'rejected',
          via: 'device-file:awd',
          accepted: 0,
        }),
      ],
    ]);
  });
});

describe('IMPORT_LIMITS in the device readers', () => {
  it('a lowered maxSpanDays rejects a real .AWD that passes by default, naming the limit; raising it back imports it', async () => {
    const file = sharedData('actigraphy', 'actiwatch_awd', 'example_01.AWD'); // 12.8 days
    // The deps the trigger builds from the params (pipeline/deps.ts), with IMPORT_LIMITS set.
    const withLimits = (importLimitsParam: string): FileIngestDeps => {
      const built = stageDeps(
        { db: db(), blobs: () => blobs, log: deps.log, now: Date.now },
        { ...stageSettings, importLimits: importLimitsParam },
      ).fileIngest();
      return { ...deps, ...(built.limits ? { limits: built.limits } : {}) };
    };
    const object = await put(`uploads/${uid}/span1/example_01.AWD`, readFileSync(file));
    expect(await ingestStorageObject(object, withLimits('maxSpanDays=7'))).toMatchObject({
      status: 'rejected',
    });
    expect(await uploadDoc('span1')).toMatchObject({
      status: 'rejected',
      error: {
        code: 'invalid_input',
        message: expect.stringMatching(
          /^AWD line \d+: the recording would span more than 7 days \(limit maxSpanDays = 7\)/,
        ) as string,
      },
      rejections: [{ path: ['limits', 'maxSpanDays'] }],
    });
    expect(await blobs.exists(`raw/${uid}/span1/example_01.AWD`)).toBe(true);
    expect((await db().collection(`users/${uid}/series`).get()).size).toBe(0);

    const again = await put(`uploads/${uid}/span2/example_01.AWD`, readFileSync(file));
    expect(await ingestStorageObject(again, withLimits('maxSpanDays=30'))).toMatchObject({
      status: 'ingested',
    });
  });
});

describe('ActiGraph .agd and ActiLife .csv (10-s epochs)', () => {
  it('an .agd (SQLite, staged to a temporary file) sums 10-s epochs into minutes; the unfinished last minute is rejected', async () => {
    const file = sharedData('actigraphy', 'actilife_gt3xplus', 'GT3XPlus-RawData-Day01.agd');
    const { series } = await readAgdFile(file);
    const total = epochsWithData(series);
    const tail = series.values.length % 6;
    const out = await ingestStorageObject(
      await put(`uploads/${uid}/agd1/day01.agd`, readFileSync(file)),
      deps,
    );
    expect(out).toEqual({
      kind: 'done',
      status: 'ingested',
      counts: { accepted: total - tail, duplicate: 0, rejected: tail },
    });
    const doc = await uploadDoc('agd1');
    expect(doc).toMatchObject({
      format: 'agd',
      source: 'actigraphy',
      timezone: 'UTC',
      byType: { 'agd.axis1': { accepted: total - tail, duplicate: 0, rejected: tail } },
      rejections: [{ path: ['agd.axis1', 'epochs'] }],
    });
    expect(readdirSync(staging)).toEqual([]);
    const date = '2012-06-28';
    const stored = (await seriesDoc('activity_counts', date)).minuteSeries as { values: (number | null)[] };
    expect(stored.values).toEqual(expectedDay(series, 'UTC', date, 1440));
    expect(stored.values.filter((v) => v !== null).length).toBeGreaterThan(700);
  });

  it('the ActiLife .csv export of the same day gives the same minutes', async () => {
    const file = sharedData('actigraphy', 'actilife_gt3xplus', 'GT3XPlus-RawData-Day01.csv');
    const { series } = await readActiLifeCsvFile(file);
    const out = await ingestStorageObject(
      await put(`uploads/${uid}/csv1/day01.csv`, readFileSync(file)),
      deps,
    );
    expect(out).toMatchObject({
      status: 'ingested',
      counts: { accepted: series.values.length - 5, rejected: 5 },
    });
    expect(await uploadDoc('csv1')).toMatchObject({
      format: 'csv',
      byType: { 'actilife_csv.axis1': { rejected: 5 } },
    });
    for (const date of ['2012-06-27', '2012-06-28']) {
      const stored = (await seriesDoc('activity_counts', date)).minuteSeries as { values: (number | null)[] };
      expect(stored.values).toEqual(expectedDay(series, 'UTC', date, 1440));
    }
  });
});

describe('Fitbit minuteStepsWide', () => {
  const file = () => sharedData('fitbit_fitabase', 'minuteStepsWide_merged.csv');

  it('imports the participant named by the upload metadata as steps (source fitbit) in the zone of the metadata', async () => {
    const subject = '1503960366';
    const zone = 'America/Chicago';
    const users = (await readFitbitMinuteStepsWide(createReadStream(file()))).users;
    const series = users.find((u) => u.id === subject)!.series;
    const epochs = epochsWithData(series);
    const object = await put(`uploads/${uid}/fb1/minuteStepsWide_merged.csv`, readFileSync(file()), {
      subject,
      timezone: zone,
    });
    const out = await ingestStorageObject(object, deps);
    expect(out).toEqual({
      kind: 'done',
      status: 'ingested',
      counts: { accepted: epochs, duplicate: 0, rejected: 0 },
    });
    expect(await uploadDoc('fb1')).toMatchObject({
      source: 'fitbit',
      format: 'csv',
      timezone: zone,
      sampleCount: epochs,
      byType: { 'fitbit_minute_steps.steps': { accepted: epochs, duplicate: 0, rejected: 0 } },
      importSummary: { subject, subjectsInFile: users.length, timezoneSource: 'upload metadata' },
    });
    const date = '2016-04-20';
    const doc = await seriesDoc('steps', date);
    const stored = doc.minuteSeries as { values: (number | null)[]; sources: string[] };
    expect(doc.sources).toEqual(['fitbit']);
    expect(stored.values).toEqual(expectedDay(series, zone, date, 1440));
    expect(
      (await db().collection(`users/${uid}/series`).where('metric', '==', 'activity_counts').get()).size,
    ).toBe(0);
  });

  it('a file of several participants without a subject is rejected naming the field', async () => {
    const out = await ingestStorageObject(
      await put(`uploads/${uid}/fb2/steps.csv`, readFileSync(file())),
      deps,
    );
    expect(out).toMatchObject({ status: 'rejected' });
    expect(await uploadDoc('fb2')).toMatchObject({
      status: 'rejected',
      source: 'fitbit',
      error: { code: 'invalid_input', message: expect.stringMatching(/33 Fitbit participants/) as string },
      rejections: [{ path: ['subject'] }],
    });
  });

  it('daily totals and unknown files are refused with the reason', async () => {
    const daily = readFileSync(sharedData('fitbit_fitabase', 'dailySteps_merged.csv'));
    await ingestStorageObject(await put(`uploads/${uid}/fb3/dailySteps.csv`, daily), deps);
    expect(await uploadDoc('fb3')).toMatchObject({
      status: 'rejected',
      error: { code: 'unsupported_media_type', message: expect.stringMatching(/minuteStepsWide/) as string },
    });
    await ingestStorageObject(await put(`uploads/${uid}/x1/notes.bin`, Buffer.from('hello\nworld\n')), deps);
    expect(await uploadDoc('x1')).toMatchObject({ status: 'rejected', format: 'other' });
  });
});

describe('Apple export workouts and activity summaries', () => {
  it('are stored with deterministic ids; a re-import is duplicates; account deletion removes them', async () => {
    const xml = readFileSync(sharedData('apple_health', 'tdda_export6s3sample.xml'));
    const text = xml.toString('utf8');
    const workouts = text.split('<Workout ').length - 1;
    const summaries = text.split('<ActivitySummary ').length - 1;
    expect(workouts).toBeGreaterThan(0);
    expect(summaries).toBeGreaterThan(0);
    await ingestStorageObject(await put(`uploads/${uid}/w1/export.xml`, xml), deps);
    const w = await db().collection(`users/${uid}/workouts`).get();
    const s = await db().collection(`users/${uid}/activitySummaries`).get();
    expect(w.size).toBe(workouts);
    expect(s.size).toBe(summaries);
    expect(w.docs[0]!.data()).toMatchObject({
      activityType: expect.stringMatching(/^HKWorkoutActivityType/) as string,
      uploadId: 'w1',
    });
    expect(s.docs.map((d) => d.id)).toEqual(s.docs.map((d) => d.get('date') as string));
    expect((await uploadDoc('w1')).importSummary).toMatchObject({
      workoutsStored: { accepted: workouts, duplicate: 0, rejected: 0 },
      activitySummariesStored: { accepted: summaries, duplicate: 0, rejected: 0 },
    });

    await ingestStorageObject(await put(`uploads/${uid}/w2/export.xml`, xml), deps);
    expect((await uploadDoc('w2')).importSummary).toMatchObject({
      workoutsStored: { accepted: 0, duplicate: workouts },
      activitySummariesStored: { accepted: 0, duplicate: summaries },
    });
    expect((await db().collection(`users/${uid}/workouts`).get()).size).toBe(workouts);

    await deleteUserData(db(), blobs, uid);
    expect((await db().collection(`users/${uid}/workouts`).get()).size).toBe(0);
    expect((await db().collection(`users/${uid}/activitySummaries`).get()).size).toBe(0);
  });
});
