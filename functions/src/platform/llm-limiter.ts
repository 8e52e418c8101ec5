/**
 * Quota-aware limiting of LLM calls: a per-process semaphore caps concurrent calls (Vertex quotas are per
 * project and per minute; a burst of triggers must not trip 429s for everyone), and daily token budgets
 * kept in Firestore, one per user (so one user cannot spend the project's quota) and one for the project
 * (so many users, or many fresh accounts, cannot either). Tokens are reserved before a call and settled
 * after it. Over budget, the caller falls back to the rule-based generator.
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

/** The outcome of a reservation: settle it with the tokens the call really used, once it has returned. */
export type TokenReservation =
  { ok: true; settle(tokensUsed: number): Promise<void> } | { ok: false; scope: 'user' | 'project' };

export interface TokenBudget {
  /**
   * Reserves `tokens` (the most one call may cost) for `uid` today, atomically against the user's and the
   * project's daily caps. Refused (nothing reserved) when either has no room for it.
   */
  reserve(uid: string, nowMs: number, tokens: number): Promise<TokenReservation>;
}

const day = (nowMs: number) => new Date(nowMs).toISOString().slice(0, 10);
const usedOf = (snap: { get(f: string): unknown }) =>
  ((snap.get('tokens') as number | undefined) ?? 0) + ((snap.get('reserved') as number | undefined) ?? 0);

/**
 * Daily token budgets in Firestore: the user's users/{uid}/usage/llm_{day} and the project's
 * system/llmUsage_{day}, each with `tokens` (settled) and `reserved` (calls in flight). A reservation is one
 * transaction over both documents, so concurrent calls cannot all pass a check made before any of them is
 * charged; settling moves the reservation to the tokens really used. A process that dies between the two
 * leaves its reservation counted for the rest of the day (the budget errs on the side of spending less).
 * The project document takes two writes per LLM call, far below Firestore's per-document rate at the
 * LLM concurrency the functions allow (LLM_MAX_CONCURRENCY per instance).
 */
export function firestoreTokenBudget(
  db: Firestore,
  dailyLimitPerUser: number,
  projectDailyLimit = Number.POSITIVE_INFINITY,
): TokenBudget {
  return {
    async reserve(uid, nowMs, tokens) {
      const userRef = db.doc(paths.llmUsage(uid, day(nowMs)));
      const projectRef = db.doc(paths.llmProjectUsage(day(nowMs)));
      const verdict = await db.runTransaction(async (tx) => {
        const [userSnap, projectSnap] = await Promise.all([tx.get(userRef), tx.get(projectRef)]);
        if (usedOf(userSnap) + tokens > dailyLimitPerUser) return 'user' as const;
        if (usedOf(projectSnap) + tokens > projectDailyLimit) return 'project' as const;
        const add = { reserved: FieldValue.increment(tokens), updatedAt: FieldValue.serverTimestamp() };
        tx.set(userRef, add, { merge: true });
        tx.set(projectRef, add, { merge: true });
        return 'ok' as const;
      });
      if (verdict !== 'ok') return { ok: false, scope: verdict };
      return {
        ok: true,
        async settle(tokensUsed) {
          const settle = {
            tokens: FieldValue.increment(tokensUsed),
            reserved: FieldValue.increment(-tokens),
            calls: FieldValue.increment(1),
            updatedAt: FieldValue.serverTimestamp(),
          };
          await db
            .batch()
            .set(userRef, settle, { merge: true })
            .set(projectRef, settle, { merge: true })
            .commit();
        },
      };
    },
  };
}
