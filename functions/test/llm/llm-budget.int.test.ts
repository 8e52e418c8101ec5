/**
 * Finding 8 of the security review (functions/README-security.md): the LLM token budget holds under
 * concurrency. The real Firestore budget (platform/llm-limiter.ts) on the Firestore emulator and the real
 * insight generation (llm/generate.ts) with a scripted LLM (the InsightLlm interface; no model runs here)
 * that holds every call until all concurrent insights have either called it or fallen back to rules, so
 * every check is made before any call is charged.
 */
import { describe, expect, it } from 'vitest';
import type { AnalysisMetrics, InsightLlmOutput } from '@clarity/core';
import type { InsightLlm, LlmRequest } from '../../src/llm/adapter.ts';
import { generateInsight, type GenerateDeps } from '../../src/llm/generate.ts';
import type { InsightContext } from '../../src/llm/prompt.ts';
import { createBreaker } from '../../src/platform/circuit-breaker.ts';
import { firestoreTokenBudget, Semaphore } from '../../src/platform/llm-limiter.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { adminDb } from '../support/emulators.ts';

const run = Date.now().toString(36);
// A Firestore project of this run's own: the project-wide cap (one document per day) is spent by nothing else.
const db = adminDb(`demo-llm-budget-${run}`);
const metrics: AnalysisMetrics = {
  activity: null,
  sleep: null,
  circadian: null,
  heartRate: null,
  hrv: null,
  trends: [],
  anomalies: [],
};
const ctx: InsightContext = {
  locale: 'en',
  window: { start: '2026-11-18', end: '2026-11-24' },
  metrics,
  coverage: { days: 7, minutesWithData: {} },
  previous: [],
  earlierInsightTitles: [],
  userPreferences: null,
  embeddingComputed: false,
};
const answer: InsightLlmOutput = {
  narrative: 'A quiet week.',
  keyInsights: [{ title: 'Week', detail: 'Little data this week.', metrics: [] }],
  recommendations: ['Wear the device at night.'],
  confidence: 'low',
};

/** An LLM whose calls wait until `open()`; each answer costs `tokensPerCall`. */
function heldLlm(tokensPerCall: number) {
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const calls: LlmRequest[] = [];
  const llm: InsightLlm = {
    model: 'scripted-llm',
    async generate(req) {
      calls.push(req);
      await gate;
      return {
        text: JSON.stringify(answer),
        usage: { promptTokens: tokensPerCall - 100, outputTokens: 100 },
        modelVersion: null,
      };
    },
  };
  return { llm, calls, open };
}

function deps(llm: InsightLlm, budget: GenerateDeps['budget']): GenerateDeps {
  return {
    llm,
    breaker: createBreaker(`budget-${Math.random()}`, { timeoutMs: 30_000, volumeThreshold: 1000 }),
    limiter: new Semaphore(100),
    budget,
    cache: { get: () => Promise.resolve(undefined), put: () => Promise.resolve() },
    log: createLogger({ test: 'llm-budget' }),
    now: Date.now,
    retry: { attempts: 1, baseMs: 1, maxMs: 1 },
  };
}

/** Starts every insight at once, opens the LLM when each has either called it or returned. */
async function concurrently(
  uids: string[],
  held: ReturnType<typeof heldLlm>,
  d: GenerateDeps,
): Promise<{ llm: number; rules: number }> {
  let returned = 0;
  const all = uids.map((uid) =>
    generateInsight(uid, ctx, d).then((g) => {
      returned++;
      return g;
    }),
  );
  const deadline = Date.now() + 60_000;
  while (held.calls.length + returned < uids.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  held.open();
  const out = await Promise.all(all);
  return {
    llm: out.filter((g) => g.generator === 'scripted-llm').length,
    rules: out.filter((g) => g.generator === 'rules').length,
  };
}

const tokensOf = async (path: string) => {
  const s = await db.doc(path).get();
  return { tokens: s.get('tokens') as number | undefined, reserved: s.get('reserved') as number | undefined };
};

describe('finding 8: the LLM token budget under concurrency', () => {
  it("one user's concurrent insights cannot spend more than the user's daily budget", async () => {
    const uid = `budget-user-${run}`;
    const held = heldLlm(3_000);
    const limit = 10_000;
    const got = await concurrently(
      Array.from({ length: 8 }, () => uid),
      held,
      deps(held.llm, firestoreTokenBudget(db, limit)),
    );
    // Before the fix every one of them passed the check (8 calls, 24 000 tokens against 10 000).
    expect(got.llm * 3_000).toBeLessThanOrEqual(limit);
    expect(got.llm).toBeGreaterThanOrEqual(1);
    expect(got.llm + got.rules).toBe(8);
    const day = new Date().toISOString().slice(0, 10);
    // Settled: the tokens really used, nothing left reserved.
    expect(await tokensOf(`users/${uid}/usage/llm_${day}`)).toEqual({ tokens: got.llm * 3_000, reserved: 0 });
  });

  it("many users together cannot spend more than the project's daily cap", async () => {
    const uids = Array.from({ length: 6 }, (_, i) => `budget-project-${run}-${i}`);
    const held = heldLlm(3_000);
    const cap = 10_000;
    // Each user far under their own budget; the project's cap is what binds (a project of its own).
    const own = adminDb(`demo-llm-cap-${run}`);
    const got = await concurrently(uids, held, deps(held.llm, firestoreTokenBudget(own, 1_000_000, cap)));
    expect(got.llm * 3_000).toBeLessThanOrEqual(cap);
    expect(got.llm).toBeGreaterThanOrEqual(1);
    expect(got.rules).toBe(6 - got.llm);
  });
});
