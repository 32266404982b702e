/**
 * Which language a proactive message is written in, from what is stored about its readers. A turn's
 * answer is in the caller's Teams locale (Turn.locale); these are for what the outbox posts.
 */
import type { Ticket } from '../../domain/tickets/model';
import type { Locale } from '../../domain/types';
import { localeOf } from '../../i18n';

/**
 * What is posted in a ticket's channel thread (the queue card, the requester's replies, SLA alerts)
 * is in the ticket's language: the language the case was filed and is being discussed in, which the
 * engineer answers in. Each engineer's own view of the card comes from its Universal Actions refresh,
 * rendered in that engineer's Teams locale.
 */
export function channelLocale(ticket: Pick<Ticket, 'locale'>): Locale {
  return ticket.locale;
}

/**
 * A person's language in their 1:1 chat: the requester's is the ticket's; anyone else's is the locale
 * of their chat's stored conversation reference (their Teams, as of their last message to the bot);
 * Spanish, the institution's language, when nothing is stored.
 */
export function recipientLocale(oid: string, ticket: Pick<Ticket, 'locale' | 'requester'> | undefined, ref: { locale?: string } | null | undefined): Locale {
  if (ticket && ticket.requester.oid === oid) return ticket.locale;
  return localeOf(ref?.locale);
}
