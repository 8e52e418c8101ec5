/**
 * Emulator only (DELIVERY_EMULATOR_SINKS and the Functions emulator both): where push and email go when
 * there is no FCM and no SMTP relay. A test or `npm run demo` starts a loopback SMTP server and push sink on
 * ephemeral ports and names them in system/deliverySinks; the channels read it on each task. Outside the
 * emulator this returns null and the params (SMTP_HOST..., FCM) are used.
 */
import type { Firestore } from 'firebase-admin/firestore';
import { z } from 'zod';
import { deliveryEmulatorSinks, runtime } from '../platform/config.ts';
import { paths } from '../store/paths.ts';

const loopbackUrl = z
  .string()
  .url()
  .refine((u) => ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(u).hostname), 'must be a loopback URL');

export const sinksSchema = z.object({
  smtpPort: z.number().int().min(1).max(65535).nullable(),
  pushUrl: loopbackUrl.nullable(),
});
export type DeliverySinks = z.infer<typeof sinksSchema>;

export function sinksEnabled(): boolean {
  return runtime.isEmulator && deliveryEmulatorSinks.value();
}

export async function readSinks(db: Firestore): Promise<DeliverySinks | null> {
  if (!sinksEnabled()) return null;
  const parsed = sinksSchema.safeParse((await db.doc(paths.deliverySinks()).get()).data());
  return parsed.success ? parsed.data : null;
}
