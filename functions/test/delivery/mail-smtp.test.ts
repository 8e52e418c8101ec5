/**
 * The insight email over real SMTP: nodemailer (mail-transport.ts) to a real `smtp-server` on loopback,
 * parsed with `mailparser`. German, Spanish and English templates with text and HTML parts, the
 * List-Unsubscribe headers, and a signed unsubscribe token that verifies only unchanged and only with the
 * server's key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderMail } from '../../src/delivery/mail.ts';
import { smtpTransport } from '../../src/delivery/mail-transport.ts';
import { unsubscribeToken, verifyUnsubscribeToken } from '../../src/delivery/unsubscribe.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp.ts';

let sink: SmtpSink;
beforeAll(async () => {
  sink = await startSmtpSink({ user: 'clarity', password: 'pw-from-secret' });
});
afterAll(async () => {
  await sink.close();
});

const master = 'test-master-secret-0123456789abcdef';
const link = (uid: string) =>
  `http://127.0.0.1:1/v1/notifications/unsubscribe?token=${unsubscribeToken(master, uid)}`;

describe('insight email over SMTP', () => {
  it('arrives in German with text and HTML parts, the deep link and a working unsubscribe link', async () => {
    const transport = smtpTransport({
      host: '127.0.0.1',
      port: sink.port,
      user: 'clarity',
      password: 'pw-from-secret',
      from: 'Clarity <no-reply@clarity.invalid>',
      ignoreTls: true,
    });
    const url = link('user-de');
    const info = await transport.send(
      'anna@example.com',
      renderMail({ locale: 'de', template: { name: 'insight', data: { insightId: 'job-7' } } }, url),
    );
    expect(info.accepted).toEqual(['anna@example.com']);
    const [got] = await sink.waitFor(1);
    expect(got!.user).toBe('clarity');
    expect(got!.to).toEqual(['anna@example.com']);
    const m = got!.parsed;
    expect(m.subject).toBe('Deine wöchentliche Schlafauswertung ist da');
    expect(m.from?.value[0]).toMatchObject({ name: 'Clarity', address: 'no-reply@clarity.invalid' });
    expect(m.text).toContain('deine neue wöchentliche Auswertung');
    expect(m.text).toContain('clarity://insights/job-7');
    expect(m.text).toContain(`Diese E-Mails abbestellen: ${url}`);
    expect(m.html).toContain('<html lang="de">');
    expect(m.html).toContain(`href="${url.replace(/&/g, '&amp;')}"`);
    expect(got!.raw).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m);
    // Folded header (RFC 5322): unfold before reading it.
    const unfolded = got!.raw.replace(/\r?\n[ \t]+/g, ' ');
    expect(unfolded).toContain(`List-Unsubscribe: <${url}>`);
    const token = new URL(url).searchParams.get('token')!;
    expect(verifyUnsubscribeToken(master, token)).toEqual({ uid: 'user-de', channel: 'email' });
  });

  it('has en and es templates; a tampered or foreign token does not verify', () => {
    const en = renderMail(
      { locale: 'en', template: { name: 'insight', data: { insightId: 'i' } } },
      'https://x/u',
    );
    const es = renderMail(
      { locale: 'es', template: { name: 'insight', data: { insightId: 'i' } } },
      'https://x/u',
    );
    expect(en.subject).toBe('Your weekly sleep insight is ready');
    expect(es.subject).toBe('Tu análisis semanal de sueño está listo');
    expect(es.html).toContain('Darse de baja de estos correos');
    const t = unsubscribeToken(master, 'u1');
    const [payload, sig] = t.split('.') as [string, string];
    const other = Buffer.from(JSON.stringify({ u: 'u2', c: 'email' })).toString('base64url');
    expect(verifyUnsubscribeToken(master, `${other}.${sig}`)).toBeNull();
    expect(verifyUnsubscribeToken('another-master-secret', t)).toBeNull();
    expect(verifyUnsubscribeToken(master, `${payload}.${sig.slice(0, -1)}A`)).toBeNull();
    expect(verifyUnsubscribeToken(master, 'garbage')).toBeNull();
  });

  it('a wrong SMTP password is refused by the server (the error names no secret)', async () => {
    const transport = smtpTransport({
      host: '127.0.0.1',
      port: sink.port,
      user: 'clarity',
      password: 'wrong-password',
      from: 'Clarity <no-reply@clarity.invalid>',
      ignoreTls: true,
    });
    const err = await transport
      .send(
        'a@example.com',
        renderMail({ locale: 'en', template: { name: 'insight', data: { insightId: 'i' } } }, 'https://x/u'),
      )
      .catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/535|invalid credentials/i);
    expect((err as Error).message).not.toContain('wrong-password');
  });
});
