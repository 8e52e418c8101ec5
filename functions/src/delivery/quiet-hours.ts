/**
 * Quiet hours in the user's time zone: a push due inside the window waits until the window ends (local
 * time, across midnight and daylight-saving changes). Pure: the clock and the zone are inputs.
 */
import { zoneOffsetMinutes } from '@clarity/core';
export interface QuietHours {
  /** Local "HH:MM" where the window starts (inclusive) and ends (exclusive); start > end wraps midnight. */
  start: string;
  end: string;
  /** IANA zone, e.g. Europe/Berlin. */
  timezone: string;
}

const minutesOf = (hhmm: string): number => {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (!m) throw new Error(`not a local time HH:MM: ${hhmm}`);
  return Number(m[1]) * 60 + Number(m[2]);
};

/** The wall-clock time of `ms` in `timezone`, as if it were UTC (so offsets are differences). */
function localAsUtc(ms: number, timezone: string): number {
  return ms + zoneOffsetMinutes(ms, timezone) * 60_000;
}

/** The UTC instant of a local wall-clock time (given as if UTC) in `timezone`. */
function utcOfLocal(localMs: number, timezone: string): number {
  let guess = localMs - (localAsUtc(localMs, timezone) - localMs);
  // One correction for a daylight-saving change between the guess and the target.
  guess += localMs - localAsUtc(guess, timezone);
  return guess;
}

/** When a push due at `nowMs` may be sent: `nowMs` outside the window, else the window's local end. */
export function quietHoursRelease(nowMs: number, q: QuietHours): number {
  const start = minutesOf(q.start);
  const end = minutesOf(q.end);
  if (start === end) return nowMs;
  const local = localAsUtc(nowMs, q.timezone);
  const dayStart = Math.floor(local / 86_400_000) * 86_400_000;
  const minute = Math.floor((local - dayStart) / 60_000);
  const inside = start < end ? minute >= start && minute < end : minute >= start || minute < end;
  if (!inside) return nowMs;
  // The end is today when it is still ahead (before-midnight part of a wrapped window: tomorrow).
  const endDay = minute < end ? dayStart : dayStart + 86_400_000;
  return utcOfLocal(endDay + end * 60_000, q.timezone);
}
