/**
 * Localised strings of the rule-based insight generator and the disclaimer (en, es, de). Templates take
 * already-formatted numbers; `{name}` placeholders are replaced verbatim.
 */
import type { InsightLocale } from '../contracts/pipeline.ts';

export interface Messages {
  disclaimer: string;
  narrativeIntro: string;
  noData: string;
  stepsTitle: string;
  steps: string;
  mvpa: string;
  sleepTitle: string;
  sleepStages: string;
  sleepMovement: string;
  efficiency: string;
  rhythmTitle: string;
  rhythm: string;
  heartTitle: string;
  heart: string;
  hrv: string;
  trendTitle: string;
  trendUp: string;
  trendDown: string;
  anomalyTitle: string;
  anomalyHigh: string;
  anomalyLow: string;
  recMoveMore: string;
  recKeepMoving: string;
  recSleepRegular: string;
  recSleepMore: string;
  recWearMore: string;
  modelNote: string;
  predictionTitle: string;
  prediction: string;
  predictionAuroc: string;
  predictionCaveat: string;
  metricNames: Record<string, string>;
}

const en: Messages = {
  disclaimer:
    'This summary describes your recorded data only. It is not medical advice, a diagnosis or a substitute for a healthcare professional. Talk to a clinician about any health concern.',
  narrativeIntro: 'Here is what your data from {start} to {end} shows.',
  noData: 'There was not enough data in this period to describe your activity or sleep.',
  stepsTitle: 'Daily activity',
  steps: 'You averaged {steps} steps a day over {days} days with enough data.',
  mvpa: 'On average {mvpa} minutes a day were at a brisk (moderate or vigorous) pace.',
  sleepTitle: 'Sleep',
  sleepStages: 'Your recorded sleep averaged {hours} h {minutes} min over {nights} nights.',
  sleepMovement:
    'Your movement pattern suggests about {hours} h {minutes} min of sleep a night over {nights} nights (estimated from movement, not measured).',
  efficiency: 'About {efficiency}% of the time in bed was spent asleep.',
  rhythmTitle: 'Daily rhythm',
  rhythm:
    'Your day-to-day rhythm had a regularity score of {IS} (0 to 1, higher is more regular); your most active 10 hours usually began around {M10Start}.',
  heartTitle: 'Heart',
  heart: 'Your average recorded heart rate was {bpm} beats per minute.',
  hrv: 'Your average heart rate variability (SDNN) was {sdnn} ms.',
  trendTitle: 'Trend',
  trendUp: 'Your {metric} rose by about {slope} a day across the period.',
  trendDown: 'Your {metric} fell by about {slope} a day across the period.',
  anomalyTitle: 'Unusual day',
  anomalyHigh: 'On {date} your {metric} was unusually high compared with your earlier weeks.',
  anomalyLow: 'On {date} your {metric} was unusually low compared with your earlier weeks.',
  recMoveMore: 'Try adding a short brisk walk on most days.',
  recKeepMoving: 'Keep up your current activity level.',
  recSleepRegular: 'Going to bed and getting up at similar times each day can help keep your rhythm steady.',
  recSleepMore: 'Consider giving yourself a little more time for sleep.',
  recWearMore: 'Wearing your device more consistently will make these summaries more complete.',
  modelNote:
    'A movement-pattern representation was computed for research use only; it says nothing about your health.',
  predictionTitle: 'Model estimate',
  prediction:
    'A model trained on labelled weeks estimates {percent}% (± {spread} points across models) that this week matches “{outcome}” ({label}).',
  predictionAuroc: 'On people it had not seen it scored an AUROC of {auroc}.',
  predictionCaveat: 'This is a statistical estimate about a movement pattern, not a medical finding.',
  metricNames: { steps: 'daily steps', sleep: 'sleep time', heart_rate: 'heart rate' },
};

const es: Messages = {
  disclaimer:
    'Este resumen describe solo tus datos registrados. No es consejo médico, ni un diagnóstico, ni sustituye a un profesional sanitario. Consulta a un profesional ante cualquier duda de salud.',
  narrativeIntro: 'Esto es lo que muestran tus datos del {start} al {end}.',
  noData: 'No hubo datos suficientes en este periodo para describir tu actividad o tu sueño.',
  stepsTitle: 'Actividad diaria',
  steps: 'Diste de media {steps} pasos al día en {days} días con datos suficientes.',
  mvpa: 'De media, {mvpa} minutos al día fueron a paso ligero (moderado o intenso).',
  sleepTitle: 'Sueño',
  sleepStages: 'Tu sueño registrado fue de {hours} h {minutes} min de media en {nights} noches.',
  sleepMovement:
    'Tu patrón de movimiento sugiere unas {hours} h {minutes} min de sueño por noche en {nights} noches (estimado a partir del movimiento, no medido).',
  efficiency: 'Alrededor del {efficiency}% del tiempo en cama lo pasaste durmiendo.',
  rhythmTitle: 'Ritmo diario',
  rhythm:
    'Tu ritmo de un día a otro tuvo una regularidad de {IS} (de 0 a 1, más alto es más regular); tus 10 horas más activas solían empezar hacia las {M10Start}.',
  heartTitle: 'Corazón',
  heart: 'Tu frecuencia cardiaca media registrada fue de {bpm} latidos por minuto.',
  hrv: 'Tu variabilidad media de la frecuencia cardiaca (SDNN) fue de {sdnn} ms.',
  trendTitle: 'Tendencia',
  trendUp: 'Tus {metric} subieron unos {slope} al día a lo largo del periodo.',
  trendDown: 'Tus {metric} bajaron unos {slope} al día a lo largo del periodo.',
  anomalyTitle: 'Día inusual',
  anomalyHigh: 'El {date} tus {metric} fueron inusualmente altos en comparación con semanas anteriores.',
  anomalyLow: 'El {date} tus {metric} fueron inusualmente bajos en comparación con semanas anteriores.',
  recMoveMore: 'Prueba a añadir un paseo corto a buen ritmo casi todos los días.',
  recKeepMoving: 'Mantén tu nivel de actividad actual.',
  recSleepRegular:
    'Acostarte y levantarte a horas parecidas cada día puede ayudar a mantener tu ritmo estable.',
  recSleepMore: 'Plantéate reservar un poco más de tiempo para dormir.',
  recWearMore: 'Llevar el dispositivo de forma más constante hará estos resúmenes más completos.',
  modelNote:
    'Se calculó una representación del patrón de movimiento solo con fines de investigación; no dice nada sobre tu salud.',
  predictionTitle: 'Estimación del modelo',
  prediction:
    'Un modelo entrenado con semanas etiquetadas estima un {percent} % (± {spread} puntos entre modelos) de que esta semana corresponda a «{outcome}» ({label}).',
  predictionAuroc: 'Con personas que no había visto obtuvo un AUROC de {auroc}.',
  predictionCaveat: 'Es una estimación estadística sobre un patrón de movimiento, no un hallazgo médico.',
  metricNames: { steps: 'pasos diarios', sleep: 'horas de sueño', heart_rate: 'pulsaciones' },
};

