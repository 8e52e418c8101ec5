/**
 * Expected per-minute values of stored device data, computed from a reader's epochs independently of the
 * code under test: zone placement by a search over Intl-formatted instants, minutes as plain sums of the
 * epochs that start in them.
 */
import type { EpochSeries } from '@clarity/core';

/** `YYYY-MM-DDTHH:mm:ss` of an instant in a zone (Intl, independent of the code under test). */
export function wallClock(ms: number, zone: string): string {
  return new Intl.DateTimeFormat('sv-SE', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  })
    .format(new Date(ms))
    .replace(' ', 'T');
}

/** The instant whose wall clock in `zone` reads `local`: search over whole-minute offsets. */
export function zonedInstant(local: string, zone: string): number {
  const naive = Date.parse(`${local}Z`);
  for (let off = -14 * 60; off <= 14 * 60; off++) {
    const t = naive - off * 60_000;
    if (wallClock(t, zone) === local) return t;
  }
  throw new Error(`no instant for ${local} in ${zone}`);
}

export function epochsWithData(s: EpochSeries): number {
  let n = 0;
  for (let i = 0; i < s.values.length; i++) if (!s.missing[i]) n++;
  return n;
}

/**
 * Expected minute values of one local day from consecutive epochs (device clock): minute i of the day
 * sums the epochs whose start falls in it, and is null unless all its epochs are present.
 */
export function expectedDay(s: EpochSeries, zone: string, date: string, minutes: number): (number | null)[] {
  const t0 = zonedInstant(s.start, zone);
  const day0 = zonedInstant(`${date}T00:00:00`, zone);
  const per = 60 / s.epochSeconds;
  return Array.from({ length: minutes }, (_, i) => {
    const first = (day0 + i * 60_000 - t0) / (s.epochSeconds * 1000);
    let sum = 0;
    for (let k = 0; k < per; k++) {
      const v = s.values[first + k];
      if (first + k < 0 || v === undefined || Number.isNaN(v)) return null;
      sum += v;
    }
    return sum;
  });
}
