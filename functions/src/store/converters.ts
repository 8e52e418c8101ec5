/**
 * Typed Firestore converters: documents are validated with their zod schema on read, so a handler never
 * works on a half-shaped document; writes go through unchanged (the handlers build them from the types).
 */
import type { DocumentData, FirestoreDataConverter, QueryDocumentSnapshot } from 'firebase-admin/firestore';
import {
  ClarityError,
  analysisDocSchema,
  deadLetterDocSchema,
  fieldIssues,
  insightDocSchema,
  jobDocSchema,
  type AnalysisDoc,
  type DeadLetterDoc,
  type InsightDoc,
  type JobDoc,
} from '@clarity/core';
import type { z } from 'zod';

function converter<S extends z.ZodType>(name: string, schema: S): FirestoreDataConverter<z.infer<S>> {
  return {
    toFirestore: (value) => value as DocumentData,
    fromFirestore: (snap: QueryDocumentSnapshot) => {
      const parsed = schema.safeParse(snap.data());
      if (!parsed.success) {
        throw new ClarityError('internal', `stored ${name} document ${snap.id} does not match its schema`, {
          details: fieldIssues(parsed.error.issues.slice(0, 5)),
        });
      }
      return parsed.data;
    },
  };
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
