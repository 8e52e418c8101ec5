/**
 * The delivery part of `npm run demo` (called by scripts/demo-client.ts): it starts, on 127.0.0.1 with
 * ephemeral ports, a webhook receiver that verifies every event with the `standardwebhooks` library, a real
 * SMTP server (`smtp-server`, messages parsed with `mailparser`) and the push sink the emulators' local push
 * adapter posts to (there is no FCM emulator); names the SMTP port and push sink to the emulated functions
 * (system/deliverySinks, emulator only); registers them for the demo user through the API (email on, two
 * devices, one webhook endpoint); and at the end prints each channel's outcome from the job document and
 * the verified webhook events.
 */
import { initializeApp as adminInit } from 'firebase-admin/app';
import { getFirestore as adminFirestore } from 'firebase-admin/firestore';
import type { ClarityClient, Job } from '@clarity/client';
import { paths } from '../functions/src/store/paths.ts';
import { startPushSink, type PushSink } from '../functions/test/support/push-sink.ts';
import { startSmtpSink, type SmtpSink } from '../functions/test/support/smtp.ts';
import { startReceiver, type Receiver } from '../functions/test/support/webhook-receiver.ts';

export interface DemoDelivery {
  receiver: Receiver;
  smtp: SmtpSink;
  push: PushSink;
  close(): Promise<void>;
}

type Api = (
  method: string,
  path: string,
  body?: unknown,
) => Promise<{ status: number; data: Record<string, unknown> }>;

/** Starts the three loopback servers and tells the emulated functions where they are. */
export async function startDemoDelivery(projectId: string): Promise<DemoDelivery> {
  const [receiver, smtp, push] = await Promise.all([
    startReceiver(),
    // The user and password of functions/.env.demo-clarity (SMTP_USER) and .secret.local (SMTP_PASSWORD).
    startSmtpSink({ user: 'clarity', password: 'demo-smtp-password' }),
    startPushSink(),
  ]);
  const admin = adminFirestore(adminInit({ projectId }, 'demo-delivery'));
  await admin.doc(paths.deliverySinks()).set({ smtpPort: smtp.port, pushUrl: push.url });
  return {
    receiver,
    smtp,
    push,
    close: async () => {
      await admin.doc(paths.deliverySinks()).delete();
      await Promise.all([receiver.close(), smtp.close(), push.close()]);
    },
  };
}

/** Email on, two devices, one webhook endpoint: what an app would register for its user. */
export async function registerDemoChannels(
  api: Api,
  d: DemoDelivery,
  say: (s: string) => void,
): Promise<void> {
  const prefs = await api('PUT', '/v1/notifications/preferences', { channels: { email: true } });
  if (prefs.status !== 200) throw new Error(`PUT /v1/notifications/preferences answered ${prefs.status}`);
  for (const [token, platform] of [
    ['demo-phone-token-0123456789', 'ios'],
    ['demo-tablet-token-0123456789', 'android'],
  ] as const) {
    const r = await api('PUT', `/v1/devices/${token}`, { platform });
    if (r.status !== 201 && r.status !== 200) throw new Error(`PUT /v1/devices answered ${r.status}`);
  }
  const hook = await api('POST', '/v1/webhooks', {
    url: d.receiver.url,
    description: 'npm run demo receiver',
  });
  if (hook.status !== 201) throw new Error(`POST /v1/webhooks answered ${hook.status}`);
  d.receiver.secrets.push(hook.data.secret as string);
  say(
    `demo: delivery: webhook receiver ${d.receiver.url} (endpoint ${String(hook.data.id)}), SMTP server 127.0.0.1:${d.smtp.port}, push sink ${d.push.url}; email on, 2 devices`,
  );
}

interface Channel {
  status?: string;
  sent?: number;
  tokens?: number;
  attempts?: number;
  lastStatusCode?: number | null;
  endpoints?: Record<string, Channel>;
}

/**
 * The job's `delivery` field: written by the delivery stage (pipeline/deliver.ts, delivery/*), not part of
 * the core's job contract yet, so the client's typed Job does not name it.
 */
type JobWithDelivery = Job & { delivery?: Record<string, Channel> };

/** Waits for every channel's final outcome on the job (the client's live jobs watcher) and prints it. */
export async function reportDelivery(
  client: ClarityClient,
  uid: string,
  jobId: string,
  d: DemoDelivery,
  say: (s: string) => void,
  timeoutMs = 120_000,
): Promise<boolean> {
  const final = (s: string | undefined) =>
    s !== undefined && !['queued', 'delayed', 'sending', 'retrying', 'pending'].includes(s);
  const delivery = await new Promise<Record<string, Channel> | null>((resolve) => {
    let last: Record<string, Channel> = {};
    const t = setTimeout(() => (stop(), resolve(last)), timeoutMs);
    const stop = client.watchJobs((jobs) => {
      const job: JobWithDelivery | undefined = jobs.find((j) => j.id === jobId);
      last = job?.delivery ?? {};
      const eps = Object.values(last.webhook?.endpoints ?? {});
      if (
        final(last.push?.status) &&
        final(last.email?.status) &&
        eps.length > 0 &&
        eps.every((e) => final(e.status))
      ) {
        clearTimeout(t);
        stop();
        resolve(last);
      }
    });
  });
  if (!delivery) return false;
  say(`\ndelivery (${paths.job(uid, jobId)}, field delivery, seen live):`);
  const p = delivery.push ?? {};
  say(
    `  push     ${p.status ?? '-'}: ${p.sent ?? 0} of ${p.tokens ?? 0} devices${d.push.received[0] ? ` ("${d.push.received[0].notification.body}", deep link ${d.push.received[0].data.link})` : ''}`,
  );
  const e = delivery.email ?? {};
  const mail = d.smtp.received[0];
  say(
    `  email    ${e.status ?? '-'} after ${e.attempts ?? 0} attempt(s)${mail ? `: "${mail.parsed.subject ?? ''}" to ${mail.to.join(', ')}` : ''}`,
  );
  for (const [id, ep] of Object.entries(delivery.webhook?.endpoints ?? {})) {
    say(
      `  webhook  ${ep.status ?? '-'} (endpoint ${id}, ${ep.attempts ?? 0} attempt(s), HTTP ${ep.lastStatusCode ?? '-'})`,
    );
  }
  await d.receiver.waitFor(3, 30_000).catch(() => undefined);
  const events = d.receiver.received.map((r) => ({
    ...r,
    body: JSON.parse(r.body) as { type: string; data: Record<string, unknown> },
  }));
  say(
    `  webhook receiver: ${events.length} event(s) (${events.map((e) => e.body.type).join(', ')}), ${events.filter((e) => e.verifiedWith === 0).length} verified with standardwebhooks`,
  );
  const created = events.find((e) => e.body.type === 'insight.created' && e.body.data.insightId === jobId);
  if (created) {
    say(
      `  verified insight.created, webhook-id ${created.id}: ${JSON.stringify(created.body.data).slice(0, 200)}`,
    );
  }
  return created !== undefined && events.every((e) => e.verifiedWith === 0);
}
