/**
 * E-mail: the delivery port the outbox dispatcher uses, and the composition of the two mails a
 * requester receives (ticket created, ticket resolved). Plain TypeScript, no framework imports.
 *
 * Every value that comes from a user (name, description, resolution note, and for safety every
 * other field too) is HTML-escaped in the HTML body; the plain-text body carries it as is.
 */
import { dateFormat } from './intl-cache';
import { TEXTS, type MailTexts } from './mail-texts';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/**
 * A delivery that failed. `permanent` failures (unknown mailbox, rejected by policy) are not worth
 * retrying; transient ones (server down, timeout, throttled) are retried by the outbox.
 */
export class MailDeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'MailDeliveryError';
  }
}

export interface MailTransport {
  readonly name: string;
  /** Resolves when the message was accepted for delivery; rejects with a MailDeliveryError. */
  send(msg: MailMessage): Promise<void>;
  close?(): Promise<void>;
}

export interface TicketMailData {
  radicado: string;
  serviceName: string;
  templateName: string;
  requesterName: string;
  description: string;
  createdAt: Date;
  /** 1-based position in the support queue when the mail is composed, if known. */
  queuePosition?: number;
  resolutionNote?: string;
  /** How to reach the service desk besides the bot (phone, extension, hours). */
  contactText: string;
  /** The bot's name as shown in Teams. */
  botName: string;
}

export type MailLocale = 'es' | 'en';

/** Longest description (in characters) copied into a mail; the full text stays in the ticket. */
export const MAIL_DESCRIPTION_MAX = 500;

// ---------------------------------------------------------------------------------------------
// Helpers

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** Escapes and keeps line breaks. */
function htmlLines(value: string): string {
  return escapeHtml(value).replace(/\r\n|\r|\n/g, '<br>');
}

/** Cuts `value` to at most `max` characters (code points), marking the cut with an ellipsis. */
export function truncateText(value: string, max = MAIL_DESCRIPTION_MAX): string {
  const text = value.trim();
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return `${chars.slice(0, max - 1).join('').trimEnd()}…`;
}

/** One line, for a header: no control characters, collapsed whitespace. */
function oneLine(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f\s]+/g, ' ').trim();
}

const MAIL_DAY: Intl.DateTimeFormatOptions = { timeZone: 'America/Bogota', day: 'numeric', month: 'long', year: 'numeric' };
const MAIL_TIME: Intl.DateTimeFormatOptions = { timeZone: 'America/Bogota', hour: 'numeric', minute: '2-digit' };

/** "26 de noviembre de 2026, 10:15 a. m." / "November 26, 2026, 10:15 AM" in America/Bogota. */
export function formatMailDate(date: Date, locale: MailLocale): string {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) return '';
  const intlLocale = TEXTS[locale].intlLocale;
  const day = dateFormat(intlLocale, MAIL_DAY).format(date);
  const time = dateFormat(intlLocale, MAIL_TIME).format(date);
  // ICU uses narrow/no-break spaces ("10:15 a. m."); plain spaces read the same in every client.
  return `${day}, ${time}`.replace(/[\u00a0\u202f]/g, ' ');
}

// ---------------------------------------------------------------------------------------------
// Composition

type Section =
  | { kind: 'paragraph'; text: string }
  | { kind: 'title'; text: string }
  | { kind: 'fields'; rows: Array<[string, string]> }
  | { kind: 'quote'; text: string }
  | { kind: 'command'; before: string; command: string; after?: string };

function summaryFields(data: TicketMailData, t: MailTexts, locale: MailLocale): Array<[string, string]> {
  const rows: Array<[string, string]> = [
    [t.labels.radicado, data.radicado],
    [t.labels.service, data.serviceName],
    [t.labels.template, data.templateName],
    [t.labels.date, formatMailDate(data.createdAt, locale)],
  ];
  if (data.queuePosition !== undefined && Number.isFinite(data.queuePosition) && data.queuePosition > 0) {
    rows.push([t.labels.queuePosition, String(Math.trunc(data.queuePosition))]);
  }
  return rows;
}

function renderText(sections: Section[]): string {
  const out: string[] = [];
  for (const s of sections) {
    switch (s.kind) {
      case 'paragraph':
        out.push(s.text, '');
        break;
      case 'title':
        out.push(s.text, '-'.repeat(Math.min(60, s.text.length)));
        break;
      case 'fields':
        for (const [label, value] of s.rows) out.push(`${label}: ${value}`);
        out.push('');
        break;
      case 'quote':
        for (const line of s.text.split(/\r\n|\r|\n/)) out.push(`  ${line}`);
        out.push('');
        break;
      case 'command':
        out.push(s.before, `    ${s.command}`);
        if (s.after) out.push(s.after);
        out.push('');
        break;
    }
  }
  while (out.length && out[out.length - 1] === '') out.pop();
  return `${out.join('\n')}\n`;
}

const FONT = "font-family:Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;line-height:1.5;color:#242424";