const de: Messages = {
  disclaimer:
    'Diese Zusammenfassung beschreibt nur deine aufgezeichneten Daten. Sie ist keine medizinische Beratung, keine Diagnose und ersetzt keine ärztliche Fachperson. Sprich bei gesundheitlichen Fragen mit einer Ärztin oder einem Arzt.',
  narrativeIntro: 'Das zeigen deine Daten vom {start} bis {end}.',
  noData: 'In diesem Zeitraum gab es nicht genug Daten, um Aktivität oder Schlaf zu beschreiben.',
  stepsTitle: 'Tägliche Aktivität',
  steps: 'Du bist im Schnitt {steps} Schritte pro Tag gegangen, an {days} Tagen mit genug Daten.',
  mvpa: 'Im Schnitt waren {mvpa} Minuten am Tag in zügigem Tempo (mäßig oder intensiv).',
  sleepTitle: 'Schlaf',
  sleepStages: 'Dein aufgezeichneter Schlaf betrug im Schnitt {hours} h {minutes} min in {nights} Nächten.',
  sleepMovement:
    'Dein Bewegungsmuster deutet auf etwa {hours} h {minutes} min Schlaf pro Nacht in {nights} Nächten hin (aus Bewegung geschätzt, nicht gemessen).',
  efficiency: 'Etwa {efficiency}% der Zeit im Bett hast du geschlafen.',
  rhythmTitle: 'Tagesrhythmus',
  rhythm:
    'Dein Rhythmus von Tag zu Tag hatte eine Regelmäßigkeit von {IS} (0 bis 1, höher ist regelmäßiger); deine aktivsten 10 Stunden begannen meist gegen {M10Start}.',
  heartTitle: 'Herz',
  heart: 'Deine durchschnittliche aufgezeichnete Herzfrequenz lag bei {bpm} Schlägen pro Minute.',
  hrv: 'Deine durchschnittliche Herzfrequenzvariabilität (SDNN) lag bei {sdnn} ms.',
  trendTitle: 'Trend',
  trendUp: 'Deine {metric} stiegen im Zeitraum um etwa {slope} pro Tag.',
  trendDown: 'Deine {metric} sanken im Zeitraum um etwa {slope} pro Tag.',
  anomalyTitle: 'Ungewöhnlicher Tag',
  anomalyHigh: 'Am {date} waren deine {metric} ungewöhnlich hoch im Vergleich zu früheren Wochen.',
  anomalyLow: 'Am {date} waren deine {metric} ungewöhnlich niedrig im Vergleich zu früheren Wochen.',
  recMoveMore: 'Versuche, an den meisten Tagen einen kurzen zügigen Spaziergang einzubauen.',
  recKeepMoving: 'Behalte dein aktuelles Aktivitätsniveau bei.',
  recSleepRegular:
    'Jeden Tag zu ähnlichen Zeiten ins Bett zu gehen und aufzustehen hilft, deinen Rhythmus stabil zu halten.',
  recSleepMore: 'Plane vielleicht etwas mehr Zeit für Schlaf ein.',
  recWearMore: 'Wenn du dein Gerät regelmäßiger trägst, werden diese Zusammenfassungen vollständiger.',
  modelNote:
    'Nur für Forschungszwecke wurde eine Darstellung deines Bewegungsmusters berechnet; sie sagt nichts über deine Gesundheit aus.',
  predictionTitle: 'Modellschätzung',
  prediction:
    'Ein an beschrifteten Wochen trainiertes Modell schätzt mit {percent} % (± {spread} Punkte zwischen Modellen), dass diese Woche zu „{outcome}“ ({label}) passt.',
  predictionAuroc: 'Bei Personen, die es nicht kannte, erreichte es eine AUROC von {auroc}.',
  predictionCaveat:
    'Das ist eine statistische Schätzung zu einem Bewegungsmuster, kein medizinischer Befund.',
  metricNames: { steps: 'täglichen Schritte', sleep: 'Schlafzeiten', heart_rate: 'Herzfrequenzwerte' },
};

export const messages: Record<InsightLocale, Messages> = { en, es, de };

/** BCP 47 tag -> supported locale ('es-MX' -> 'es'); English otherwise. */
export function resolveLocale(tag: string | null | undefined): InsightLocale {
  const base = (tag ?? '').toLowerCase().split(/[-_]/)[0];
  return base === 'es' || base === 'de' ? base : 'en';
}

export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in values ? String(values[k]) : m));
}
