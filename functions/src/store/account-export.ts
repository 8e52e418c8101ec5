/**
 * The GDPR export (Art. 15/20) as a stream of documents, read a page at a time, so one request holds at most
 * a page of documents however large the account is (the JSON archive of GET /v1/account/export is written
 * from it as it is read: api/routes/account.ts). What it reads comes from paths.ts, as erasure's lists do:
 *  - the exported top-level collections (`userData`: the document keyed by the uid, or those whose field
 *    names the uid; credentials marked `notExported` left out), each in document-id order, by collection
 *    name;
 *  - users/{uid}, then each of its subcollections (`userCollections`, by name) in document-id order, each
 *    document followed by the subcollections below it (`userSubcollections`); a dense series day's shards
 *    are folded into the day, as every reader of series days sees it (store/series-days.ts).
 * Pages are `exportPageSize` documents (series days, up to ~1 MiB each with their minute view, in smaller
 * pages than the rest). A document is yielded once, with its Firestore values as JSON (toJson).
 */
import {
  FieldPath,
  type DocumentReference,
  type Firestore,
  type Query,
  type QueryDocumentSnapshot,
} from 'firebase-admin/firestore';
import { exportedTopLevel, toJson } from './account-data.ts';
import { paths, seriesCollections, userCollections, userSubcollections } from './paths.ts';

export interface ExportedDocument {
  path: string;
  data: Record<string, unknown>;
}

/** Documents per read: series days (with their minute view) are the big ones. */
export const exportPageSize = { series: 8, other: 100 } as const;

/** The documents of a query in document-id order, `size` at a time (one page in memory). */
async function* paged(query: Query, size: number): AsyncGenerator<QueryDocumentSnapshot> {
  const ordered = query.orderBy(FieldPath.documentId()).limit(size);
  let page = await ordered.get();
  for (;;) {
    for (const d of page.docs) yield d;
    const last = page.docs[page.docs.length - 1];
    if (page.size < size || !last) return;
    page = await ordered.startAfter(last).get();
  }
}

const asJson = (d: {
  ref: DocumentReference;
  data(): Record<string, unknown> | undefined;
}): ExportedDocument => ({
  path: d.ref.path,
  data: toJson(d.data() ?? {}) as Record<string, unknown>,
});

/** A series day with its shards' samples merged in (the shards are read a page at a time too). */
async function seriesDay(d: QueryDocumentSnapshot): Promise<ExportedDocument> {
  const doc = asJson(d);
  if (typeof d.get('shards') !== 'number' || (d.get('shards') as number) <= 0) return doc;
  const samples = { ...(doc.data.samples as Record<string, unknown> | undefined) };
  const shards = d.ref.collection(seriesCollections.shards);
  for await (const s of paged(shards, exportPageSize.series)) {
    Object.assign(samples, toJson(s.get('samples') ?? {}) as Record<string, unknown>);
  }
  doc.data.samples = samples;
  return doc;
}

/** One subcollection of users/{uid} and what lies below its documents. */
async function* userSubcollection(
  db: Firestore,
  uid: string,
  name: keyof typeof userCollections,
): AsyncGenerator<ExportedDocument> {
  const isSeries = userCollections[name] === userCollections.series;
  const below = [...userSubcollections[name]]
    .filter((c) => !(isSeries && c === seriesCollections.shards))
    .sort();
  const size = isSeries ? exportPageSize.series : exportPageSize.other;
  const collection = db.doc(paths.user(uid)).collection(userCollections[name]);
  for await (const d of paged(collection, size)) {
    yield isSeries ? await seriesDay(d) : asJson(d);
    for (const sub of below) {
      for await (const s of paged(d.ref.collection(sub), exportPageSize.other)) yield asJson(s);
    }
  }
}

/** Every exported document of the user, in the order the file comment gives. */
export async function* exportedDocuments(db: Firestore, uid: string): AsyncGenerator<ExportedDocument> {
  const top = [...exportedTopLevel].sort((a, b) => (a.collection < b.collection ? -1 : 1));
  for (const s of top) {
    if ('docId' in s) {
      const snap = await db.collection(s.collection).doc(s.docId(uid)).get();
      if (snap.exists) yield asJson(snap);
    } else {
      for await (const d of paged(
        db.collection(s.collection).where(s.field, '==', uid),
        exportPageSize.other,
      ))
        yield asJson(d);
    }
  }
  const user = await db.doc(paths.user(uid)).get();
  if (user.exists) yield asJson(user);
  const names = (Object.keys(userCollections) as (keyof typeof userCollections)[]).sort((a, b) =>
    userCollections[a] < userCollections[b] ? -1 : 1,
  );
  for (const name of names) yield* userSubcollection(db, uid, name);
}
