/**
 * Quota-aware limiting of LLM calls: a per-process semaphore caps concurrent calls (Vertex quotas are per
 * project and per minute; a burst of triggers must not trip 429s for everyone), and a per-user daily token
 * budget kept in Firestore (users/{uid}/usage/llm_{YYYY-MM-DD}, updated in a transaction) stops one user
 * from spending the project's quota. Over budget, the caller falls back to the rule-based generator.
 */
import { FieldValue, type Firestore } from 'firebase-admin/firestore';
import { paths } from '../store/paths.ts';

export class Semaphore {
  private active = 0;
  private readonly waiters: (() => void)[] = [];
  private readonly max: number;
  constructor(max: number) {
    this.max = Math.max(1, max);
  }
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((r) => this.waiters.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiters.shift()?.();
    }
  }
  get inFlight(): number {
    return this.active;
  }
}

export interface TokenBudget {
  /** Tokens left today, or 0. */
  remaining(uid: string, nowMs: number): Promise<number>;
  record(uid: string, nowMs: number, tokens: number): Promise<void>;
}

export function firestoreTokenBudget(db: Firestore, dailyLimit: number): TokenBudget {
  const ref = (uid: string, nowMs: number) =>
    db.doc(paths.llmUsage(uid, new Date(nowMs).toISOString().slice(0, 10)));
  return {
    async remaining(uid, nowMs) {
      const snap = await ref(uid, nowMs).get();
      const used = (snap.get('tokens') as number | undefined) ?? 0;
      return Math.max(0, dailyLimit - used);
    },
    async record(uid, nowMs, tokens) {
      await ref(uid, nowMs).set(
        {
          tokens: FieldValue.increment(tokens),
          calls: FieldValue.increment(1),
          updatedAt: FieldValue.serverTimestamp(),
        },
        { merge: true },
      );
    },
  };
}
