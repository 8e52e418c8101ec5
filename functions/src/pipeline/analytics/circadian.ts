/**
 * Circadian rhythm: IS/IV/RA/L5/M10 (circadianMetrics, 60-min bins) on the movement series; on counts, Choi
 * 2011 non-wear is masked first (an actigraph's off-wrist zeros would otherwise read as rest).
 */
import { choiNonWear, circadianMetrics, maskEpochs, type AnalysisMetrics } from '@clarity/core';
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
    provenance: { ...p, parameters: { ...p.parameters, movementSeries: movement.name, ...masking } },
  };
}
