/** The outbox's e-mail deliveries: the requester's "ticket created" and "ticket resolved" mails, in the ticket's language. */
import { composeTicketCreatedMail, composeTicketResolvedMail, type MailTransport } from '../domain/mail';
import type { TicketRepository } from '../domain/ports';
import type { Ticket } from '../domain/tickets/model';
import type { Locale } from '../domain/types';
import { messages } from '../i18n';
import type { OutboxPayload } from '../outbox/items';
import { DeliveryError } from '../outbox/retries';

export interface TicketMailDeps {
  transport: MailTransport;
  tickets: Pick<TicketRepository, 'get'>;
  /** The service's and template's names in a language (catalog). */
  names: (ticket: Ticket, locale: Locale) => { service: string; template: string };
  contactText: (locale: Locale) => string;
}

export async function sendTicketMail(d: TicketMailDeps, p: Extract<OutboxPayload, { type: 'mail' }>): Promise<void> {
  const ticket = await d.tickets.get(p.ticketId);
  if (!ticket) throw new DeliveryError(`ticket ${p.ticketId} does not exist`, true);
  const names = d.names(ticket, ticket.locale);
  const data = {
    radicado: ticket.radicado,
    serviceName: names.service,
    templateName: names.template,
    requesterName: ticket.requester.name,
    description: ticket.description,
    createdAt: ticket.createdAt,
    resolutionNote: ticket.resolutionNote,
    contactText: d.contactText(ticket.locale),
    botName: messages(ticket.locale).botName,
  };
  const msg = p.template === 'ticket_created' ? composeTicketCreatedMail(p.to, data, ticket.locale) : composeTicketResolvedMail(p.to, data, ticket.locale);
  await d.transport.send(msg);
}
