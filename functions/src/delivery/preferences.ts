/**
 * Per-user notification preferences (users/{uid}/notificationPrefs/current): which channels are on, quiet
 * hours in the user's own time zone, the locale of push and email text, and whether a push may show health
 * values (off by default: a lock screen is public). Absent fields take the defaults below, with the zone and
 * locale of the user's profile.
 */
import { FieldValue, type Firestore } from 'firebase-admin/firestore';
import { insightLocales, isValidTimeZone, resolveLocale } from '@clarity/core';
import { z } from 'zod';
import { paths } from '../store/paths.ts';

const localTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a local time HH:MM (00:00-23:59)')
  .describe('Local time HH:MM');

export const quietHoursSchema = z
  .object({ start: localTime, end: localTime })
  .strict()
  .describe('Local window without push (start inclusive, end exclusive; start > end wraps midnight)');

export const timeZoneSchema = z
  .string()
  .max(64)
  .refine(isValidTimeZone, 'is not an IANA time zone')
  .describe('IANA time zone, e.g. Europe/Berlin');

export const channelsSchema = z
  .object({ push: z.boolean(), email: z.boolean(), webhook: z.boolean() })
  .strict()
  .describe('Each delivery channel on or off (the app listener is always on)');

export const notificationPrefsSchema = z.object({
  channels: channelsSchema,
  quietHours: quietHoursSchema.nullable(),
  timezone: timeZoneSchema,
  locale: z.enum(insightLocales),
  pushHealthValues: z
    .boolean()
    .describe('Show health values in push notifications (off: generic text only; a lock screen is public)'),
});
export type NotificationPrefs = z.infer<typeof notificationPrefsSchema>;

/** The body of PUT /v1/notifications/preferences: any subset, channels field by field. */
export const notificationPrefsPatch = z
  .object({
    channels: channelsSchema.partial().strict().optional(),
    quietHours: quietHoursSchema.nullable().optional(),
    timezone: timeZoneSchema.optional(),
    locale: z.enum(insightLocales).optional(),
    pushHealthValues: z.boolean().optional(),
  })
  .strict();
export type NotificationPrefsPatch = z.infer<typeof notificationPrefsPatch>;

/** Email is opt-in; push and webhooks are on once a device or an endpoint is registered. */
export function defaultPrefs(profile: { locale?: unknown; timezone?: unknown }): NotificationPrefs {
  const tz =
    typeof profile.timezone === 'string' && isValidTimeZone(profile.timezone) ? profile.timezone : 'UTC';
  return {
    channels: { push: true, email: false, webhook: true },
    quietHours: null,
    timezone: tz,
    locale: resolveLocale(typeof profile.locale === 'string' ? profile.locale : null),
    pushHealthValues: false,
  };
}

/** Stored fields over the defaults; a stored field that no longer validates falls back to its default. */
export function mergePrefs(base: NotificationPrefs, stored: Record<string, unknown>): NotificationPrefs {
  const patch = notificationPrefsPatch.partial().safeParse(pick(stored));
  if (!patch.success) return base;
  return applyPatch(base, patch.data);
}

export function applyPatch(base: NotificationPrefs, p: NotificationPrefsPatch): NotificationPrefs {
  return {
    channels: { ...base.channels, ...p.channels },
    quietHours: p.quietHours === undefined ? base.quietHours : p.quietHours,
    timezone: p.timezone ?? base.timezone,
    locale: p.locale ?? base.locale,
    pushHealthValues: p.pushHealthValues ?? base.pushHealthValues,
  };
}

const prefKeys = ['channels', 'quietHours', 'timezone', 'locale', 'pushHealthValues'] as const;
function pick(d: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(prefKeys.filter((k) => d[k] !== undefined).map((k) => [k, d[k]]));
}

export async function readPrefs(db: Firestore, uid: string): Promise<NotificationPrefs> {
  const [profile, stored] = await Promise.all([
    db.doc(paths.user(uid)).get(),
    db.doc(paths.notificationPrefs(uid)).get(),
  ]);
  return mergePrefs(defaultPrefs(profile.data() ?? {}), stored.data() ?? {});
}

/** Applies a change and returns the whole result (a transaction: concurrent changes do not lose fields). */
export async function writePrefs(
  db: Firestore,
  uid: string,
  patch: NotificationPrefsPatch,
): Promise<NotificationPrefs> {
  const ref = db.doc(paths.notificationPrefs(uid));
  const profile = (await db.doc(paths.user(uid)).get()).data() ?? {};
  return db.runTransaction(async (tx) => {
    const cur = mergePrefs(defaultPrefs(profile), (await tx.get(ref)).data() ?? {});
    const next = applyPatch(cur, patch);
    tx.set(ref, { ...next, updatedAt: FieldValue.serverTimestamp() });
    return next;
  });
}
