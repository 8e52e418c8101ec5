/** Reading back the samples a series day document stores, as canonical samples for the core's analytics. */
import {
  categoryTypes,
  quantityTypes,
  type ExportSample,
  type HealthTypeId,
  type SeriesDoc,
  type StoredSample,
} from '@clarity/core';

/** The HealthKit type behind each metric (one type per metric in the health-types table). */
const typeOfMetric = new Map<string, HealthTypeId>(
  [...Object.entries(quantityTypes), ...Object.entries(categoryTypes)].map(([type, spec]) => [
    spec.metric,
    type,
  ]),
);

/**
 * Stored samples of series documents as canonical samples (each document's in sample-id order), with their
 * ids and the upload that stored them. The stored form keeps absolute instants only, so `offsetMinutes` is
 * 0: callers cut days in an explicit zone.
 */
export function samplesOf(docs: readonly SeriesDoc[]): ExportSample[] {
  const out: ExportSample[] = [];
  for (const doc of docs) {
    const type = doc.type ?? typeOfMetric.get(doc.metric);
    if (!type) continue;
    // In sample-id order, whatever order the map was built in (read back, or merged in a transaction): the
    // minute view resolves overlapping samples in order, so the same samples must always give the same view.
    for (const id of Object.keys(doc.samples).sort()) {
      const s = doc.samples[id] as StoredSample;
      out.push({
        id,
        uploadId: s.up,
        type,
        metric: doc.metric,
        startMs: s.s,
        endMs: s.e,
        offsetMinutes: 0,
        value: s.v,
        unit: s.u ?? doc.unit,
        stage: s.st,
        ...(s.c !== undefined ? { category: s.c } : {}),
        source: s.src,
        device: null,
      });
    }
  }
  return out;
}
