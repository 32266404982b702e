/**
 * SMTP delivery through nodemailer. The URL carries host, port, credentials and any nodemailer
 * option as a query parameter, e.g. `smtps://user:pass@smtp.example.org:465` or
 * `smtp://127.0.0.1:2525?ignoreTLS=true&tls.rejectUnauthorized=false` for a loopback test server.
 */
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { MailDeliveryError, type MailMessage, type MailTransport } from '../domain/mail';

export interface SmtpTransportOptions {
  /** smtp:// or smtps:// URL; query parameters become nodemailer options and win over defaults. */
  url: string;
  /** Sender, e.g. `"Mesa de Ayuda" <mesadeayuda@entidad.gov.co>`. */
  from: string;
  /** Connection and greeting timeout in milliseconds (default 10 s); the socket timeout is 3×. */
  timeoutMs?: number;
}

/** nodemailer error codes that mean the server or the link failed, not this message. */
const CONNECTION_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'EAUTH', 'EPROXY']);
/** nodemailer error codes that are about this message or its envelope. */
const MESSAGE_CODES = new Set(['EENVELOPE', 'EMESSAGE']);

interface NodemailerError {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  message?: string;
}

/**
 * 5xx on the envelope or the data (550 unknown mailbox, 553 bad address, 552 too big) → permanent.
 * Connection refused, timeouts, 4xx (greylisting, throttling) → transient. Authentication or
 * connection-level failures are transient too: they are configuration or outage problems that
 * affect every message, and retrying after they are fixed delivers the queue.
 */
export function classifySmtpError(err: unknown): MailDeliveryError {
  const e = (err ?? {}) as NodemailerError;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const detail = [code, responseCode, e.command].filter((x) => x !== undefined && x !== '').join(' ');
  const message = `SMTP delivery failed${detail ? ` (${detail})` : ''}: ${e.message ?? String(err)}`;

  let permanent = false;
  if (code && CONNECTION_CODES.has(code)) {
    permanent = false;
  } else if (responseCode !== undefined) {
    permanent = responseCode >= 500 && responseCode < 600;
  } else if (code && MESSAGE_CODES.has(code)) {
    // e.g. "No recipients defined", "Invalid recipient": retrying cannot help.
    permanent = true;
  }
  return new MailDeliveryError(message, permanent, err);
}

export function createSmtpTransport(options: SmtpTransportOptions): MailTransport {
  const url = options.url.trim();
  if (!/^smtps?:\/\//i.test(url)) {
    throw new Error('SMTP_URL must start with smtp:// or smtps:// (e.g. smtp://smtp.example.org:587)');
  }
  if (!options.from.trim()) throw new Error('MAIL_FROM is required to send mail over SMTP');
  const timeout = options.timeoutMs ?? 10_000;

  const transportOptions: SMTPTransport.Options = {
    url,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout * 3,
    dnsTimeout: timeout,
    logger: false,
    debug: false,
  };
  const transporter = nodemailer.createTransport(transportOptions);

  return {
    name: 'smtp',
    async send(msg: MailMessage): Promise<void> {
      try {
        await transporter.sendMail({
          from: options.from,
          to: msg.to,
          subject: msg.subject,
          text: msg.text,
          html: msg.html,
          textEncoding: 'quoted-printable',
          headers: { 'Auto-Submitted': 'auto-generated' },
        });
      } catch (err) {
        throw classifySmtpError(err);
      }
    },
    async close(): Promise<void> {
      transporter.close();
    },
  };
}
