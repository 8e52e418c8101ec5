/**
 * Typed Firestore converters: documents are validated with their zod schema on read, so a handler never
 * works on a half-shaped document; writes go through unchanged (the handlers build them from the types).
 */
import type {
  DocumentData,
  DocumentSnapshot,
  FirestoreDataConverter,
  QueryDocumentSnapshot,
} from 'firebase-admin/firestore';
import {
  ClarityError,
  uploadStatuses,
  analysisDocSchema,
  deadLetterDocSchema,
  fieldIssues,
  insightDocSchema,
  jobDocSchema,
  type AnalysisDoc,
  type DeadLetterDoc,
  type InsightDoc,
  type JobDoc,
  type ActivitySummaryDoc,
  type SeriesDoc,
  type UploadDoc,
} from '@clarity/core';
import { z } from 'zod';

function mismatch(name: string, id: string, error: z.ZodError): ClarityError {
  return new ClarityError('internal', `stored ${name} document ${id} does not match its schema`, {
    details: fieldIssues(error.issues.slice(0, 5)),
  });
}

/** A converter that validates the whole document with its zod schema on read. */
export function converter<S extends z.ZodType>(name: string, schema: S): FirestoreDataConverter<z.infer<S>> {
  return {
    toFirestore: (value) => value as DocumentData,
    fromFirestore: (snap: QueryDocumentSnapshot) => {
      const parsed = schema.safeParse(snap.data());
      if (!parsed.success) throw mismatch(name, snap.id, parsed.error);
      return parsed.data;
    },
  };
}

/**
 * For the documents read on the ingest path (uploads, series with thousands of samples, daily summaries):
 * checks the fields the code branches on and returns the document as stored, every field kept (a series
 * document also holds its `minuteSeries`), without walking every sample on each read.
 */
function shapeConverter<T>(name: string, shape: z.ZodType): FirestoreDataConverter<T> {
  return {
    toFirestore: (value) => value as DocumentData,
    fromFirestore: (snap: QueryDocumentSnapshot) => {
      const data = snap.data();
      const checked = shape.safeParse(data);
      if (!checked.success) throw mismatch(name, snap.id, checked.error);
      return data as T;
    },
  };
}

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const plainObject = z.custom<object>((v) => typeof v === 'object' && v !== null && !Array.isArray(v));

export const uploadConverter: FirestoreDataConverter<UploadDoc> = shapeConverter(
  'upload',
  z.object({ status: z.enum(uploadStatuses) }),
);
export const seriesConverter: FirestoreDataConverter<SeriesDoc> = shapeConverter(
  'series',
  z.object({ metric: z.string(), date: day, samples: plainObject }),
);
export const activitySummaryConverter: FirestoreDataConverter<ActivitySummaryDoc> = shapeConverter(
  'activity summary',
  z.object({ date: day }),
);

/** A snapshot (a trigger event's before/after, a transaction read) through a converter; undefined if absent. */
export function readSnapshot<T>(
  conv: FirestoreDataConverter<T>,
  snap: DocumentSnapshot | undefined,
): T | undefined {
  return snap?.exists ? conv.fromFirestore(snap as QueryDocumentSnapshot) : undefined;
}

export const jobConverter: FirestoreDataConverter<JobDoc> = converter('job', jobDocSchema);
export const analysisConverter: FirestoreDataConverter<AnalysisDoc> = converter(
  'analysis',
  analysisDocSchema,
);
export const insightConverter: FirestoreDataConverter<InsightDoc> = converter('insight', insightDocSchema);
export const deadLetterConverter: FirestoreDataConverter<DeadLetterDoc> = converter(
  'dead letter',
  deadLetterDocSchema,
);
