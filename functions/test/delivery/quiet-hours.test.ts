/** Quiet hours in the user's zone: the release time is the window's local end, across midnight and DST. */
import { describe, expect, it } from 'vitest';
import { quietHoursRelease } from '../../src/delivery/quiet-hours.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('quiet hours', () => {
  const berlin = { start: '22:00', end: '07:00', timezone: 'Europe/Berlin' };

  it('delays a push inside a window that wraps midnight to its local end', () => {
    // 23:30 in Berlin (UTC+1 in December) -> 07:00 Berlin next day = 06:00 UTC.
    expect(iso(quietHoursRelease(at('2026-12-02T22:30:00Z'), berlin))).toBe('2026-12-03T06:00:00.000Z');
    // 03:00 Berlin -> 07:00 the same local day.
    expect(iso(quietHoursRelease(at('2026-12-03T02:00:00Z'), berlin))).toBe('2026-12-03T06:00:00.000Z');
  });

  it('sends at once outside the window', () => {
    const now = at('2026-12-02T12:00:00Z');
    expect(quietHoursRelease(now, berlin)).toBe(now);
    expect(quietHoursRelease(at('2026-12-03T06:00:00Z'), berlin)).toBe(at('2026-12-03T06:00:00Z'));
  });

  it('uses the zone, not UTC: the same instant is quiet in Berlin and not in New York', () => {
    const now = at('2026-12-02T22:30:00Z'); // 17:30 in New York
    expect(quietHoursRelease(now, { ...berlin, timezone: 'America/New_York' })).toBe(now);
  });

  it('lands on the local end across a daylight-saving change', () => {
    // Night of 2027-03-28 in Berlin: clocks go 02:00 -> 03:00; 07:00 CEST = 05:00 UTC.
    expect(iso(quietHoursRelease(at('2027-03-27T23:00:00Z'), berlin))).toBe('2027-03-28T05:00:00.000Z');
  });

  it('handles a same-day window', () => {
    const q = { start: '12:00', end: '14:00', timezone: 'Asia/Tokyo' };
    // 12:30 Tokyo (UTC+9) = 03:30 UTC -> 14:00 Tokyo = 05:00 UTC.
    expect(iso(quietHoursRelease(at('2026-12-02T03:30:00Z'), q))).toBe('2026-12-02T05:00:00.000Z');
    expect(() => quietHoursRelease(0, { ...q, start: '25:00' })).toThrow(/HH:MM/);
  });
});
