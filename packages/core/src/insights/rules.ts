/**
 * The rule-based insight generator: the embedded default when no Vertex project is configured and the
 * fallback when the LLM fails. Deterministic, over the same analysis the LLM sees. Every number it quotes is
 * also returned in `figures` under its analysis path, unrounded, so a client (and the tests) can check that
 * the text and the analysis agree; the text shows them rounded.
 */
import type { AnalysisMetrics, InsightLlmOutput, InsightLocale } from '../contracts/pipeline.ts';
import { fill, messages } from './messages.ts';

export const rulesTemplateVersion = 'rules-2';

export interface RulesInput {
  metrics: AnalysisMetrics;
  window: { start: string; end: string };
  locale: InsightLocale;
  /** True when an embedding was computed (mentioned as a research representation, never a prediction). */
  hasEmbedding: boolean;
  /** Outputs of VALIDATED task heads only (the caller filters): stated as estimates with their uncertainty. */
  predictions?: InsightPrediction[];
}

/** A validated head's output as an insight may state it. */
export interface InsightPrediction {
  task: string;
  label: string;
  /** Probability of `outcome`. */
  probability: number;
  /** Std of the probability across model sizes (0 with one model). */
  spread: number;
  outcome: string;
  auroc?: number;
}

export interface RulesInsight {
  output: InsightLlmOutput;
  figures: Record<string, number | null>;
}

/** Activity below this mean daily step count earns the "move more" suggestion (Tudor-Locke 2011: < 5000 is low). */
const lowStepsPerDay = 5000;
/** Sleep below 7 h (AASM/SRS adult recommendation) earns the "more time for sleep" suggestion. */
const shortSleepMinutes = 7 * 60;
/** IS below this earns the regularity suggestion (typical healthy-adult IS is about 0.5 to 0.8). */
const irregularIS = 0.5;

function fmt(locale: InsightLocale, v: number, digits = 0): string {
  return new Intl.NumberFormat(locale, {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  }).format(v);
}

