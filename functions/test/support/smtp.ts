/**
 * A real SMTP server on loopback (`smtp-server`, ephemeral port) that parses every message it receives with
 * `mailparser`: what arrives is what a mail provider would get. Plain SMTP on 127.0.0.1 (no STARTTLS), with
 * AUTH allowed there so the sender's user and password are checked too. Optionally refuses the first
 * messages (a 451, as a busy server does), to exercise retries.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface SmtpSink {
  port: number;
  received: { parsed: ParsedMail; raw: string; to: string[]; user: string | null }[];
  /** Answer 451 to this many messages first. */
  refuseNext: number;
  waitFor(n: number, timeoutMs?: number): Promise<SmtpSink['received']>;
  close(): Promise<void>;
}

export async function startSmtpSink(auth?: { user: string; password: string }): Promise<SmtpSink> {
  const waiters: { n: number; resolve: () => void }[] = [];
  const sink: SmtpSink = {
    port: 0,
    received: [],
    refuseNext: 0,
    waitFor: (n, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        if (sink.received.length >= n) return resolve(sink.received);
        const t = setTimeout(
          () => reject(new Error(`SMTP server got ${sink.received.length} of ${n} messages`)),
          timeoutMs,
        );
        waiters.push({ n, resolve: () => (clearTimeout(t), resolve(sink.received)) });
      }),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: !auth,
    logger: false,
    onAuth(a, _session, cb) {
      if (auth && a.username === auth.user && a.password === auth.password) cb(null, { user: a.username });
      else cb(new Error('invalid credentials'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (sink.refuseNext > 0) {
          sink.refuseNext--;
          const err = new Error('try again later') as Error & { responseCode: number };
          err.responseCode = 451;
          cb(err);
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        void simpleParser(raw).then((parsed) => {
          sink.received.push({
            parsed,
            raw,
            to: session.envelope.rcptTo.map((r) => r.address),
            user: (session.user as string | undefined) ?? null,
          });
          for (const w of waiters.splice(0)) {
            if (sink.received.length >= w.n) w.resolve();
            else waiters.push(w);
          }
          cb();
        });
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  sink.port = (server.server.address() as AddressInfo).port;
  return sink;
}
