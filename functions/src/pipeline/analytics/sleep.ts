/**
 * Sleep: from HealthKit sleep stages when present (asleep minutes per noon-to-noon night); otherwise scored
 * from the movement series, then Tudor-Locke periods: Actiwatch counts with Oakley (Actiware, threshold
 * 40), other counts with Cole-Kripke as ActiLife runs it (counts/100, cap 300), steps with Cole-Kripke at
 * divisor 5, labelled an estimate (the scorers were validated on wrist activity counts, not on steps).
 */
import {
  coleKripke,
  oakley,
  tudorLocke,
  type AnalysisMetrics,
  type EpochSeries,
  type MinuteSeriesDoc,
  type SleepPeriod,
} from '@clarity/core';
import { clock, finite, mean, plainProvenance, sumProvenance } from './values.ts';
import type { MovementSeriesName, WindowMinutes, WindowSeries } from './window.ts';

/** Sleep of the window: from recorded stages when there are any, else scored from the movement series. */
export function sleepMetrics(ws: WindowSeries): AnalysisMetrics['sleep'] {
  const { movement } = ws;
  return (
    sleepFromStages(ws.minutes) ??
    (movement.any
      ? sleepFromMovement(movement.series, ws.minutes.days, movement.name, movement.countSources)
      : null)
  );
}

const asleepStates = new Set([1, 3, 4, 5]);

/** One noon-to-noon night of HealthKit stages, dated by the morning. */
export interface StageNight {
  date: string;
  /** Minutes in an asleep stage. */
  asleep: number;
  /** Minutes with any stage recorded. */
  recorded: number;
  /** First asleep minute relative to the morning's midnight (negative: the evening before). */
  onset: number | undefined;
}

/**
 * Noon-to-noon nights from the minute stage series: the night dated d covers the second half of day d-1
 * (for the first day of the window, the day before it) and the first half of d, so a night that crosses
 * midnight is one night and no minute counts twice. Only nights with some stage recorded. Shared by the
 * analysis and GET /v1/health/trends.
 */
export function stageNights(w: WindowMinutes): StageNight[] {
  const docs = w.byMetric.get('sleep') ?? [];
  const out: StageNight[] = [];
  for (let d = 0; d < w.days.length; d++) {
    let asleep = 0;
    let recorded = 0;
    let onset: number | undefined;
    const halves: [MinuteSeriesDoc | undefined, number, number][] = [
      [d > 0 ? docs[d - 1] : w.dayBefore.get('sleep'), 720, 1440],
      [docs[d], 0, 720],
    ];
    halves.forEach(([doc, from, to], half) => {
      if (!doc || doc.kind !== 'state') return;
      for (let i = from; i < Math.min(to, doc.states.length); i++) {
        const s = doc.states[i];
        if (s === null || s === undefined) continue;
        recorded++;
        if (asleepStates.has(s)) {
          asleep++;
          onset ??= half === 0 ? i - 1440 : i;
        }
      }
    });
    if (recorded > 0) out.push({ date: w.days[d] as string, asleep, recorded, onset });
  }
  return out;
}

function sleepFromStages(w: WindowMinutes): AnalysisMetrics['sleep'] {
  const docs = w.byMetric.get('sleep') ?? [];
  if (!docs.some((d) => d)) return null;
  const nights = stageNights(w);
  const nightly = nights.map((n) => ({ date: n.date, value: n.asleep }));
  const effs = nights.map((n) => n.asleep / n.recorded);
  const onsets = nights.flatMap((n) => (n.onset === undefined ? [] : [n.onset]));
  const totals = nightly.map((n) => n.value ?? 0);
  const onsetMean = mean(onsets);
  return {
    basis: 'healthkit_stages',
    nights: nightly.length,
    meanTotalSleepMinutes: mean(totals),
    meanEfficiency: mean(effs),
    meanOnsetClock: onsetMean === null ? null : clock(onsetMean),
    nightly,
    provenance: sumProvenance('healthkit-sleep-stages', w.days.length, nightly.length, {
      night: 'noon-to-noon, dated by the morning',
      asleepStages: ['asleepUnspecified', 'asleepCore', 'asleepDeep', 'asleepREM'],
      efficiency: 'asleep minutes / minutes with any stage recorded',
    }),
  };
}

