/**
 * Engagement with insights and the per-variant counters of the prompt-template experiments.
 *
 * One document per user and insight, users/{uid}/feedback/{insightId} (openedAt, helpful, reason), written
 * in a transaction with the counters, so a repeated request changes nothing (idempotent per user+insight)
 * and the counters stay equal to the documents. Changing an answer moves the helpful count, it does not add
 * a second answer.
 *
 * Counters are sharded (experiments/{name}/counters/{variant}_{shard}, `counterShards` per variant): a
 * write touches one shard, the shard picked by a hash of the user, so no one document takes every write;
 * a report reads variants × shards documents, never the feedback itself.
 */
import { createHash } from 'node:crypto';
import {
  FieldValue,
  Timestamp,
  type DocumentReference,
  type Firestore,
  type Transaction,
  type WriteBatch,
} from 'firebase-admin/firestore';
import { ClarityError } from '@clarity/core';
import { twoProportionPValue, type Experiment } from '../llm/experiments.ts';
import { paths } from './paths.ts';

export const counterShards = 8;

export const counterFields = ['exposures', 'opens', 'feedback', 'helpful'] as const;
export type CounterField = (typeof counterFields)[number];
type Deltas = Partial<Record<CounterField, number>>;

/** An insight's experiment arm, as the insight stage records it. */
export interface ArmRef {
  name: string;
  variant: string;
}

function shardOf(uid: string): number {
  return createHash('sha256').update(uid).digest()[0]! % counterShards;
}

function counterRef(db: Firestore, arm: ArmRef, uid: string): DocumentReference {
  return db.doc(paths.experimentCounter(arm.name, arm.variant, shardOf(uid)));
}

function increments(arm: ArmRef, d: Deltas): Record<string, unknown> {
  const out: Record<string, unknown> = { experiment: arm.name, variant: arm.variant };
  for (const f of counterFields) if (d[f]) out[f] = FieldValue.increment(d[f]);
  return out;
}

/** Adds the exposure of a new insight to its variant's counter, in the batch that creates the insight. */
export function addExposure(db: Firestore, batch: WriteBatch, arm: ArmRef, uid: string): void {
  batch.set(counterRef(db, arm, uid), increments(arm, { exposures: 1 }), { merge: true });
}

export interface Engagement {
  insightId: string;
  openedAt: string;
  helpful: boolean | null;
  reason: string | null;
  /** False when the request changed nothing (already opened, or the same answer again). */
  changed: boolean;
}

interface Stored {
  openedAt?: Timestamp;
  helpful?: boolean;
  reason?: string | null;
}

const iso = (t: Timestamp) => t.toDate().toISOString();

function armOf(v: unknown): ArmRef | null {
  if (v === null || typeof v !== 'object') return null;
  const { name, variant } = v as Record<string, unknown>;
  return typeof name === 'string' && typeof variant === 'string' ? { name, variant } : null;
}

interface Loaded {
  ref: DocumentReference;
  arm: ArmRef | null;
  stored: Stored;
}

/**
 * One transaction: reads the insight (404 if the caller has none with this id) and the engagement
 * document, then lets `step` write.
 */
function engage(
  db: Firestore,
  uid: string,
  insightId: string,
  step: (tx: Transaction, at: Loaded) => Engagement,
): Promise<Engagement> {
  return db.runTransaction(async (tx) => {
    const ref = db.doc(paths.insightFeedback(uid, insightId));
    const [insight, current] = await Promise.all([
      tx.get(db.doc(paths.insight(uid, insightId))),
      tx.get(ref),
    ]);
    if (!insight.exists) throw new ClarityError('not_found', `no insight ${insightId}`);
    return step(tx, { ref, arm: armOf(insight.get('experiment')), stored: current.data() ?? {} });
  });
}

function write(
  tx: Transaction,
  db: Firestore,
  uid: string,
  at: Loaded,
  doc: Record<string, unknown>,
  deltas: Deltas,
): void {
  tx.set(at.ref, { ...doc, updatedAt: FieldValue.serverTimestamp() }, { merge: true });
  if (at.arm && Object.values(deltas).some((n) => n !== 0)) {
    tx.set(counterRef(db, at.arm, uid), increments(at.arm, deltas), { merge: true });
  }
}

