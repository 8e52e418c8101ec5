/**
 * End to end on the Emulator Suite with the real Firebase client SDK, as an app would use it: sign up in the
 * Auth emulator, POST a batch to the `api` function in the Functions emulator, and follow the upload live
 * with onSnapshot while the Firestore trigger ingests it. Security rules are the real firestore.rules.
 */
import { deleteApp, type FirebaseApp } from 'firebase/app';
import type { User } from 'firebase/auth';
import { collection, doc, getDoc, getDocs, onSnapshot, type Firestore } from 'firebase/firestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorOrigin, projectId, signedUpClient } from '../../support/emulators.ts';
import { morningBatch } from '../../support/samples.ts';

const apiUrl = `${emulatorOrigin('functions')}/${projectId}/us-central1/api`;
const apps: FirebaseApp[] = [];

async function clientFor(email: string): Promise<{ user: User; db: Firestore }> {
  const { app, user, db } = await signedUpClient(email, email);
  apps.push(app);
  return { user, db };
}

interface UploadView {
  status: string;
  counts: { accepted: number; duplicate: number; rejected: number } | null;
}

/**
 * Listens to the user's uploads BEFORE posting, so the listener sees the document from its creation
 * (`received`) to its final state; resolves with every status it saw for the new upload.
 */
async function uploadAndFollow(
  user: User,
  db: Firestore,
  body: unknown,
): Promise<{ uploadId: string; seen: string[]; final: UploadView }> {
  const seen = new Map<string, string[]>();
  let uploadId: string | undefined;
  let resolveFinal: (v: UploadView) => void = () => undefined;
  let rejectFinal: (e: unknown) => void = () => undefined;
  const final = new Promise<UploadView>((res, rej) => {
    resolveFinal = res;
    rejectFinal = rej;
  });
  const unsubscribe = onSnapshot(
    collection(db, 'users', user.uid, 'uploads'),
    (snap) => {
      for (const change of snap.docChanges()) {
        const data = change.doc.data() as UploadView;
        const list = seen.get(change.doc.id) ?? [];
        if (list.at(-1) !== data.status) list.push(data.status);
        seen.set(change.doc.id, list);
        if (change.doc.id === uploadId && ['ingested', 'partial', 'rejected'].includes(data.status))
          resolveFinal(data);
      }
    },
    rejectFinal,
  );
  try {
    const res = await fetch(`${apiUrl}/v1/health/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await user.getIdToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(202);
    uploadId = ((await res.json()) as { data: { uploadId: string } }).data.uploadId;
    // The listener may already have seen the final state before we knew the id.
    const already = (await getDoc(doc(db, 'users', user.uid, 'uploads', uploadId))).data() as
      UploadView | undefined;
    if (already && ['ingested', 'partial', 'rejected'].includes(already.status)) resolveFinal(already);
    const timeout = new Promise<never>((_, rej) =>
      setTimeout(() => rej(new Error('upload not ingested within 30 s')), 30_000),
    );
    const result = await Promise.race([final, timeout]);
    return { uploadId, seen: seen.get(uploadId) ?? [], final: result };
  } finally {
    unsubscribe();
  }
}

let alice: { user: User; db: Firestore };
let bob: { user: User; db: Firestore };

beforeAll(async () => {
  // Fresh users per run rather than clearing the emulators (see firebase-tools#8654).
  const run = Date.now().toString(36);
  alice = await clientFor(`alice-${run}@example.com`);
  bob = await clientFor(`bob-${run}@example.com`);
});

afterAll(async () => {
  await Promise.all(apps.map((a) => deleteApp(a)));
});

describe('upload slice, end to end', () => {
  it('the health endpoint answers through the Functions emulator (public: status only)', async () => {
    const res = await fetch(`${apiUrl}/v1/system/health`);
    expect(res.status).toBe(200);
    // 200 needs the Firestore round trip to succeed; the public answer carries no detail.
    expect(((await res.json()) as { data: unknown }).data).toEqual({ status: 'ok' });
  });

  it('a listener sees received, then ingested with the right counts', async () => {
    const { uploadId, seen, final } = await uploadAndFollow(alice.user, alice.db, morningBatch());
    expect(seen[0]).toBe('received');
    expect(seen.at(-1)).toBe('ingested');
    expect(final.counts).toEqual({ accepted: 14, duplicate: 0, rejected: 0 });
    const series = await getDocs(collection(alice.db, 'users', alice.user.uid, 'series'));
    expect(series.docs.map((d) => d.id).sort()).toEqual([
      'heart_rate_2026-11-20',
      'hrv_sdnn_2026-11-20',
      'sleep_2026-11-20',
      'steps_2026-11-20',
    ]);
    expect(uploadId).toMatch(/^[0-9a-f]{24}$/);
  });

  it('the same batch posted again adds only duplicates', async () => {
    const { final } = await uploadAndFollow(alice.user, alice.db, morningBatch());
    expect(final.counts).toEqual({ accepted: 0, duplicate: 14, rejected: 0 });
    const hr = await getDoc(doc(alice.db, 'users', alice.user.uid, 'series', 'heart_rate_2026-11-20'));
    expect(Object.keys(hr.get('samples') as object)).toHaveLength(10);
    expect(hr.get('sampleCount')).toBe(10);
  });

  it('another user cannot read the first user\u2019s uploads or series (rules enforced)', async () => {
    const aliceUploads = await getDocs(collection(alice.db, 'users', alice.user.uid, 'uploads'));
    const someUpload = aliceUploads.docs[0]?.id;
    expect(someUpload).toBeDefined();
    await expect(
      getDoc(doc(bob.db, 'users', alice.user.uid, 'uploads', someUpload as string)),
    ).rejects.toMatchObject({ code: 'permission-denied' });
    await expect(getDocs(collection(bob.db, 'users', alice.user.uid, 'uploads'))).rejects.toMatchObject({
      code: 'permission-denied',
    });
    await expect(
      getDoc(doc(bob.db, 'users', alice.user.uid, 'series', 'heart_rate_2026-11-20')),
    ).rejects.toMatchObject({ code: 'permission-denied' });
    await expect(getDocs(collection(bob.db, 'users', alice.user.uid, 'series'))).rejects.toMatchObject({
      code: 'permission-denied',
    });
  });

  it('a user cannot upload without a valid token, and gets every invalid sample listed', async () => {
    const anon = await fetch(`${apiUrl}/v1/health/upload`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(anon.status).toBe(401);
    const batch = morningBatch();
    batch.samples[0] = { ...batch.samples[0], value: -5 };
    batch.samples[12] = { ...batch.samples[12], value: 'snoring' };
    const res = await fetch(`${apiUrl}/v1/health/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await bob.user.getIdToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify(batch),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { details: { path: unknown[] }[] } };
    expect(body.error.details.map((d) => d.path)).toEqual([
      ['samples', 0, 'value'],
      ['samples', 12, 'value'],
    ]);
  });
});
