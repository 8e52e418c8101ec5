/**
 * The pages behind the email's unsubscribe link. Opening the link (a GET) must not unsubscribe: mail
 * scanners and link previews fetch every link in a message, so RFC 8058 puts the change behind a POST. The
 * GET page asks and its one button POSTs to the same link; mail clients that support one-click POST
 * directly (List-Unsubscribe-Post). No script, no external resource: the page's own CSP allows nothing but
 * posting its form to this origin.
 */
import type { InsightLocale } from '@clarity/core';
import { escapeHtml } from './mail-template.ts';
import { words } from './notification-text.ts';

/** The Content-Security-Policy of these pages (the API's default forbids every form action). */
export const unsubscribePageCsp =
  "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

function page(locale: InsightLocale, body: string): string {
  const w = words[locale];
  return `<!doctype html>
<html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(w.emailUnsubscribe)}</title></head>
<body>
<main>
<h1>${escapeHtml(w.emailUnsubscribe)}</h1>
${body}
</main>
</body></html>
`;
}

/** The question and its button; `action` is the link itself (path and signed token), posted back as is. */
export function unsubscribeAskPage(locale: InsightLocale, action: string): string {
  const w = words[locale];
  return page(
    locale,
    `<p>${escapeHtml(w.unsubscribeAsk)}</p>
<form method="post" action="${escapeHtml(action)}"><button type="submit">${escapeHtml(w.unsubscribeButton)}</button></form>`,
  );
}

export function unsubscribeDonePage(locale: InsightLocale): string {
  return page(locale, `<p>${escapeHtml(words[locale].unsubscribeDone)}</p>`);
}
