/**
 * The words of push notifications and emails, in the insight locales (en, es, de). Push text is generic by
 * default ("Your weekly insight is ready"): a lock screen is public, so a health value appears only when the
 * user opted in (`pushHealthValues`), and then only the week's mean sleep.
 */
import type { InsightLocale } from '@clarity/core';

interface Words {
  pushTitle: string;
  pushBody: string;
  /** With the user's opt-in: `{hours}` h `{minutes}` min of mean sleep. */
  pushSleep: string;
  emailSubject: string;
  emailGreeting: string;
  emailBody: string;
  emailOpen: string;
  emailWhy: string;
  emailUnsubscribe: string;
  /** The page the email's unsubscribe link opens: it asks, and only its button (a POST) unsubscribes. */
  unsubscribeAsk: string;
  unsubscribeButton: string;
  unsubscribeDone: string;
}

export const words: Record<InsightLocale, Words> = {
  en: {
    pushTitle: 'Clarity',
    pushBody: 'Your weekly sleep insight is ready',
    pushSleep: 'Mean sleep {hours} h {minutes} min',
    emailSubject: 'Your weekly sleep insight is ready',
    emailGreeting: 'Hello,',
    emailBody: 'your new weekly insight on sleep and daily rhythm is ready in the Clarity app.',
    emailOpen: 'Open it in the app',
    emailWhy: 'You receive this email because you turned on email notifications in Clarity.',
    emailUnsubscribe: 'Unsubscribe from these emails',
    unsubscribeAsk: 'Stop the insight emails from Clarity? Push notifications and the app are not affected.',
    unsubscribeButton: 'Unsubscribe',
    unsubscribeDone: 'You will no longer receive insight emails. You can turn them on again in the app.',
  },
  es: {
    pushTitle: 'Clarity',
    pushBody: 'Tu análisis semanal de sueño está listo',
    pushSleep: 'Sueño medio {hours} h {minutes} min',
    emailSubject: 'Tu análisis semanal de sueño está listo',
    emailGreeting: 'Hola:',
    emailBody: 'tu nuevo análisis semanal de sueño y ritmo diario ya está disponible en la app Clarity.',
    emailOpen: 'Ábrelo en la app',
    emailWhy: 'Recibes este correo porque activaste las notificaciones por correo en Clarity.',
    emailUnsubscribe: 'Darse de baja de estos correos',
    unsubscribeAsk:
      '¿Dejar de recibir los correos de análisis de Clarity? Las notificaciones push y la app no cambian.',
    unsubscribeButton: 'Darse de baja',
    unsubscribeDone: 'Ya no recibirás correos de análisis. Puedes volver a activarlos en la app.',
  },
  de: {
    pushTitle: 'Clarity',
    pushBody: 'Deine wöchentliche Schlafauswertung ist da',
    pushSleep: 'Schlaf im Mittel {hours} h {minutes} min',
    emailSubject: 'Deine wöchentliche Schlafauswertung ist da',
    emailGreeting: 'Hallo,',
    emailBody:
      'deine neue wöchentliche Auswertung zu Schlaf und Tagesrhythmus ist in der Clarity-App bereit.',
    emailOpen: 'In der App öffnen',
    emailWhy: 'Du erhältst diese E-Mail, weil du E-Mail-Benachrichtigungen in Clarity eingeschaltet hast.',
    emailUnsubscribe: 'Diese E-Mails abbestellen',
    unsubscribeAsk:
      'Keine Auswertungs-E-Mails von Clarity mehr erhalten? Push-Benachrichtigungen und die App bleiben, wie sie sind.',
    unsubscribeButton: 'Abbestellen',
    unsubscribeDone:
      'Du erhältst keine Auswertungs-E-Mails mehr. Du kannst sie in der App wieder einschalten.',
  },
};

/** The app's deep link to one insight (in the push data payload and the email). */
export function insightLink(insightId: string): string {
  return `clarity://insights/${encodeURIComponent(insightId)}`;
}
