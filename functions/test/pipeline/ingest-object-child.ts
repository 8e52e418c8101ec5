/**
 * One finalized object through the Storage trigger's handler (ingestStorageObject), in a process of its own
 * on the Firestore emulator, so that a test can measure the handler's wall time and the process's peak RSS
 * (/usr/bin/time) as `clarity import` is measured: nothing else shares the process. Prints one line,
 * `INGEST_RESULT {"kind":…,"status":…,"seconds":…}`, and exits 0 when the handler returned.
 *
 *   node functions/test/pipeline/ingest-object-child.ts PROJECT BLOB_ROOT OBJECT_NAME SIZE
 */
import { createLogger } from '../../src/platform/logger.ts';
import { ingestStorageObject } from '../../src/pipeline/ingest-file.ts';
import { FsBlobStore } from '../../src/store/blob-store.ts';
import { adminDb } from '../support/emulators.ts';

const [project, root, name, size] = process.argv.slice(2);
if (!project || !root || !name || !size)
  throw new Error('usage: node ingest-object-child.ts PROJECT BLOB_ROOT OBJECT_NAME SIZE');
const log = createLogger({ test: 'hostile' });
const t0 = performance.now();
const out = await ingestStorageObject(
  { name, size: Number(size) },
  // The deployed trigger's settings: progress written at most once a second (the default).
  { db: adminDb(project), blobs: new FsBlobStore(root), log, now: Date.now },
);
const seconds = (performance.now() - t0) / 1000;
console.log(
  `INGEST_RESULT ${JSON.stringify({ kind: out.kind, status: 'status' in out ? out.status : null, seconds })}`,
);
process.exit(0);
