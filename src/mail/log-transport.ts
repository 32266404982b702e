/**
 * MAIL_TRANSPORT=none: nothing is sent; each mail is logged by recipient domain and subject only.
 * The body is never logged — it carries personal data (names, descriptions of the problem).
 */
import type { MailMessage, MailTransport } from '../domain/mail';

export interface MailLog {
  info: (obj: object, msg: string) => void;
}

export function recipientDomain(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 0) return '(invalid)';
  return address.slice(at + 1).trim().replace(/[>\s].*$/, '').toLowerCase() || '(invalid)';
}

export function createLogTransport(log: MailLog): MailTransport {
  return {
    name: 'none',
    async send(msg: MailMessage): Promise<void> {
      log.info({ toDomain: recipientDomain(msg.to), subject: msg.subject }, 'mail not sent (MAIL_TRANSPORT=none)');
    },
  };
}
