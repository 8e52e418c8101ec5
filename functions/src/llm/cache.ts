/**
 * Response cache by input hash (llmCache/{hash}, server-only): the same template, model and context reuse
 * the earlier answer instead of paying for another call. Each entry names the user it was made for (`uid`),
 * so GDPR export and erasure find it (store/paths.ts `userData`). Entries expire after `ttlMs` (the stored
 * `expiresAt` can also drive a Firestore TTL policy).
 */
import { Timestamp, type Firestore } from 'firebase-admin/firestore';
import { insightLlmOutputSchema } from '@clarity/core';
import { paths } from '../store/paths.ts';
import type { CachedInsight, InsightCache } from './generate.ts';

export function firestoreInsightCache(
  db: Firestore,
  now: () => number,
  ttlMs = 7 * 86_400_000,
): InsightCache {
  return {
    async get(hash) {
      const snap = await db.doc(paths.llmCache(hash)).get();
      if (!snap.exists) return undefined;
      const expires = (snap.get('expiresAt') as Timestamp | undefined)?.toMillis() ?? 0;
      if (expires < now()) return undefined;
      const output = insightLlmOutputSchema.safeParse(snap.get('output'));
      if (!output.success) return undefined;
      return {
        output: output.data,
        generator: snap.get('generator') as string,
        templateVersion: snap.get('templateVersion') as string,
        removed: (snap.get('removed') as number | undefined) ?? 0,
        usage: snap.get('usage') as CachedInsight['usage'],
      };
    },
    async put(hash, value, uid) {
      await db
        .doc(paths.llmCache(hash))
        .set({ ...value, uid, expiresAt: Timestamp.fromMillis(now() + ttlMs) });
    },
  };
}
