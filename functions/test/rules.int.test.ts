/**
 * firestore.rules on the Firestore emulator through @firebase/rules-unit-testing. The full role matrix
 * (clinicians, admins, every collection) belongs to the gateway work; this covers what the slice stores:
 * owners read their own data, nobody else reads it, and clients write no health data directly.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  assertFails,
  assertSucceeds,
  initializeTestEnvironment,
  type RulesTestEnvironment,
} from '@firebase/rules-unit-testing';
import { doc, getDoc, getDocs, collection, setDoc, deleteDoc } from 'firebase/firestore';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { emulatorOrigin, repoRoot } from './support/emulators.ts';

let env: RulesTestEnvironment;
const host = new URL(emulatorOrigin('firestore'));

beforeAll(async () => {
  env = await initializeTestEnvironment({
    projectId: 'demo-clarity-rules',
    firestore: {
      rules: readFileSync(path.join(repoRoot, 'firestore.rules'), 'utf8'),
      host: host.hostname,
      port: Number(host.port),
    },
  });
  await env.withSecurityRulesDisabled(async (ctx) => {
    const db = ctx.firestore();
    await setDoc(doc(db, 'users/alice'), { locale: 'en' });
    for (const sub of [
      'uploads/u1',
      'series/heart_rate_2026-11-20',
      'jobs/j1',
      'analyses/a1',
      'insights/i1',
    ]) {
      await setDoc(doc(db, `users/alice/${sub}`), { x: 1 });
    }
    await setDoc(doc(db, 'audit/e1'), { x: 1 });
    await setDoc(doc(db, 'deadLetters/d1'), { x: 1 });
  });
});
afterAll(async () => env.cleanup());

const subcollections = ['uploads', 'series', 'jobs', 'analyses', 'insights'] as const;
const docIds: Record<(typeof subcollections)[number], string> = {
  uploads: 'u1',
  series: 'heart_rate_2026-11-20',
  jobs: 'j1',
  analyses: 'a1',
  insights: 'i1',
};

describe('firestore.rules (slice)', () => {
  it('the owner reads their profile and every health subcollection', async () => {
    const db = env.authenticatedContext('alice').firestore();
    await assertSucceeds(getDoc(doc(db, 'users/alice')));
    for (const sub of subcollections) {
      await assertSucceeds(getDoc(doc(db, `users/alice/${sub}/${docIds[sub]}`)));
      await assertSucceeds(getDocs(collection(db, `users/alice/${sub}`)));
    }
  });

  it('another user and an unauthenticated client read nothing', async () => {
    for (const db of [
      env.authenticatedContext('bob').firestore(),
      env.unauthenticatedContext().firestore(),
    ]) {
      await assertFails(getDoc(doc(db, 'users/alice')));
      for (const sub of subcollections) {
        await assertFails(getDoc(doc(db, `users/alice/${sub}/${docIds[sub]}`)));
        await assertFails(getDocs(collection(db, `users/alice/${sub}`)));
      }
    }
  });

  it('nobody writes health data from a client, not even the owner', async () => {
    const db = env.authenticatedContext('alice').firestore();
    for (const sub of subcollections) {
      await assertFails(setDoc(doc(db, `users/alice/${sub}/new`), { x: 1 }));
      await assertFails(setDoc(doc(db, `users/alice/${sub}/${docIds[sub]}`), { x: 2 }));
      await assertFails(deleteDoc(doc(db, `users/alice/${sub}/${docIds[sub]}`)));
    }
  });

  it('server-only collections are closed to every client', async () => {
    for (const db of [
      env.authenticatedContext('alice').firestore(),
      env.unauthenticatedContext().firestore(),
    ]) {
      await assertFails(getDoc(doc(db, 'audit/e1')));
      await assertFails(getDocs(collection(db, 'audit')));
      await assertFails(getDoc(doc(db, 'deadLetters/d1')));
      await assertFails(setDoc(doc(db, 'audit/e2'), { x: 1 }));
    }
  });
});
