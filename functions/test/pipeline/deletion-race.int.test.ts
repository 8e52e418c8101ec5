/**
 * Finding 9 of the security review (functions/README-security.md): account deletion races running imports
 * and stages. On the Firestore emulator with the real ingest, writers and deletion: an import that had
 * claimed its upload before the user asked for deletion must not write their data back afterwards, and a
 * late storage event must not create an upload for an erased account. The tombstone (store/tombstones.ts)
 * is written first and read inside every writer's transaction.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { deleteAccount } from '../../src/pipeline/account-deletion.ts';
import { ingestUpload } from '../../src/pipeline/ingest.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { userDocuments } from '../../src/store/account-data.ts';
import { FsBlobStore, type BlobStore } from '../../src/store/blob-store.ts';
import { createOrClaimUpload } from '../../src/store/uploads.ts';
import { adminDb } from '../support/emulators.ts';
import { morningBatch } from '../support/samples.ts';
import { seedReceivedUpload } from '../support/uploads.ts';

const db = adminDb('demo-clarity-deletion-race');
const log = createLogger({ test: 'deletion-race' });
const run = Date.now().toString(36);

/** A blob store whose reads wait until `open()`: the import is held after its claim, before its writes. */
function heldBlobs(): { blobs: BlobStore; open: () => void; reading: Promise<void> } {
  const inner = new FsBlobStore(mkdtempSync(path.join(tmpdir(), 'clarity-deletion-race-')));
  let open!: () => void;
  let started!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const reading = new Promise<void>((r) => (started = r));
  const blobs = Object.create(inner) as BlobStore;
  blobs.get = async (p: string) => {
    const bytes = await inner.get(p);
    started();
    await gate;
    return bytes;
  };
  return { blobs, open, reading };
}

describe('finding 9: account deletion against running imports and stages', () => {
  it('an import running when the account is deleted writes nothing back', async () => {
    const uid = `race-ingest-${run}`;
    const held = heldBlobs();
    await seedReceivedUpload(db, held.blobs, uid, 'up1', morningBatch());
    const ingest = ingestUpload({ uid, uploadId: 'up1' }, { db, blobs: held.blobs, log, now: Date.now });
    await held.reading; // claimed and reading its raw body
    await deleteAccount(
      { db, blobs: held.blobs, log },
      { uid, actorUid: uid, actorRoles: [], requestId: `req-${run}`, via: 'api' },
    );
    held.open();
    // Before the fix the import wrote the series back and then failed on the deleted upload document.
    const outcome = await ingest.catch((e: unknown) => ({ kind: 'threw', error: String(e) }));
    expect(await userDocuments(db, uid)).toEqual([]);
    expect(outcome).toEqual({ kind: 'skipped', reason: 'account deleted' });
    expect((await db.collection('deadLetters').where('uid', '==', uid).get()).size).toBe(0);
  });

  it('a storage event arriving after the deletion creates no upload', async () => {
    const uid = `race-late-${run}`;
    const blobs = new FsBlobStore(mkdtempSync(path.join(tmpdir(), 'clarity-deletion-race-')));
    await db.doc(`users/${uid}`).set({ locale: 'en' });
    await deleteAccount(
      { db, blobs, log },
      { uid, actorUid: uid, actorRoles: [], requestId: 'r', via: 'api' },
    );
    const claimed = await createOrClaimUpload(db, uid, 'late-file', Date.now, {
      format: 'awd',
      byteSize: 10,
      rawPath: `uploads/${uid}/late-file/x.AWD`,
      timezone: 'UTC',
    });
    expect(claimed).toBe('account deleted');
    expect(await userDocuments(db, uid)).toEqual([]);
  });
});
