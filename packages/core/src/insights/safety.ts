/**
 * Safety pass over generated insight text (LLM or rules): sentences that read as a diagnosis, a disease
 * claim, a prediction or a treatment instruction are removed (not rewritten: we cannot rewrite them safely),
 * and the disclaimer is always attached by the caller. Patterns cover en, es and de.
 */
import type { InsightLlmOutput } from '../contracts/pipeline.ts';

const diagnosisPatterns: RegExp[] = [
  // en
  /\bdiagnos/i,
  /\b(you|u) (have|may have|might have|likely have|suffer from)\b/i,
  /\b(insomnia|apnea|apnoea|depression|depressive|bipolar|diabetes|arrhythmia|atrial fibrillation|disorder|disease|syndrome|hypertension)\b/i,
  /\b(medication|prescri|dosage|treatment for)\b/i,
  /\b(predicts?|prediction|risk of)\b/i,
  // es
  /\b(diagnóstic|padeces|sufres de|tienes (una )?(enfermedad|trastorno))/i,
  /\b(insomnio|apnea|depresión|diabetes|arritmia|trastorno|enfermedad|síndrome|hipertensión|medicamento|predicción|riesgo de)\b/i,
  // de
  /\b(diagnose|du (hast|leidest)|leidest an)/i,
  /(schlaflosigkeit|apnoe|depression|diabetes|arrhythmie|störung|krankheit|syndrom|bluthochdruck|medikament|vorhersage|risiko für)/i,
];

export function hasDiagnosisLanguage(text: string): boolean {
  return diagnosisPatterns.some((p) => p.test(text));
}

function splitSentences(text: string): string[] {
  return text.split(/(?<=[.!?])\s+/).filter((s) => s.trim().length > 0);
}

function clean(text: string): { text: string; removed: number } {
  const sentences = splitSentences(text);
  const kept = sentences.filter((s) => !hasDiagnosisLanguage(s));
  return { text: kept.join(' '), removed: sentences.length - kept.length };
}

export interface SafetyResult {
  output: InsightLlmOutput;
  removed: number;
}

/**
 * Returns the output with diagnosis-like sentences removed; key insights or recommendations left empty are
 * dropped. When nothing usable remains the caller falls back to the rule generator.
 */
export function safetyPass(output: InsightLlmOutput): SafetyResult | undefined {
  let removed = 0;
  const narrative = clean(output.narrative);
  removed += narrative.removed;
  const keyInsights = output.keyInsights.flatMap((k) => {
    const title = clean(k.title);
    const detail = clean(k.detail);
    removed += title.removed + detail.removed;
    return title.text && detail.text ? [{ ...k, title: title.text, detail: detail.text }] : [];
  });
  const recommendations = output.recommendations.flatMap((r) => {
    const c = clean(r);
    removed += c.removed;
    return c.text ? [c.text] : [];
  });
  if (!narrative.text || keyInsights.length === 0) return undefined;
  return { output: { ...output, narrative: narrative.text, keyInsights, recommendations }, removed };
}
