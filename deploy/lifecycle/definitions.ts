/**
 * Data lifecycle, one definition: Firestore TTL policies, backups, Storage lifecycle rules and the audit
 * archive. `npm run monitoring:generate` renders it beside the monitoring files (deploy/lifecycle/*.json);
 * the reasoning for each number is in deploy/README.md ("Data lifecycle").
 */
import { rateLimitCollection } from '../../functions/src/api/rate-limit.ts';
import { nonceCollection } from '../../functions/src/api/signing.ts';
import { pipelinePaths } from '../../functions/src/store/pipeline-paths.ts';
import { webhookCollections } from '../../functions/src/store/paths.ts';
import { attemptLogTtlMs } from '../../functions/src/delivery/webhooks.ts';

export interface TtlPolicy {
  collectionGroup: string;
  field: string;
  why: string;
  /** Set when the documents are not written yet. */
  pending?: string;
}

const collectionOf = (path: string): string => path.split('/')[0] ?? path;

export const ttlPolicies: readonly TtlPolicy[] = [
  {
    collectionGroup: rateLimitCollection,
    field: 'expiresAt',
    why: 'fixed-window counters are useless after their window',
  },
  {
    collectionGroup: nonceCollection,
    field: 'expiresAt',
    why: 'a nonce only has to outlive twice the signature clock skew',
  },
  {
    collectionGroup: collectionOf(pipelinePaths.llmCache('x')),
    field: 'expiresAt',
    why: 'cached insights by input hash; stale after the cache TTL',
  },
  {
    collectionGroup: webhookCollections.attempts,
    field: 'expiresAt',
    why: `webhook delivery attempt logs (users/{uid}/webhooks/{id}/attempts): ${attemptLogTtlMs / 86_400_000} days for support, then noise`,
  },
];

/** Firestore scheduled backups (at most 14 weeks' retention) in addition to 7 days of PITR. */
export const backupSchedules = [
  { id: 'daily', retentionDays: 7, recurrence: { daily: true } },
  { id: 'weekly', retentionDays: 98, recurrence: { weekday: 'SUNDAY' } },
] as const;

/** HIPAA §164.316(b)(2)(i): documentation (the audit trail) kept six years from creation. */
export const auditRetentionDays = 6 * 365 + 2;

/** Rules for the Firebase Storage bucket (gcloud storage buckets update --lifecycle-file). */
export const storageLifecycle = {
  rule: [
    {
      action: { type: 'SetStorageClass', storageClass: 'NEARLINE' },
      condition: { age: 30, matchesPrefix: ['raw/'], matchesStorageClass: ['STANDARD'] },
    },
    {
      action: { type: 'SetStorageClass', storageClass: 'COLDLINE' },
      condition: { age: 180, matchesPrefix: ['raw/'], matchesStorageClass: ['NEARLINE'] },
    },
    {
      // File ingest keeps each upload under raw/ (functions/src/pipeline/ingest-file.ts); the original under
      // uploads/ is then redundant. This rule removes originals left behind; 7 days outlasts Eventarc's 24 h
      // of redelivery and a weekend's replay of dead-lettered uploads.
      action: { type: 'Delete' },
      condition: { age: 7, matchesPrefix: ['uploads/'] },
    },
  ],
};
