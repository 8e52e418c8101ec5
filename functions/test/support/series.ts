/** Series day documents built in memory, for the analytics tests that run without the emulators. */
import { localDate, sampleId, type CanonicalSample, type SeriesDoc } from '@clarity/core';

/**
 * Series documents as the series writer stores canonical samples: one per metric and local day, samples
 * keyed by their id, all from upload `up1`.
 */
export function seriesDocsOf(samples: readonly CanonicalSample[]): SeriesDoc[] {
  const docs = new Map<string, SeriesDoc>();
  for (const s of samples) {
    const date = localDate(s.startMs, s.offsetMinutes);
    const key = `${s.metric}_${date}`;
    let d = docs.get(key);
    if (!d)
      docs.set(
        key,
        (d = {
          metric: s.metric,
          date,
          unit: s.unit,
          samples: {},
          sampleCount: 0,
          sources: [s.source],
          updatedAt: null,
        }),
      );
    d.samples[sampleId('u', s)] = {
      s: s.startMs,
      e: s.endMs,
      v: s.value,
      st: s.stage,
      src: s.source,
      up: 'up1',
    };
    d.sampleCount++;
  }
  return [...docs.values()];
}
