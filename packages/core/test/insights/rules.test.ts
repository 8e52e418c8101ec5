import { describe, expect, it } from 'vitest';
import {
  analysisMetricsSchema,
  hasDiagnosisLanguage,
  insightLlmOutputSchema,
  messages,
  resolveLocale,
  rulesInsight,
  safetyPass,
  type AnalysisMetrics,
} from '../../src/index.ts';

const prov = { algorithm: 'x', parameters: {}, coverage: { total: 7, valid: 7, fraction: 1 } };
const metrics: AnalysisMetrics = {
  activity: {
    meanDailySteps: 4321.6,
    meanDailyMvpaMinutes: 18.25,
    meanDailySedentaryMinutes: 700,
    validDays: 7,
    dailySteps: [],
    provenance: prov,
  },
  sleep: {
    basis: 'movement_scoring',
    nights: 6,
    meanTotalSleepMinutes: 391.5,
    meanEfficiency: 0.874,
    meanOnsetClock: '23:10',
    nightly: [],
    provenance: prov,
  },
  circadian: { IS: 0.42, IV: 0.8, RA: 0.9, L5Start: '01:00', M10Start: '08:00', provenance: prov },
  heartRate: { meanBpm: 63.4, restingBpm: null, provenance: prov },
  hrv: { meanSdnnMs: 48.2, provenance: prov },
  trends: [{ metric: 'steps', slopePerDay: -120.5, direction: 'decreasing', pValue: 0.03, n: 7 }],
  anomalies: [],
};

describe('rule-based insights', () => {
  it('quotes the analysis numbers and returns them unrounded as figures', () => {
    expect(analysisMetricsSchema.safeParse(metrics).success).toBe(true);
    const r = rulesInsight({
      metrics,
      window: { start: '2026-11-18', end: '2026-11-24' },
      locale: 'en',
      hasEmbedding: false,
    });
    expect(insightLlmOutputSchema.safeParse(r.output).success).toBe(true);
    expect(r.figures['activity.meanDailySteps']).toBe(4321.6);
    expect(r.figures['sleep.meanTotalSleepMinutes']).toBe(391.5);
    expect(r.figures['circadian.IS']).toBe(0.42);
    const text = r.output.keyInsights.map((k) => k.detail).join(' ');
    expect(text).toContain('4,322 steps');
    expect(text).toContain('6 h 32 min');
    expect(text).toContain('87%');
    expect(text).toContain('estimated from movement');
    // Low steps, short sleep and IS < 0.5 each earn their suggestion.
    expect(r.output.recommendations).toEqual([
      messages.en.recMoveMore,
      messages.en.recSleepMore,
      messages.en.recSleepRegular,
    ]);
    expect(r.output.confidence).toBe('high');
  });

  it('localises to Spanish and German with locale number formats', () => {
    const es = rulesInsight({ metrics, window: { start: 'a', end: 'b' }, locale: 'es', hasEmbedding: false });
    const de = rulesInsight({ metrics, window: { start: 'a', end: 'b' }, locale: 'de', hasEmbedding: true });
    expect(es.output.keyInsights[0]?.detail).toContain('4322 pasos');
    expect(de.output.keyInsights[0]?.detail).toContain('4.322 Schritte');
    expect(de.output.narrative).toContain('Forschungszwecke');
    expect(resolveLocale('es-MX')).toBe('es');
    expect(resolveLocale('de_AT')).toBe('de');
    expect(resolveLocale('fr')).toBe('en');
  });

  it('says there is not enough data when nothing was measured', () => {
    const empty: AnalysisMetrics = {
      ...metrics,
      activity: null,
      sleep: null,
      circadian: null,
      heartRate: null,
      hrv: null,
      trends: [],
    };
    const r = rulesInsight({
      metrics: empty,
      window: { start: 'a', end: 'b' },
      locale: 'en',
      hasEmbedding: false,
    });
    expect(r.output.narrative).toBe(messages.en.noData);
    expect(r.output.confidence).toBe('low');
  });

  it('never trips its own safety pass in any locale', () => {
    for (const locale of ['en', 'es', 'de'] as const) {
      const r = rulesInsight({ metrics, window: { start: 'a', end: 'b' }, locale, hasEmbedding: true });
      expect(safetyPass(r.output)?.removed).toBe(0);
    }
  });
});

describe('safety pass', () => {
  it('removes diagnosis and prediction sentences in en, es and de', () => {
    expect(hasDiagnosisLanguage('You may have insomnia.')).toBe(true);
    expect(hasDiagnosisLanguage('Esto sugiere un trastorno del sueño.')).toBe(true);
    expect(hasDiagnosisLanguage('Du leidest an einer Schlafstörung.')).toBe(true);
    expect(hasDiagnosisLanguage('You walked 5,000 steps a day.')).toBe(false);
    const out = safetyPass({
      narrative: 'You slept 7 hours. This pattern suggests sleep apnea.',
      keyInsights: [
        { title: 'Sleep', detail: 'You slept 7 hours a night.', metrics: [] },
        { title: 'Risk', detail: 'You have a high risk of depression.', metrics: [] },
      ],
      recommendations: ['Ask for medication.', 'Walk daily.'],
      confidence: 'medium',
    });
    expect(out?.output.narrative).toBe('You slept 7 hours.');
    expect(out?.output.keyInsights).toHaveLength(1);
    expect(out?.output.recommendations).toEqual(['Walk daily.']);
    expect(out?.removed).toBe(3);
  });

  it('returns nothing usable when every sentence is a diagnosis', () => {
    expect(
      safetyPass({
        narrative: 'You have insomnia.',
        keyInsights: [{ title: 'Diagnosis', detail: 'Insomnia disorder.', metrics: [] }],
        recommendations: [],
        confidence: 'low',
      }),
    ).toBeUndefined();
  });
});

describe('validated head predictions in rule-based insights', () => {
  const prediction = {
    task: 'late-sleeper',
    label: 'Late sleep timing',
    probability: 0.934,
    spread: 0.021,
    outcome: 'late',
    auroc: 0.992,
  };
  it.each(['en', 'es', 'de'] as const)(
    '%s: states the estimate with its uncertainty and survives the safety pass (no diagnosis language)',
    (locale) => {
      const r = rulesInsight({
        metrics,
        window: { start: '2024-01-01', end: '2024-01-07' },
        locale,
        hasEmbedding: true,
        predictions: [prediction],
      });
      const k = r.output.keyInsights.find((x) => x.metrics.includes('predictions.late-sleeper.probability'));
      expect(k?.title).toBe(messages[locale].predictionTitle);
      expect(k?.detail).toMatch(/93/);
      expect(k?.detail).toMatch(/2/);
      expect(k?.detail).toMatch(/0[.,]99/);
      expect(hasDiagnosisLanguage(k?.detail ?? '')).toBe(false);
      const safe = safetyPass(r.output);
      expect(safe?.output.keyInsights.some((x) => x.title === messages[locale].predictionTitle)).toBe(true);
      expect(r.figures['predictions.late-sleeper.probability']).toBe(0.934);
    },
  );
  it('says nothing about predictions when there are none', () => {
    const r = rulesInsight({
      metrics,
      window: { start: '2024-01-01', end: '2024-01-07' },
      locale: 'en',
      hasEmbedding: true,
    });
    expect(r.output.keyInsights.some((x) => x.title === messages.en.predictionTitle)).toBe(false);
  });
});
