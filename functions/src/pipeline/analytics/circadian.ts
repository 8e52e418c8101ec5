/**
 * Circadian rhythm: IS/IV/RA/L5/M10 (circadianMetrics, 60-min bins) on the movement series; on counts, Choi
 * 2011 non-wear is masked first (an actigraph's off-wrist zeros would otherwise read as rest).
 */
import {
  choiNonWear,
  circadianMetrics,
  maskEpochs,
  type AnalysisMetrics,
  type EpochSeries,
} from '@clarity/core';
import { finite, plainProvenance } from './values.ts';
import type { WindowSeries } from './window.ts';

export function circadianRhythm(ws: WindowSeries): AnalysisMetrics['circadian'] {
  const { movement } = ws;
  if (!movement.any || ws.minutes.days.length < 2) return null;
  let input = movement.series;
  const masking: Record<string, unknown> = {};
  if (movement.name === 'activity_counts') {
    const nonWear = choiNonWear(movement.series);
    input = maskEpochs(movement.series, nonWear.mask);
    masking.nonWear = 'choi-2011 (actilife 90/30/2 min), masked before binning';
    masking.nonWearMinutes = nonWear.nonWearEpochs;
    masking.nonWearSource =
      'Choi et al. 2011 (hip ActiGraph counts); its 90-min window was also the most accurate on wrist counts (Choi et al. 2012)';
  }
  const c = circadianMetrics(input);
  const p = plainProvenance(c.provenance);
  return {
    IS: finite(c.IS),
    IV: finite(c.IV),
    RA: finite(c.RA),
    L5Start: c.L5Start,
    M10Start: c.M10Start,
    hourlyProfile: hourlyProfile(input),
    provenance: { ...p, parameters: { ...p.parameters, movementSeries: movement.name, ...masking } },
  };
}

/**
 * The 24-h average profile: the mean of each local clock hour's valid minutes over the window (null for an
 * hour without any). The series starts at local midnight with one-minute epochs (window.ts).
 */
export function hourlyProfile(series: EpochSeries): (number | null)[] {
  const sums = new Array<number>(24).fill(0);
  const counts = new Array<number>(24).fill(0);
  const perHour = 3600 / series.epochSeconds;
  series.values.forEach((v, i) => {
    if (series.missing[i] || !Number.isFinite(v)) return;
    const hour = Math.floor(i / perHour) % 24;
    sums[hour]! += v;
    counts[hour]! += 1;
  });
  return sums.map((s, h) => (counts[h] ? s / counts[h] : null));
}