/** POST /v1/health/insights/{id}/opened: the first call records the time; later calls change nothing. */
export function recordOpened(
  db: Firestore,
  uid: string,
  insightId: string,
  now: number,
): Promise<Engagement> {
  return engage(db, uid, insightId, (tx, at) => {
    const { stored } = at;
    const view = { insightId, helpful: stored.helpful ?? null, reason: stored.reason ?? null };
    if (stored.openedAt) return { ...view, openedAt: iso(stored.openedAt), changed: false };
    const openedAt = Timestamp.fromMillis(now);
    write(tx, db, uid, at, { insightId, experiment: at.arm, openedAt }, { opens: 1 });
    return { ...view, openedAt: iso(openedAt), changed: true };
  });
}

/**
 * POST /v1/health/insights/{id}/feedback: helpful yes/no with an optional reason. Answering marks the
 * insight opened too (it was read). The same answer again changes nothing; a different one replaces it.
 */
export function recordFeedback(
  db: Firestore,
  uid: string,
  insightId: string,
  answer: { helpful: boolean; reason?: string | undefined },
  now: number,
): Promise<Engagement> {
  return engage(db, uid, insightId, (tx, at) => {
    const { stored } = at;
    const reason = answer.reason ?? null;
    const openedAt = stored.openedAt ?? Timestamp.fromMillis(now);
    const view = { insightId, openedAt: iso(openedAt), helpful: answer.helpful, reason };
    if (stored.helpful === answer.helpful && (stored.reason ?? null) === reason) {
      return { ...view, changed: false };
    }
    const first = stored.helpful === undefined;
    const deltas: Deltas = {
      opens: stored.openedAt ? 0 : 1,
      feedback: first ? 1 : 0,
      helpful: (answer.helpful ? 1 : 0) - (stored.helpful === true ? 1 : 0),
    };
    const doc = { insightId, experiment: at.arm, openedAt, helpful: answer.helpful, reason };
    write(tx, db, uid, at, first ? { ...doc, answeredAt: Timestamp.fromMillis(now) } : doc, deltas);
    return { ...view, changed: true };
  });
}

export interface VariantReport {
  name: string;
  weight: number;
  generator: string;
  exposures: number;
  opens: number;
  openRate: number | null;
  feedback: number;
  helpful: number;
  helpfulRate: number | null;
  /** Two-sided two-proportion z-test against the control (null for the control itself or no data). */
  vsControl: { openRatePValue: number | null; helpfulRatePValue: number | null } | null;
}

export interface ExperimentReport {
  name: string;
  control: string;
  shards: number;
  variants: VariantReport[];
}

const rate = (x: number, n: number) => (n > 0 ? x / n : null);

/** Sums the counter shards of each experiment (variants × shards reads) and tests each arm against control. */
export async function experimentReports(
  db: Firestore,
  declared: readonly Experiment[],
): Promise<ExperimentReport[]> {
  return Promise.all(
    declared.map(async (e) => {
      const snap = await db.collection(paths.experimentCounters(e.name)).get();
      const totals = new Map<string, Record<CounterField, number>>();
      for (const d of snap.docs) {
        const v = d.get('variant') as unknown;
        if (typeof v !== 'string') continue;
        const t = totals.get(v) ?? { exposures: 0, opens: 0, feedback: 0, helpful: 0 };
        for (const f of counterFields) {
          const n = d.get(f) as unknown;
          if (typeof n === 'number') t[f] += n;
        }
        totals.set(v, t);
      }
      const zero = { exposures: 0, opens: 0, feedback: 0, helpful: 0 };
      const c = totals.get(e.control) ?? zero;
      const variants = e.variants.map((v): VariantReport => {
        const t = totals.get(v.name) ?? zero;
        return {
          name: v.name,
          weight: v.weight,
          generator: v.arm.kind === 'rules' ? 'rules' : v.arm.template,
          ...t,
          openRate: rate(t.opens, t.exposures),
          helpfulRate: rate(t.helpful, t.feedback),
          vsControl:
            v.name === e.control
              ? null
              : {
                  openRatePValue: twoProportionPValue(t.opens, t.exposures, c.opens, c.exposures),
                  helpfulRatePValue: twoProportionPValue(t.helpful, t.feedback, c.helpful, c.feedback),
                },
        };
      });
      return { name: e.name, control: e.control, shards: counterShards, variants };
    }),
  );
}
