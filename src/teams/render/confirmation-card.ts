/** The requester's confirmation card (radicado, position, estimate), shown on filing and redrawn by the outbox. */
import type { Ticket } from '../../domain/tickets/model';
import type { Locale } from '../../domain/types';
import type { AdaptiveCardJson, CardRenderer } from '../cards';
import type { TicketViews } from '../views';

/** `refreshUserId`: the requester's Teams id, for the card's Universal Actions refresh while the ticket is open. */
export async function confirmationCard(d: { cards: CardRenderer; views: TicketViews }, ticket: Ticket, locale: Locale, refreshUserId?: string): Promise<AdaptiveCardJson> {
  return d.cards.render('ticket-created', await d.views.created(ticket, locale, { refreshUserIds: refreshUserId ? [refreshUserId] : [] }));
}