function renderHtml(sections: Section[], lang: MailLocale, title: string): string {
  const body: string[] = [];
  for (const s of sections) {
    switch (s.kind) {
      case 'paragraph':
        body.push(`<p style="margin:0 0 12px 0">${htmlLines(s.text)}</p>`);
        break;
      case 'title':
        body.push(
          `<h2 style="margin:20px 0 8px 0;font-size:16px;color:#464775">${escapeHtml(s.text)}</h2>`,
        );
        break;
      case 'fields':
        body.push(
          '<table role="presentation" cellpadding="0" cellspacing="0" style="border-collapse:collapse;margin:0 0 12px 0">' +
            s.rows
              .map(
                ([label, value]) =>
                  `<tr><td style="padding:2px 16px 2px 0;color:#616161;vertical-align:top;white-space:nowrap">${escapeHtml(label)}</td>` +
                  `<td style="padding:2px 0;vertical-align:top"><strong>${escapeHtml(value)}</strong></td></tr>`,
              )
              .join('') +
            '</table>',
        );
        break;
      case 'quote':
        body.push(
          `<div style="margin:0 0 12px 0;padding:8px 12px;border-left:3px solid #c8c6c4;background:#f5f5f5;white-space:normal">${htmlLines(s.text)}</div>`,
        );
        break;
      case 'command':
        body.push(
          `<p style="margin:0 0 12px 0">${escapeHtml(s.before)}<br>` +
            `<code style="display:inline-block;margin:4px 0;padding:2px 6px;background:#f0f0f0;border-radius:3px;font-family:Consolas,monospace">${escapeHtml(s.command)}</code>` +
            (s.after ? `<br>${escapeHtml(s.after)}` : '') +
            '</p>',
        );
        break;
    }
  }
  return (
    '<!DOCTYPE html>\n' +
    `<html lang="${lang}"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>\n` +
    `<body style="margin:0;padding:16px;background:#ffffff">\n` +
    `<div style="max-width:640px;${FONT}">\n` +
    body.join('\n') +
    '\n</div>\n</body></html>\n'
  );
}

function build(to: string, subject: string, sections: Section[], locale: MailLocale): MailMessage {
  return {
    to: to.trim(),
    subject,
    text: renderText(sections),
    html: renderHtml(sections, locale, subject),
  };
}

function commonTail(data: TicketMailData, t: MailTexts): Section[] {
  const sections: Section[] = [];
  const contact = data.contactText.trim();
  if (contact) {
    sections.push({ kind: 'title', text: t.contactTitle }, { kind: 'paragraph', text: contact });
  }
  sections.push({ kind: 'paragraph', text: t.footer });
  return sections;
}

/** The mail a requester receives when a ticket is registered. */
export function composeTicketCreatedMail(to: string, data: TicketMailData, locale: MailLocale): MailMessage {
  const t = TEXTS[locale] ?? TEXTS.es;
  const loc: MailLocale = TEXTS[locale] ? locale : 'es';
  const radicado = oneLine(data.radicado);
  const sections: Section[] = [
    { kind: 'paragraph', text: t.greeting(oneLine(data.requesterName)) },
    { kind: 'paragraph', text: t.createdIntro(radicado) },
    { kind: 'title', text: t.summaryTitle },
    { kind: 'fields', rows: summaryFields(data, t, loc) },
  ];
  const description = truncateText(data.description);
  if (description) {
    sections.push({ kind: 'paragraph', text: `${t.labels.description}:` }, { kind: 'quote', text: description });
  }
  sections.push(
    { kind: 'title', text: t.nextTitle },
    ...t.nextParagraphs.map((text): Section => ({ kind: 'paragraph', text })),
    { kind: 'title', text: t.followTitle },
    { kind: 'command', before: t.followText(oneLine(data.botName)), command: t.followCommand(radicado) },
    ...commonTail(data, t),
  );
  return build(to, oneLine(t.createdSubject(radicado, oneLine(data.serviceName))), sections, loc);
}

/** The mail a requester receives when a ticket is resolved, with the note and how to reopen it. */
export function composeTicketResolvedMail(to: string, data: TicketMailData, locale: MailLocale): MailMessage {
  const t = TEXTS[locale] ?? TEXTS.es;
  const loc: MailLocale = TEXTS[locale] ? locale : 'es';
  const radicado = oneLine(data.radicado);
  const note = data.resolutionNote?.trim();
  const sections: Section[] = [
    { kind: 'paragraph', text: t.greeting(oneLine(data.requesterName)) },
    { kind: 'paragraph', text: t.resolvedIntro(radicado) },
    { kind: 'title', text: t.resolutionTitle },
    note ? { kind: 'quote', text: truncateText(note, 2000) } : { kind: 'paragraph', text: t.noResolutionNote },
    { kind: 'title', text: t.summaryTitle },
    { kind: 'fields', rows: summaryFields({ ...data, queuePosition: undefined }, t, loc) },
  ];
  const description = truncateText(data.description);
  if (description) {
    sections.push({ kind: 'paragraph', text: `${t.labels.description}:` }, { kind: 'quote', text: description });
  }
  sections.push(
    { kind: 'title', text: t.reopenTitle },
    {
      kind: 'command',
      before: t.reopenText(oneLine(data.botName)),
      command: t.reopenCommand(radicado),
      after: t.reopenButtonText(t.reopenButton),
    },
    { kind: 'paragraph', text: t.nextParagraphs[1] },
    ...commonTail(data, t),
  );
  return build(to, oneLine(t.resolvedSubject(radicado, oneLine(data.serviceName))), sections, loc);
}
