/**
 * Sending one email over SMTP with nodemailer (host, port and user from params, the password a secret;
 * platform/config.ts). The MailTransport interface is what mail.ts needs; tests and the demo point it at a
 * loopback SMTP server.
 */
import nodemailer from 'nodemailer';
import type { MailMessage } from './mail-template.ts';

export interface SentInfo {
  messageId: string;
  accepted: string[];
  rejected: string[];
  response: string;
}

export interface MailTransport {
  send(to: string, message: MailMessage): Promise<SentInfo>;
}

export interface SmtpOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  from: string;
  /** Implicit TLS (port 465); otherwise STARTTLS when the server offers it. */
  secure?: boolean;
  /** Loopback test servers only: no STARTTLS. */
  ignoreTls?: boolean;
  timeoutMs?: number;
}

export function smtpTransport(o: SmtpOptions): MailTransport {
  const transporter = nodemailer.createTransport({
    host: o.host,
    port: o.port,
    secure: o.secure ?? o.port === 465,
    ignoreTLS: o.ignoreTls ?? false,
    ...(o.user ? { auth: { user: o.user, pass: o.password } } : {}),
    connectionTimeout: o.timeoutMs ?? 15_000,
    greetingTimeout: o.timeoutMs ?? 15_000,
    socketTimeout: o.timeoutMs ?? 15_000,
  });
  return {
    async send(to, m) {
      const info = await transporter.sendMail({
        from: o.from,
        to,
        subject: m.subject,
        text: m.text,
        html: m.html,
        headers: m.headers,
      });
      return {
        messageId: String(info.messageId),
        accepted: (info.accepted as unknown[]).map(String),
        rejected: (info.rejected as unknown[]).map(String),
        response: String(info.response),
      };
    },
  };
}
