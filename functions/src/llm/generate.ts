/**
 * Insight generation: cache -> token reservation -> Gemini (limiter, breaker, retry with backoff) -> zod validation ->
 * safety pass; any failure or no LLM configured -> the rule-based generator over the same analysis, with
 * the cause recorded. Never throws for LLM trouble: the pipeline always gets an insight.
 */
import {
  insightLlmOutputSchema,
  rulesInsight,
  rulesTemplateVersion,
  safetyPass,
  type AnalysisDoc,
  type InsightLlmOutput,
} from '@clarity/core';
import { ClarityError } from '@clarity/core';
import type { Breaker } from '../platform/circuit-breaker.ts';
import type { Semaphore, TokenBudget } from '../platform/llm-limiter.ts';
import { withRetry } from '../platform/retry.ts';
import type { Logger } from '../platform/logger.ts';
import { inSpan, inSpanSync, SpanKind } from '../platform/tracing.ts';
import { reservedTokens, type InsightLlm } from './adapter.ts';
import type { ExperimentVariant } from './experiments.ts';
import {
  inputHash,
  insightResponseJsonSchema,
  insightTemplateVersion,
  systemInstruction,
  type InsightTemplateVersion,
  userPrompt,
  type InsightContext,
} from './prompt.ts';

export interface InsightCache {
  get(hash: string): Promise<CachedInsight | undefined>;
  /** `uid`: the user whose data the answer was made from (GDPR export and erasure find it by this). */
  put(hash: string, value: CachedInsight, uid: string): Promise<void>;
}

export interface CachedInsight {
  output: InsightLlmOutput;
  generator: string;
  templateVersion: string;
  removed: number;
  usage: { promptTokens: number; outputTokens: number };
}

export interface GenerateDeps {
  llm: InsightLlm | null;
  breaker: Breaker;
  limiter: Semaphore;
  budget: TokenBudget;
  cache: InsightCache;
  log: Logger;
  now: () => number;
  retry?: { attempts: number; baseMs: number; maxMs: number };
}

export interface GeneratedInsight {
  output: InsightLlmOutput;
  generator: string;
  templateVersion: string;
  inputHash: string;
  figures: Record<string, number | null>;
  fallback: { cause: string } | null;
  usage: { promptTokens: number; outputTokens: number; cached: boolean } | null;
  removed: number;
}

/** The analysis value at a path such as "activity.meanDailySteps" (numbers only). */
export function metricAt(metrics: AnalysisDoc['metrics'], path: string): number | null | undefined {
  let cur: unknown = metrics;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return typeof cur === 'number' ? cur : cur === null ? null : undefined;
}

function rules(ctx: InsightContext, hash: string, cause: string | null): GeneratedInsight {
  return inSpanSync('rules insight', { 'clarity.generator': 'rules' }, () => rulesOnly(ctx, hash, cause));
}

function rulesOnly(ctx: InsightContext, hash: string, cause: string | null): GeneratedInsight {
  const r = rulesInsight({
    metrics: ctx.metrics,
    window: ctx.window,
    locale: ctx.locale,
    hasEmbedding: ctx.embeddingComputed,
    ...(ctx.predictions ? { predictions: ctx.predictions } : {}),
  });
  const safe = safetyPass(r.output);
  return {
    output: safe?.output ?? r.output,
    generator: 'rules',
    templateVersion: rulesTemplateVersion,
    inputHash: hash,
    figures: r.figures,
    fallback: cause ? { cause } : null,
    usage: null,
    removed: safe?.removed ?? 0,
  };
}

function causeOf(e: unknown): string {
  return e instanceof ClarityError ? `${e.code}: ${e.message}` : 'internal: unexpected LLM failure';
}

function figuresOf(ctx: InsightContext, output: InsightLlmOutput): Record<string, number | null> {
  const figures: Record<string, number | null> = {};
  for (const k of output.keyInsights)
    for (const p of k.metrics) {
      const v = metricAt(ctx.metrics, p);
      if (v !== undefined) figures[p] = v;
    }
  return figures;
}

/**
 * `variant`: the user's arm of the prompt-template experiment (llm/experiments.ts), if one runs. Its
 * template writes the prompt, its name is part of the cache key, and the rules arm skips the LLM.
 */
