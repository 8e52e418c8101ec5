/**
 * The insight email in en, es and de, with a plain-text and an HTML part and a working unsubscribe link
 * (also as List-Unsubscribe headers, RFC 2369 and one-click RFC 8058). Generic text: no health value is in
 * an email either; the insight itself is in the app.
 */
import type { InsightLocale } from '@clarity/core';
import { insightLink, words } from './notification-text.ts';

export interface MailMessage {
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
}

export const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function insightEmail(locale: InsightLocale, insightId: string, unsubscribeUrl: string): MailMessage {
  const w = words[locale];
  const link = insightLink(insightId);
  const text = [
    w.emailGreeting,
    '',
    w.emailBody,
    '',
    `${w.emailOpen}: ${link}`,
    '',
    '--',
    w.emailWhy,
    `${w.emailUnsubscribe}: ${unsubscribeUrl}`,
    '',
  ].join('\n');
  const html = `<!doctype html>
<html lang="${locale}"><head><meta charset="utf-8"><title>${escapeHtml(w.emailSubject)}</title></head>
<body style="font-family:sans-serif;line-height:1.5">
<p>${escapeHtml(w.emailGreeting)}</p>
<p>${escapeHtml(w.emailBody)}</p>
<p><a href="${escapeHtml(link)}">${escapeHtml(w.emailOpen)}</a></p>
<hr>
<p style="font-size:small;color:#555">${escapeHtml(w.emailWhy)}<br>
<a href="${escapeHtml(unsubscribeUrl)}">${escapeHtml(w.emailUnsubscribe)}</a></p>
</body></html>
`;
  return {
    subject: w.emailSubject,
    text,
    html,
    headers: {
      'List-Unsubscribe': `<${unsubscribeUrl}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  };
}
