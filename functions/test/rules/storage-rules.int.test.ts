/**
 * storage.rules on the Storage emulator. These run wherever the Storage emulator exists (firebase emulators
 * with `storage` in --only, which sets FIREBASE_STORAGE_EMULATOR_HOST). On machines without it (this one:
 * its rules runtime jar cannot be downloaded) every case is reported as SKIPPED by the runner, with the
 * reason printed: a skip is not a pass.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  assertFails,
  assertSucceeds,
  initializeTestEnvironment,
  type RulesTestEnvironment,
} from '@firebase/rules-unit-testing';
import { deleteObject, getBytes, ref, uploadBytes } from 'firebase/storage';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { repoRoot } from '../support/emulators.ts';

const storageHost = process.env.FIREBASE_STORAGE_EMULATOR_HOST;
const storageEmulatorAvailable = Boolean(storageHost);
const skipReason =
  'storage.rules tests skipped: no Storage emulator (FIREBASE_STORAGE_EMULATOR_HOST is not set; the Storage ' +
  'emulator rules runtime cannot be had on this machine). Run them where `firebase emulators:exec --only storage` works.';
if (!storageEmulatorAvailable) console.warn(skipReason);

let env: RulesTestEnvironment | undefined;
beforeAll(async () => {
  if (!storageEmulatorAvailable || !storageHost) return;
  const [host, port] = storageHost.replace(/^https?:\/\//, '').split(':');
  env = await initializeTestEnvironment({
    projectId: 'demo-clarity-storage-rules',
    storage: {
      rules: readFileSync(path.join(repoRoot, 'storage.rules'), 'utf8'),
      host: host ?? '127.0.0.1',
      port: Number(port),
    },
  });
  await env.withSecurityRulesDisabled(async (ctx) => {
    await uploadBytes(ref(ctx.storage(), 'uploads/alice/up1/export.zip'), Buffer.from('PK\u0003\u0004'), {
      contentType: 'application/zip',
    });
    await uploadBytes(ref(ctx.storage(), 'raw/alice/up1/batch.json'), Buffer.from('{}'), {
      contentType: 'application/json',
    });
  });
});
afterAll(async () => env?.cleanup());

function storageAs(uid: string | null) {
  if (!env) throw new Error(skipReason);
  return (uid ? env.authenticatedContext(uid) : env.unauthenticatedContext()).storage();
}
const zip = { contentType: 'application/zip' };
const bytes = Buffer.from('PK\u0003\u0004 some zip bytes');

describe('storage.rules', () => {
  it.skipIf(!storageEmulatorAvailable)(
    'the owner uploads an accepted format into their own folder',
    async () => {
      await assertSucceeds(uploadBytes(ref(storageAs('alice'), 'uploads/alice/up2/export.zip'), bytes, zip));
      await assertSucceeds(
        uploadBytes(ref(storageAs('alice'), 'uploads/alice/up3/data.csv'), Buffer.from('a,b\n1,2\n'), {
          contentType: 'text/csv',
        }),
      );
      // Device files: an .agd as SQLite, a Fitbit CSV as Windows labels it, with the import's metadata.
      await assertSucceeds(
        uploadBytes(ref(storageAs('alice'), 'uploads/alice/up7/day.agd'), Buffer.from('SQLite format 3\0'), {
          contentType: 'application/x-sqlite3',
        }),
      );
      await assertSucceeds(
        uploadBytes(
          ref(storageAs('alice'), 'uploads/alice/up8/steps.csv'),
          Buffer.from('Id,ActivityHour\n'),
          {
            contentType: 'application/vnd.ms-excel',
            customMetadata: { subject: '1503960366', timezone: 'America/Chicago' },
          },
        ),
      );
    },
  );

  it.skipIf(!storageEmulatorAvailable)(
    'another user and an unauthenticated client cannot upload there',
    async () => {
      await assertFails(uploadBytes(ref(storageAs('bob'), 'uploads/alice/up4/export.zip'), bytes, zip));
      await assertFails(uploadBytes(ref(storageAs(null), 'uploads/alice/up5/export.zip'), bytes, zip));
    },
  );

  it.skipIf(!storageEmulatorAvailable)(
    'content type, empty files and bad upload ids are refused',
    async () => {
      const s = storageAs('alice');
      await assertFails(
        uploadBytes(ref(s, 'uploads/alice/up6/photo.png'), bytes, { contentType: 'image/png' }),
      );
      await assertFails(uploadBytes(ref(s, 'uploads/alice/up7/empty.zip'), Buffer.alloc(0), zip));
      await assertFails(uploadBytes(ref(s, 'uploads/alice/bad.id/export.zip'), bytes, zip));
      await assertFails(uploadBytes(ref(s, 'uploads/alice/export.zip'), bytes, zip));
    },
  );

  it.skipIf(!storageEmulatorAvailable)(
    'nobody reads, overwrites or deletes uploads, and raw/ is closed',
    async () => {
      for (const uid of ['alice', 'bob', null]) {
        const s = storageAs(uid);
        await assertFails(getBytes(ref(s, 'uploads/alice/up1/export.zip')));
        await assertFails(uploadBytes(ref(s, 'uploads/alice/up1/export.zip'), bytes, zip));
        await assertFails(deleteObject(ref(s, 'uploads/alice/up1/export.zip')));
        await assertFails(getBytes(ref(s, 'raw/alice/up1/batch.json')));
        await assertFails(
          uploadBytes(ref(s, 'raw/alice/up9/batch.json'), Buffer.from('{}'), {
            contentType: 'application/json',
          }),
        );
      }
    },
  );
});