export function rulesInsight(input: RulesInput): RulesInsight {
  const { metrics: m, locale } = input;
  const t = messages[locale];
  const figures: Record<string, number | null> = {};
  const keyInsights: InsightLlmOutput['keyInsights'] = [];
  const recommendations: string[] = [];
  let evidence = 0;

  const a = m.activity;
  if (a && a.meanDailySteps !== null) {
    figures['activity.meanDailySteps'] = a.meanDailySteps;
    figures['activity.validDays'] = a.validDays;
    let detail = fill(t.steps, { steps: fmt(locale, a.meanDailySteps), days: a.validDays });
    const metricsUsed = ['activity.meanDailySteps', 'activity.validDays'];
    if (a.meanDailyMvpaMinutes !== null) {
      figures['activity.meanDailyMvpaMinutes'] = a.meanDailyMvpaMinutes;
      metricsUsed.push('activity.meanDailyMvpaMinutes');
      detail += ' ' + fill(t.mvpa, { mvpa: fmt(locale, a.meanDailyMvpaMinutes) });
    }
    keyInsights.push({ title: t.stepsTitle, detail, metrics: metricsUsed });
    recommendations.push(a.meanDailySteps < lowStepsPerDay ? t.recMoveMore : t.recKeepMoving);
    evidence += a.validDays;
  }

  const s = m.sleep;
  if (s && s.meanTotalSleepMinutes !== null && s.nights > 0) {
    figures['sleep.meanTotalSleepMinutes'] = s.meanTotalSleepMinutes;
    figures['sleep.nights'] = s.nights;
    const total = Math.round(s.meanTotalSleepMinutes);
    let detail = fill(s.basis === 'healthkit_stages' ? t.sleepStages : t.sleepMovement, {
      hours: Math.floor(total / 60),
      minutes: total % 60,
      nights: s.nights,
    });
    const metricsUsed = ['sleep.meanTotalSleepMinutes', 'sleep.nights'];
    if (s.meanEfficiency !== null) {
      figures['sleep.meanEfficiency'] = s.meanEfficiency;
      metricsUsed.push('sleep.meanEfficiency');
      detail += ' ' + fill(t.efficiency, { efficiency: fmt(locale, s.meanEfficiency * 100) });
    }
    keyInsights.push({ title: t.sleepTitle, detail, metrics: metricsUsed });
    if (s.meanTotalSleepMinutes < shortSleepMinutes) recommendations.push(t.recSleepMore);
    evidence += s.nights;
  }

  const c = m.circadian;
  if (c && c.IS !== null && c.M10Start !== null) {
    figures['circadian.IS'] = c.IS;
    keyInsights.push({
      title: t.rhythmTitle,
      detail: fill(t.rhythm, { IS: fmt(locale, c.IS, 2), M10Start: c.M10Start }),
      metrics: ['circadian.IS', 'circadian.M10Start'],
    });
    if (c.IS < irregularIS) recommendations.push(t.recSleepRegular);
  }

  const h = m.heartRate;
  if (h && h.meanBpm !== null) {
    figures['heartRate.meanBpm'] = h.meanBpm;
    let detail = fill(t.heart, { bpm: fmt(locale, h.meanBpm) });
    const metricsUsed = ['heartRate.meanBpm'];
    if (m.hrv && m.hrv.meanSdnnMs !== null) {
      figures['hrv.meanSdnnMs'] = m.hrv.meanSdnnMs;
      metricsUsed.push('hrv.meanSdnnMs');
      detail += ' ' + fill(t.hrv, { sdnn: fmt(locale, m.hrv.meanSdnnMs) });
    }
    keyInsights.push({ title: t.heartTitle, detail, metrics: metricsUsed });
  }

  for (const p of input.predictions ?? []) {
    const path = `predictions.${p.task}.probability`;
    figures[path] = p.probability;
    let detail = fill(t.prediction, {
      percent: fmt(locale, p.probability * 100),
      spread: fmt(locale, p.spread * 100),
      outcome: p.outcome,
      label: p.label,
    });
    if (p.auroc !== undefined) detail += ' ' + fill(t.predictionAuroc, { auroc: fmt(locale, p.auroc, 2) });
    keyInsights.push({
      title: t.predictionTitle,
      detail: `${detail} ${t.predictionCaveat}`,
      metrics: [path],
    });
  }

  for (const tr of m.trends) {
    if (tr.direction === 'no trend' || tr.slopePerDay === null) continue;
    figures[`trends.${tr.metric}.slopePerDay`] = tr.slopePerDay;
    keyInsights.push({
      title: t.trendTitle,
      detail: fill(tr.direction === 'increasing' ? t.trendUp : t.trendDown, {
        metric: t.metricNames[tr.metric] ?? tr.metric,
        slope: fmt(locale, Math.abs(tr.slopePerDay)),
      }),
      metrics: [`trends.${tr.metric}.slopePerDay`],
    });
  }

  for (const an of m.anomalies.slice(0, 2)) {
    keyInsights.push({
      title: t.anomalyTitle,
      detail: fill(an.direction === 'high' ? t.anomalyHigh : t.anomalyLow, {
        date: an.date,
        metric: t.metricNames[an.metric] ?? an.metric,
      }),
      metrics: [`anomalies.${an.metric}.${an.date}`],
    });
  }

  if (keyInsights.length === 0) {
    return {
      output: {
        narrative: t.noData,
        keyInsights: [{ title: t.stepsTitle, detail: t.noData, metrics: [] }],
        recommendations: [t.recWearMore],
        confidence: 'low',
      },
      figures,
    };
  }
  const coverageLow = (a?.validDays ?? 0) < 4 && (s?.nights ?? 0) < 4;
  if (coverageLow) recommendations.push(t.recWearMore);
  let narrative = fill(t.narrativeIntro, { start: input.window.start, end: input.window.end });
  narrative +=
    ' ' +
    keyInsights
      .slice(0, 2)
      .map((k) => k.detail.split(/(?<=\.)\s/)[0])
      .join(' ');
  if (input.hasEmbedding) narrative += ' ' + t.modelNote;
  return {
    output: {
      narrative,
      keyInsights: keyInsights.slice(0, 6),
      recommendations: [...new Set(recommendations)].slice(0, 5),
      // Rules only restate measured numbers: confidence is about data sufficiency.
      confidence: evidence >= 10 ? 'high' : evidence >= 4 ? 'medium' : 'low',
    },
    figures,
  };
}
