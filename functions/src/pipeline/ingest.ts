/**
 * Ingest stage: a `received` upload becomes samples in per-day series documents, then `ingested` with
 * counts. Safe under at-least-once delivery:
 *  - the upload is claimed in a transaction (received -> parsing); a finished upload is left alone, and a
 *    claim older than the lease is taken over (the previous attempt died);
 *  - samples have deterministic ids and each series document is updated in its own transaction, so a
 *    retried attempt finds its own samples (same upload id) and counts them as accepted, not duplicate.
 */
import { FieldValue, type Firestore } from 'firebase-admin/firestore';
import {
  ClarityError,
  maxStoredRejections,
  sampleId,
  localDate,
  validateHealthKitUpload,
  type CanonicalSample,
  type Counts,
  type FieldIssue,
  type SeriesDoc,
  type StoredSample,
  type UploadDoc,
} from '@clarity/core';
import type { BlobStore } from '../store/blob-store.ts';
import { paths } from '../store/paths.ts';
import type { Logger } from '../platform/logger.ts';

export interface IngestDeps {
  db: Firestore;
  blobs: BlobStore;
  log: Logger;
  now: () => number;
}

export type IngestOutcome =
  | { kind: 'skipped'; reason: string }
  | { kind: 'done'; status: 'ingested' | 'partial' | 'rejected'; counts: Counts };

const leaseMs = 5 * 60_000;
const seriesConcurrency = 8;

function zeroCounts(): Counts {
  return { accepted: 0, duplicate: 0, rejected: 0 };
}

async function claim(deps: IngestDeps, uid: string, uploadId: string): Promise<UploadDoc | string> {
  const ref = deps.db.doc(paths.upload(uid, uploadId));
  return deps.db.runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    if (!snap.exists) return 'upload document not found';
    const doc = snap.data() as UploadDoc;
    if (doc.status === 'parsing') {
      const updated = (doc.updatedAt as { toMillis?: () => number } | undefined)?.toMillis?.() ?? 0;
      if (deps.now() - updated < leaseMs) {
        throw new ClarityError('unavailable', 'upload is being ingested by another attempt', {
          retryable: true,
        });
      }
    } else if (doc.status !== 'received') {
      return `upload already ${doc.status}`;
    }
    tx.update(ref, {
      status: 'parsing',
      attempts: FieldValue.increment(1),
      updatedAt: FieldValue.serverTimestamp(),
      'statusTimes.parsing': FieldValue.serverTimestamp(),
    });
    return doc;
  });
}

function toStored(s: CanonicalSample, uploadId: string): StoredSample {
  return { s: s.startMs, e: s.endMs, v: s.value, st: s.stage, src: s.source, up: uploadId };
}

async function mergeSeriesDoc(
  deps: IngestDeps,
  uid: string,
  uploadId: string,
  metric: string,
  date: string,
  samples: { id: string; sample: CanonicalSample }[],
): Promise<Counts> {
  const ref = deps.db.doc(paths.seriesDoc(uid, metric, date));
  return deps.db.runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    const existing = snap.exists ? (snap.data() as SeriesDoc) : undefined;
    const counts = zeroCounts();
    const added: Record<string, StoredSample> = {};
    const sources = new Set(existing?.sources ?? []);
    for (const { id, sample } of samples) {
      const prior = existing?.samples[id];
      if (prior) {
        if (prior.up === uploadId)
          counts.accepted++; // our own earlier attempt stored it
        else counts.duplicate++;
      } else if (added[id]) {
        counts.duplicate++; // the same sample twice in one upload
      } else {
        added[id] = toStored(sample, uploadId);
        sources.add(sample.source);
        counts.accepted++;
      }
    }
    const newCount = Object.keys(added).length;
    if (newCount > 0) {
      const update = {
        metric,
        date,
        unit: samples[0]?.sample.unit ?? null,
        samples: added,
        sampleCount: (existing?.sampleCount ?? 0) + newCount,
        sources: [...sources].sort(),
        updatedAt: FieldValue.serverTimestamp(),
      };
      // merge: adds the new sample keys to the map without rewriting the others.
      tx.set(ref, update, { merge: true });
    }
    return counts;
  });
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function add(a: Counts, b: Counts): Counts {
  return {
    accepted: a.accepted + b.accepted,
    duplicate: a.duplicate + b.duplicate,
    rejected: a.rejected + b.rejected,
  };
}

export async function ingestUpload(
  input: { uid: string; uploadId: string },
  deps: IngestDeps,
): Promise<IngestOutcome> {
  const { uid, uploadId } = input;
  const claimed = await claim(deps, uid, uploadId);
  if (typeof claimed === 'string') {
    deps.log.info('ingest.skipped', { uploadId, reason: claimed });
    return { kind: 'skipped', reason: claimed };
  }
  const log = deps.log.child({ uploadId, correlationId: claimed.correlationId });
  const ref = deps.db.doc(paths.upload(uid, uploadId));
  log.info('ingest.started', { format: claimed.format, byteSize: claimed.byteSize });

  let validation: ReturnType<typeof validateHealthKitUpload>;
  try {
    const raw = await deps.blobs.get(claimed.rawPath);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new ClarityError('parse_error', 'raw upload is not valid JSON');
    }
    validation = validateHealthKitUpload(body, deps.now());
  } catch (e) {
    if (e instanceof ClarityError && !e.retryable) {
      await ref.update({
        status: 'rejected',
        error: { code: e.code, message: e.message },
        updatedAt: FieldValue.serverTimestamp(),
        'statusTimes.rejected': FieldValue.serverTimestamp(),
      });
      log.warn('ingest.rejected', { code: e.code });
      return { kind: 'done', status: 'rejected', counts: zeroCounts() };
    }
    throw e;
  }

  const groups = new Map<
    string,
    { metric: string; date: string; items: { id: string; sample: CanonicalSample }[] }
  >();
  for (const sample of validation.samples) {
    const date = localDate(sample.startMs, sample.offsetMinutes);
    const key = `${sample.metric}_${date}`;
    const id = sampleId(uid, sample);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { metric: sample.metric, date, items: [] }));
    g.items.push({ id, sample });
  }

  const perGroup = await mapLimit([...groups.values()], seriesConcurrency, (g) =>
    mergeSeriesDoc(deps, uid, uploadId, g.metric, g.date, g.items).then((c) => ({ g, c })),
  );
  let counts = zeroCounts();
  const byType: Record<string, Counts> = {};
  for (const { g, c } of perGroup) {
    counts = add(counts, c);
    const type = g.items[0]?.sample.type ?? g.metric;
    byType[type] = add(byType[type] ?? zeroCounts(), c);
  }
  counts.rejected = validation.rejectedIndexes.length;
  const rejections: FieldIssue[] = validation.issues.slice(0, maxStoredRejections);
  const status =
    counts.rejected > 0 ? (counts.accepted + counts.duplicate > 0 ? 'partial' : 'rejected') : 'ingested';
  await ref.update({
    status,
    counts,
    byType,
    rejections,
    updatedAt: FieldValue.serverTimestamp(),
    [`statusTimes.${status}`]: FieldValue.serverTimestamp(),
  });
  log.info('ingest.finished', {
    status,
    accepted: counts.accepted,
    duplicate: counts.duplicate,
    rejected: counts.rejected,
    seriesDocs: groups.size,
  });
  return { kind: 'done', status, counts };
}
