/**
 * Everything the backend holds about one user, for GDPR export (Art. 15/20) and erasure (Art. 17):
 *  - Firestore: users/{uid} and every document below it, recursively (uploads, series, jobs, analyses,
 *    insights, devices, webhooks, feedback, usage, and any subcollection added later: nothing is listed
 *    by name, the tree is walked);
 *  - top-level documents keyed by the user, as `userData` in paths.ts declares for each top-level
 *    collection (signingKeys/{uid}, rateLimits/u_{uid}; signatureNonces, deadLetters, webhookSecrets, mail
 *    and llmCache where uid == the user); all are erased, and exported except the credentials marked
 *    `notExported`;
 *  - Storage: raw/{uid}/ (what the API stored) and uploads/{uid}/ (what the app uploaded directly).
 * The export itself reads these a page at a time: store/account-export.ts.
 * The audit trail is NOT erased: it holds identifiers only and is kept as the record of who accessed and
 * deleted what (a legal obligation, Art. 17(3)(b)); it is not exported either (it is about the accessors).
 */
import type { DocumentReference, DocumentSnapshot, Firestore } from 'firebase-admin/firestore';
import { Timestamp } from 'firebase-admin/firestore';
import type { BlobStore } from './blob-store.ts';
import { listObjects } from './blob-listing.ts';
import { collections, paths, userData, type TopCollection } from './paths.ts';

/** Storage prefixes that hold a user's objects. */
export function userObjectPrefixes(uid: string): string[] {
  return [paths.rawPrefix(uid), paths.uploadObjectPrefix(uid)];
}

const topCollections = Object.keys(userData) as TopCollection[];

/** A top-level collection's documents of one user: the one whose id derives from the uid, or a query. */
export type TopLevelSelector =
  { collection: string; docId: (uid: string) => string } | { collection: string; field: string };

const sameUid = (uid: string) => uid;

function selectorOf(c: TopCollection): TopLevelSelector | undefined {
  const rule = userData[c];
  if (rule.kind === 'byId') return { collection: collections[c], docId: rule.id ?? sameUid };
  if (rule.kind === 'byField') return { collection: collections[c], field: rule.field };
  return undefined;
}

/** Paths of the top-level documents whose id is (derived from) the uid (paths.ts `userData` byId). */
export function userKeyedDocuments(uid: string): string[] {
  return topCollections.flatMap((c) => {
    const s = selectorOf(c);
    return s && 'docId' in s ? [`${s.collection}/${s.docId(uid)}`] : [];
  });
}

/** Top-level collections queried by a uid field (paths.ts `userData`). */
export const userKeyedQueries: { collection: string; field: string }[] = topCollections.flatMap((c) => {
  const rule = userData[c];
  return rule.kind === 'byField' ? [{ collection: collections[c], field: rule.field }] : [];
});

/** The top-level documents of the user that the export includes (paths.ts `userData`, not `notExported`). */
export const exportedTopLevel: TopLevelSelector[] = topCollections.flatMap((c) => {
  const rule = userData[c];
  const s = selectorOf(c);
  return s && !('notExported' in rule && rule.notExported) ? [s] : [];
});

/**
 * Every existing document at or below users/{uid}, depth first. Documents that do not exist but have
 * subcollections (possible in Firestore) are walked through, not returned.
 */
export async function userDocuments(db: Firestore, uid: string): Promise<DocumentSnapshot[]> {
  const out: DocumentSnapshot[] = [];
  const walk = async (ref: DocumentReference): Promise<void> => {
    const snap = await ref.get();
    if (snap.exists) out.push(snap);
    const cols = await ref.listCollections();
    for (const col of cols) {
      const refs = await col.listDocuments();
      // Parallel per collection, bounded by the collection size; series collections are the big ones.
      for (let i = 0; i < refs.length; i += 50) await Promise.all(refs.slice(i, i + 50).map(walk));
    }
  };
  await walk(db.doc(paths.user(uid)));
  return out;
}

/** Firestore values as JSON: Timestamps become ISO strings, references their paths, bytes base64. */
export function toJson(v: unknown): unknown {
  if (v instanceof Timestamp) return v.toDate().toISOString();
  if (v === null || typeof v !== 'object') return v;
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (Array.isArray(v)) return v.map(toJson);
  if ('path' in v && 'firestore' in v && typeof (v as { path: unknown }).path === 'string') {
    return (v as { path: string }).path;
  }
  if ('latitude' in v && 'longitude' in v) return { latitude: v.latitude, longitude: v.longitude };
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJson(x)]));
}

/**
 * Deletes everything of the user (see the file comment); safe to run twice (the Auth trigger and the
 * API may both run it). Returns what it removed.
 */
export async function deleteUserData(
  db: Firestore,
  blobs: BlobStore,
  uid: string,
): Promise<{ documents: number; objects: number }> {
  let documents = 0;
  const writer = db.bulkWriter();
  writer.onWriteResult(() => {
    documents++;
  });
  await db.recursiveDelete(db.doc(paths.user(uid)), writer);
  for (const p of userKeyedDocuments(uid)) {
    const ref = db.doc(p);
    if ((await ref.get()).exists) {
      await ref.delete();
      documents++;
    }
  }
  for (const q of userKeyedQueries) {
    const snap = await db.collection(q.collection).where(q.field, '==', uid).get();
    const batchSize = 400;
    for (let i = 0; i < snap.docs.length; i += batchSize) {
      const batch = db.batch();
      for (const d of snap.docs.slice(i, i + batchSize)) batch.delete(d.ref);
      await batch.commit();
    }
    documents += snap.size;
  }
  let objects = 0;
  for (const prefix of userObjectPrefixes(uid)) {
    objects += (await listObjects(blobs, prefix)).length;
    await blobs.deletePrefix(prefix);
  }
  return { documents, objects };
}