export async function generateInsight(
  uid: string,
  ctx: InsightContext,
  deps: GenerateDeps,
  variant?: ExperimentVariant,
): Promise<GeneratedInsight> {
  const template: InsightTemplateVersion =
    variant?.arm.kind === 'llm' ? variant.arm.template : insightTemplateVersion;
  const hash = inputHash(ctx, deps.llm?.model ?? 'rules', template, variant?.name);
  if (!deps.llm || variant?.arm.kind === 'rules') return rules(ctx, hash, null);
  const llm = deps.llm;

  const cached = await deps.cache.get(hash);
  if (cached) {
    deps.log.info('insight.cache_hit', { inputHash: hash });
    return {
      ...cached,
      inputHash: hash,
      figures: figuresOf(ctx, cached.output),
      fallback: null,
      usage: { ...cached.usage, cached: true },
    };
  }
  const system = systemInstruction(ctx.locale, template, ctx.predictions !== undefined);
  const prompt = userPrompt(ctx);
  // Reserved before the call, settled after it: concurrent insights cannot all pass one check.
  let reservation: Awaited<ReturnType<TokenBudget['reserve']>>;
  try {
    reservation = await deps.budget.reserve(uid, deps.now(), reservedTokens({ system, prompt }));
  } catch (e) {
    // The budget cannot be checked (Firestore unavailable): no LLM call without it.
    deps.log.warn('insight.budget_unavailable', { cause: causeOf(e) });
    return rules(ctx, hash, `unavailable: the LLM token budget could not be reserved`);
  }
  if (!reservation.ok) {
    deps.log.warn('insight.quota_exhausted', { scope: reservation.scope });
    const whose = reservation.scope === 'user' ? 'daily LLM token budget' : "project's daily LLM token cap";
    return rules(ctx, hash, `rate_limited: ${whose} used up`);
  }
  let lastUsage = { promptTokens: 0, outputTokens: 0 };
  let spent = 0;
  try {
    const answer = await withRetry(
      () =>
        deps.limiter.run(() =>
          deps.breaker.fire(async () => {
            // A CLIENT span per call: the model id only (never the prompt, the answer or the figures).
            const res = await inSpan(
              'gemini generateContent',
              { kind: SpanKind.CLIENT, attributes: { 'gen_ai.request.model': llm.model } },
              () =>
                llm.generate({
                  system,
                  prompt,
                  responseJsonSchema: insightResponseJsonSchema,
                  locale: ctx.locale,
                }),
            );
            lastUsage = res.usage;
            spent += res.usage.promptTokens + res.usage.outputTokens;
            let json: unknown;
            try {
              json = JSON.parse(res.text);
            } catch {
              throw new ClarityError('parse_error', 'LLM answer is not valid JSON', { retryable: true });
            }
            const parsed = insightLlmOutputSchema.safeParse(json);
            if (!parsed.success)
              throw new ClarityError('parse_error', 'LLM answer does not match the insight schema', {
                retryable: true,
              });
            return parsed.data;
          }),
        ),
      {
        attempts: deps.retry?.attempts ?? 3,
        baseMs: deps.retry?.baseMs ?? 300,
        maxMs: deps.retry?.maxMs ?? 3_000,
        onRetry: (attempt, delayMs, e) =>
          deps.log.warn('insight.llm_retry', { attempt, delayMs, cause: causeOf(e) }),
      },
    );
    const safe = safetyPass(answer);
    if (!safe) return rules(ctx, hash, 'safety: LLM answer had no usable sentence after the safety pass');
    const value: CachedInsight = {
      output: safe.output,
      generator: llm.model,
      templateVersion: template,
      removed: safe.removed,
      usage: lastUsage,
    };
    await deps.cache.put(hash, value, uid);
    return {
      ...value,
      inputHash: hash,
      figures: figuresOf(ctx, safe.output),
      fallback: null,
      usage: { ...lastUsage, cached: false },
    };
  } catch (e) {
    deps.log.warn('insight.llm_failed', { cause: causeOf(e) });
    return rules(ctx, hash, causeOf(e));
  } finally {
    await reservation.settle(spent).catch((e: unknown) => {
      // The reservation stays counted (the budget errs on the side of spending less).
      deps.log.warn('insight.budget_settle_failed', { cause: causeOf(e) });
    });
  }
}
