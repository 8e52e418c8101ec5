/**
 * The client library on the Emulator Suite, as an app uses it: a user signs up with the Firebase client SDK,
 * uploads the real Actiwatch file `example_01.AWD` through the client's upload path (on this machine the
 * emulator-only API route, PUT /v1/health/files, which stores the bytes where the Storage SDK would and
 * delivers the same finalize event to the storage trigger), and follows the upload document, the job's
 * stages and the insight through the client's typed listeners. Nothing here writes into the blob folder.
 */
import { readFileSync } from 'node:fs';
import { getApps, initializeApp } from 'firebase-admin/app';
import { getAuth as adminAuth } from 'firebase-admin/auth';
import { getAuth, signInWithEmailAndPassword } from 'firebase/auth';
import { afterAll, describe, expect, it } from 'vitest';
import { sharedData } from '@clarity/core/testing';
import { readAwdFile } from '@clarity/core';
import { ClarityApiError, finishedStageStatuses, type Insight, type Job } from '../src/index.ts';
import { apiBaseUrl, projectId, signedInClient, type SignedIn } from './support/emulators.ts';

const opened: SignedIn[] = [];
afterAll(async () => {
  for (const s of opened) await s.close();
});

async function session(label: string): Promise<SignedIn> {
  const s = await signedInClient(label);
  opened.push(s);
  return s;
}

describe('ClarityClient on the emulators (upload path: api)', () => {
  it('uploads the real .AWD file and follows upload, job stages and insight live', async () => {
    const { client } = await session('client-awd');
    const file = sharedData('actigraphy', 'actiwatch_awd', 'example_01.AWD');
    const bytes = readFileSync(file);
    const { series } = await readAwdFile(file);
    const epochs = series.missing.filter((m) => !m).length;

    const progress: number[] = [];
    const { uploadId, path } = await client.uploadFile(new Uint8Array(bytes), {
      filename: 'example_01.AWD',
      timezone: 'UTC',
      onProgress: (p) => progress.push(p.bytesSent),
    });
    expect(path).toBe('api');
    expect(progress.at(-1)).toBe(bytes.length);

    const statuses: string[] = [];
    const stopUpload = client.watchUpload(uploadId, (u) => {
      if (u && statuses.at(-1) !== u.status) statuses.push(u.status);
    });
    const upload = await client.uploadFinished(uploadId);
    stopUpload();
    expect(upload).toMatchObject({
      id: uploadId,
      status: 'ingested',
      source: 'actigraphy',
      format: 'awd',
      counts: { accepted: epochs, duplicate: 0, rejected: 0 },
      byType: { 'awd.activity_counts': { accepted: epochs, duplicate: 0, rejected: 0 } },
    });
    expect(typeof upload.createdAt).toBe('number');

    // The job of this upload, every stage change as the listener sees it.
    const seen: string[] = [];
    const job = await new Promise<Job>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no finished job in 120 s; saw ${seen.join(' / ')}`)),
        120_000,
      );
      const stop = client.watchJobForUpload(
        uploadId,
        (j) => {
          if (!j) return;
          const line = `${j.status} ${(['analyze', 'infer', 'insight', 'deliver'] as const).map((s) => j.stages[s].status).join(',')}`;
          if (seen.at(-1) !== line) seen.push(line);
          if (j.status === 'complete' || j.status === 'failed') {
            clearTimeout(timer);
            stop();
            resolve(j);
          }
        },
        reject,
      );
    });
    expect(job.status).toBe('complete');
    expect(seen.length).toBeGreaterThanOrEqual(2);
    for (const s of ['analyze', 'infer', 'insight', 'deliver'] as const)
      expect(finishedStageStatuses as readonly string[]).toContain(job.stages[s].status);
    expect(job.stages.infer).toMatchObject({ status: 'skipped', note: 'no model configured' });
    expect(typeof job.stages.analyze.finishedAt).toBe('number');

    const insights = await new Promise<Insight[]>((resolve) => {
      const stop = client.watchInsights((list) => {
        if (list.some((i) => i.id === job.id)) {
          stop();
          resolve(list);
        }
      });
    });
    const insight = insights.find((i) => i.id === job.id)!;
    expect(insight.generator).toBe('rules');
    expect(insight.narrative.length).toBeGreaterThan(0);
    expect(insight.disclaimer.length).toBeGreaterThan(0);
  }, 240_000);

  it('refuses what storage.rules would refuse, with the API error shape', async () => {
    const { client } = await session('client-refused');
    const err = await client
      .uploadFile(new Uint8Array([1, 2, 3]), { filename: 'x.png', contentType: 'image/png' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClarityApiError);
    expect(err).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    const empty = await client
      .uploadFile(new Uint8Array(0), { filename: 'empty.csv' })
      .catch((e: unknown) => e);
    expect(empty).toMatchObject({ status: 400 });
    const badId = await client
      .uploadFile(new Uint8Array([1]), { filename: 'a.csv', uploadId: 'not/ok' })
      .catch((e: unknown) => e);
    expect(badId).toBeInstanceOf(ClarityApiError);
  });

  it('needs a signed-in caller', async () => {
    const res = await fetch(`${apiBaseUrl}/v1/health/files/u1/a.csv`, {
      method: 'PUT',
      headers: { 'content-type': 'text/csv' },
      body: 'a,b\n',
    });
    expect(res.status).toBe(401);
  });

  it('a clinician lists the people who added them and reads their insights through the API; others get 403', async () => {
    const patient = await session('client-patient');
    const dr = await session('client-dr');
    const plain = await session('client-plain');
    // The clinician role: the `roles` claim `npm run grant-role` sets (Admin SDK on the Auth emulator), then
    // a fresh sign-in so the token carries it.
    const admin =
      getApps().find((a) => a.name === 'client-e2e') ?? initializeApp({ projectId }, 'client-e2e');
    await adminAuth(admin).setCustomUserClaims(dr.user.uid, { roles: ['clinician'] });
    await signInWithEmailAndPassword(getAuth(dr.app), dr.user.email!, dr.password);

    await patient.client.setCareTeam([dr.user.uid]);
    expect(await dr.client.careTeamPatients()).toEqual({
      items: [
        {
          uid: patient.user.uid,
          displayName: null,
          email: patient.user.email,
          lastUploadAt: null,
          lastInsightAt: null,
        },
      ],
      nextCursor: null,
    });
    expect(await dr.client.insights({ uid: patient.user.uid, limit: 1 })).toEqual({
      items: [],
      nextCursor: null,
    });
    for (const call of [
      () => plain.client.careTeamPatients(),
      () => plain.client.insights({ uid: patient.user.uid }),
    ]) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ClarityApiError);
      expect(err).toMatchObject({ status: 403, code: 'permission_denied' });
    }
    await patient.client.setCareTeam([]);
    expect((await dr.client.careTeamPatients()).items).toEqual([]);
  });
});