/** Cole-Kripke count divisor used on step series (ActiLife uses 100 on counts). */
export const stepsDivisor = 5;

/**
 * The epoch scorer for a movement series, by what recorded it (packages/core/README.md, sleep scoring): Actiwatch counts
 * with Oakley's weights at Actiware's medium threshold (40), the scorer made for that device; other
 * (ActiGraph-scale) counts with Cole-Kripke as ActiLife runs it (counts/100, cap 300); steps with
 * Cole-Kripke at divisor 5 (steps run about 20 times lower than an Actiwatch's counts): not validated,
 * labelled an estimate.
 */
function scoreMovement(
  series: EpochSeries,
  name: MovementSeriesName,
  countSources: readonly string[],
): { scoring: ReturnType<typeof coleKripke>; scorer: string; note?: string } {
  if (name === 'steps')
    return {
      scoring: coleKripke(series, { divisor: stepsDivisor }),
      scorer: `cole-kripke (actilife weights) on minute step counts, divisor ${stepsDivisor}`,
      note: 'scorer validated on wrist activity counts; estimate only',
    };
  if (countSources.length > 0 && countSources.every((s) => /^actiwatch/i.test(s)))
    return {
      scoring: oakley(series, { threshold: 40 }),
      scorer: 'oakley 1997 (actiware, medium threshold 40) on minute Actiwatch activity counts',
    };
  return {
    scoring: coleKripke(series),
    scorer: 'cole-kripke (actilife: counts/100, cap 300) on minute activity counts',
  };
}

function sleepFromMovement(
  series: EpochSeries,
  days: string[],
  name: MovementSeriesName,
  countSources: readonly string[],
): AnalysisMetrics['sleep'] {
  const { scoring, scorer, note } = scoreMovement(series, name, countSources);
  const found = tudorLocke(scoring);
  // One sleep per night: the longest period ending on each day (naps and fragments are not nights).
  const byNight = new Map<string, SleepPeriod>();
  for (const p of found.periods) {
    const date = days[Math.min(days.length - 1, Math.floor(p.endIndex / 1440))] as string;
    const cur = byNight.get(date);
    if (!cur || p.totalSleepMinutes > cur.totalSleepMinutes) byNight.set(date, p);
  }
  if (byNight.size === 0) return null;
  const periods = { ...found, periods: [...byNight.values()] };
  const nightly = [...byNight.entries()].map(([date, p]) => ({ date, value: p.totalSleepMinutes }));
  const onsets = periods.periods.map((p) => {
    const m = /T(\d{2}):(\d{2})/.exec(p.onset);
    const min = m ? Number(m[1]) * 60 + Number(m[2]) : 0;
    return min >= 720 ? min - 1440 : min;
  });
  const onsetMean = mean(onsets);
  return {
    basis: 'movement_scoring',
    nights: periods.periods.length,
    meanTotalSleepMinutes: mean(periods.periods.map((p) => p.totalSleepMinutes)),
    meanEfficiency: finite(mean(periods.periods.map((p) => p.efficiency / 100))),
    meanOnsetClock: onsetMean === null ? null : clock(onsetMean),
    nightly,
    provenance: {
      ...plainProvenance(periods.provenance),
      parameters: {
        ...plainProvenance(periods.provenance).parameters,
        movementSeries: name,
        scorer,
        ...(note ? { note } : {}),
        ...(name === 'activity_counts' ? { countSources: [...countSources] } : {}),
        nightRule: 'longest Tudor-Locke period ending on each day',
      },
    },
  };
}
