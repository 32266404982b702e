/** The words of the ticket e-mails, in Spanish (es-CO) and English: subjects, greetings, labels, closings. */
import type { MailLocale } from './mail';

export interface MailTexts {
  intlLocale: string;
  createdSubject(radicado: string, service: string): string;
  resolvedSubject(radicado: string, service: string): string;
  greeting(name: string): string;
  createdIntro(radicado: string): string;
  resolvedIntro(radicado: string): string;
  summaryTitle: string;
  labels: {
    radicado: string;
    service: string;
    template: string;
    date: string;
    queuePosition: string;
    description: string;
  };
  nextTitle: string;
  nextParagraphs: string[];
  followTitle: string;
  followText(botName: string): string;
  followCommand(radicado: string): string;
  resolutionTitle: string;
  noResolutionNote: string;
  reopenTitle: string;
  reopenText(botName: string): string;
  reopenCommand(radicado: string): string;
  reopenButtonText(button: string): string;
  reopenButton: string;
  contactTitle: string;
  footer: string;
}

export const TEXTS: Record<MailLocale, MailTexts> = {
  es: {
    intlLocale: 'es-CO',
    createdSubject: (r, s) => `Radicado ${r} – ${s}`,
    resolvedSubject: (r, s) => `Radicado ${r} resuelto – ${s}`,
    greeting: (n) => (n ? `Hola, ${n}:` : 'Hola:'),
    createdIntro: (r) =>
      `Registramos su solicitud en la Mesa de Ayuda. Su número de radicado es ${r}.`,
    resolvedIntro: (r) => `Su solicitud con número de radicado ${r} fue resuelta.`,
    summaryTitle: 'Resumen de la solicitud',
    labels: {
      radicado: 'Radicado',
      service: 'Servicio',
      template: 'Plantilla',
      date: 'Fecha de registro',
      queuePosition: 'Posición en la cola',
      description: 'Descripción',
    },
    nextTitle: 'Qué sigue',
    nextParagraphs: [
      'Los casos se atienden en orden de llegada, por teléfono o por chat de Teams.',
      'Conserve este número de radicado para cualquier contacto con la Mesa de Ayuda: sin radicado no se presta soporte de primer nivel.',
    ],
    followTitle: 'Seguimiento en Teams',
    followText: (b) => `Para consultar el estado de su caso, escríbale al bot ${b} en Teams:`,
    followCommand: (r) => `estado del radicado ${r}`,
    resolutionTitle: 'Solución',
    noResolutionNote: 'El caso se cerró sin una nota de solución.',
    reopenTitle: '¿El problema continúa?',
    reopenText: (b) => `Puede reabrir el caso desde Teams. Escríbale al bot ${b}:`,
    reopenCommand: (r) => `estado del radicado ${r}`,
    reopenButtonText: (btn) => `y luego pulse «${btn}».`,
    reopenButton: 'Reabrir',
    contactTitle: 'Contacto',
    footer: 'Este es un mensaje automático de la Mesa de Ayuda; por favor no responda a este correo.',
  },
  en: {
    intlLocale: 'en-US',
    createdSubject: (r, s) => `Ticket ${r} – ${s}`,
    resolvedSubject: (r, s) => `Ticket ${r} resolved – ${s}`,
    greeting: (n) => (n ? `Hello ${n},` : 'Hello,'),
    createdIntro: (r) =>
      `We registered your request with the Service Desk. Your ticket number (radicado) is ${r}.`,
    resolvedIntro: (r) => `Your request with ticket number (radicado) ${r} has been resolved.`,
    summaryTitle: 'Request summary',
    labels: {
      radicado: 'Ticket (radicado)',
      service: 'Service',
      template: 'Template',
      date: 'Registered on',
      queuePosition: 'Position in queue',
      description: 'Description',
    },
    nextTitle: 'What happens next',
    nextParagraphs: [
      'Cases are attended in order of arrival, by phone or by Teams chat.',
      'Keep this ticket number for any contact with the Service Desk: no first-level support is given without a radicado.',
    ],
    followTitle: 'Follow up in Teams',
    followText: (b) => `To check the status of your case, write to the ${b} bot in Teams:`,
    followCommand: (r) => `status of radicado ${r}`,
    resolutionTitle: 'Resolution',
    noResolutionNote: 'The case was closed without a resolution note.',
    reopenTitle: 'Still having the problem?',
    reopenText: (b) => `You can reopen the case from Teams. Write to the ${b} bot:`,
    reopenCommand: (r) => `status of radicado ${r}`,
    reopenButtonText: (btn) => `and then press "${btn}".`,
    reopenButton: 'Reopen',
    contactTitle: 'Contact',
    footer: 'This is an automated message from the Service Desk; please do not reply to this e-mail.',
  },
};
