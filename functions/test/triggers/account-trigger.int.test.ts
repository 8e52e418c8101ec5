/**
 * Wiring on the emulators (project demo-clarity, where the Functions emulator runs the deployed bundle):
 *  - deleting the Auth user fires onAuthUserDeleted (1st-gen auth trigger), which cascades the deletion;
 *  - `npm run grant-role` sets the roles claim and its read-only mirror.
 * The trigger's raw objects live in the emulator's fs blob store (BLOB_DIR=.cache/blobs, repository root).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listObjects } from '../../src/store/blob-listing.ts';
import { userDocuments } from '../../src/store/account-data.ts';
import { FsBlobStore } from '../../src/store/blob-store.ts';
import { adminAuth, adminDb, eventually, repoRoot, signUp } from '../support/emulators.ts';

const blobs = new FsBlobStore(path.join(repoRoot, '.cache', 'blobs'));

describe('onAuthUserDeleted (Auth emulator -> Functions emulator)', () => {
  it('deleting the Auth user removes every document and object of that user', async () => {
    const { uid } = await signUp(`trigger-${Date.now()}@example.com`);
    const db = adminDb();
    // Collections without pipeline triggers, so nothing else reacts to these writes.
    await db.doc(`users/${uid}`).set({ locale: 'en' });
    await db.doc(`users/${uid}/devices/token-1`).set({ platform: 'ios' });
    await db.doc(`users/${uid}/feedback/f1`).set({ insightId: 'i1', rating: 4 });
    await db.doc(`users/${uid}/webhooks/w1/deliveries/d1`).set({ ok: true });
    await blobs.put(`raw/${uid}/up1/batch.json`, Buffer.from('{}'));
    await blobs.put(`uploads/${uid}/export.zip`, Buffer.from('PK'));
    expect(await userDocuments(db, uid)).toHaveLength(4);

    await adminAuth().deleteUser(uid);

    // The audit entry is written last (after Firestore and Storage): wait for it, then check everything.
    const audit = await eventually(
      async () => {
        const snap = await db.collection('audit').where('targetUid', '==', uid).get();
        return snap.empty ? undefined : snap.docs.map((d) => d.data());
      },
      30_000,
      250,
    );
    expect(await userDocuments(db, uid)).toEqual([]);
    expect(await listObjects(blobs, `raw/${uid}/`)).toEqual([]);
    expect(await listObjects(blobs, `uploads/${uid}/`)).toEqual([]);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actorUid: 'system:auth-trigger',
      action: 'account.delete',
      resource: `users/${uid}`,
      details: { via: 'auth_trigger', documents: 4, objects: 2 },
    });
  });
});

describe('npm run grant-role', () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [path.join(repoRoot, 'scripts/grant-role.ts'), ...args], {
      cwd: repoRoot,
      env: process.env,
      encoding: 'utf8',
    });

  it('sets the roles claim and mirrors it into the profile; --remove takes it away', async () => {
    const { uid } = await signUp(`grant-${Date.now()}@example.com`);
    const add = run('--uid', uid, '--role', 'clinician');
    expect(add.stderr).toBe('');
    expect(add.status).toBe(0);
    expect(add.stdout.trim()).toBe(`grant-role: ${uid} now has roles [clinician]`);
    expect((await adminAuth().getUser(uid)).customClaims).toEqual({ roles: ['clinician'] });
    expect((await adminDb().doc(`users/${uid}`).get()).get('roles')).toEqual(['clinician']);

    expect(run('--uid', uid, '--role', 'admin').status).toBe(0);
    expect((await adminAuth().getUser(uid)).customClaims).toEqual({ roles: ['admin', 'clinician'] });
    expect(run('--uid', uid, '--role', 'clinician', '--remove').status).toBe(0);
    expect((await adminAuth().getUser(uid)).customClaims).toEqual({ roles: ['admin'] });
    expect((await adminDb().doc(`users/${uid}`).get()).get('roles')).toEqual(['admin']);
  });

  it('exits 2 on bad arguments and 1 for an unknown user, with one clear line', () => {
    const badRole = run('--uid', 'someone', '--role', 'root');
    expect(badRole.status).toBe(2);
    expect(badRole.stderr.trim()).toBe('grant-role: --role must be one of user, clinician, admin');
    expect(run('--role', 'admin').status).toBe(2);
    const missing = run('--uid', 'no-such-user-xyz', '--role', 'admin');
    expect(missing.status).toBe(1);
    expect(missing.stderr.trim()).toBe('grant-role: no user no-such-user-xyz in project demo-clarity');
  });
});
