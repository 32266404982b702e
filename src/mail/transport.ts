import type { Config } from '../config';
import type { MailTransport } from '../domain/mail';
import type { Logger } from '../logger';
import { createGraphTransport, createMsalAppTokenProvider } from './graph';
import { createLogTransport } from './log-transport';
import { createSmtpTransport } from './smtp';

/** The mail transport MAIL_TRANSPORT names: SMTP, Microsoft Graph, or (none) a log line per message. */
export function createMailTransport(cfg: Config, log: Logger): MailTransport {
  if (cfg.mail.transport === 'smtp') return createSmtpTransport({ url: cfg.mail.smtpUrl!, from: cfg.mail.from! });
  if (cfg.mail.transport === 'graph') {
    const g = cfg.mail.graph!;
    return createGraphTransport({
      from: cfg.mail.from!,
      graphBaseUrl: g.baseUrl,
      tokenProvider: createMsalAppTokenProvider({ tenantId: g.tenantId, clientId: g.clientId, clientSecret: g.clientSecret }),
    });
  }
  return createLogTransport({ info: (obj, msg) => log.info(obj, msg) });
}
