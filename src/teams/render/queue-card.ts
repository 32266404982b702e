/** The ticket's card in its support queue channel: one builder for the posted card and every engineer's view of it. */
import type { Clock, QueueRepository, TeamMemberRepository } from '../../domain/ports';
import type { Ticket } from '../../domain/tickets/model';
import type { Locale } from '../../domain/types';
import type { AdaptiveCardJson, CardRenderer } from '../cards';
import type { TicketViews } from '../views';

export interface QueueCardDeps {
  cards: CardRenderer;
  views: TicketViews;
  queues: QueueRepository;
  members: TeamMemberRepository;
  clock: Clock;
}

export interface QueueCardOptions {
  /**
   * The person the card is drawn for (a refresh or an action), who sees only the actions they may
   * take; without one (the card posted to the channel), every staff action of the moment is shown.
   */
  viewer?: { oid: string; supervisor: boolean; staff: boolean };
  /** An error or refusal shown on the card, and what was typed (kept in its inputs). */
  notice?: string;
  typed?: { message?: string; resolutionNote?: string };
  /** Nobody's view refreshes (the card left behind in a queue the ticket moved out of). */
  noRefresh?: boolean;
}

/** The engineers of the team whose queue serves this ticket's category (roster read at registration). */
export async function queueEngineers(d: Pick<QueueCardDeps, 'queues' | 'members'>, ticket: Ticket) {
  const queue = await d.queues.forCategory(ticket.queueCategoryId);
  return queue ? d.members.list(queue.teamId) : [];
}

export async function queueCard(d: QueueCardDeps, ticket: Ticket, locale: Locale, opts: QueueCardOptions = {}): Promise<AdaptiveCardJson> {
  // The assignee first: automatic refresh reaches at most 60 people.
  const members = [...(await queueEngineers(d, ticket))].sort((a, b) => Number(b.oid === ticket.assignee?.oid) - Number(a.oid === ticket.assignee?.oid));
  const v = opts.viewer;
  const view = await d.views.queue(ticket, locale, d.clock.now(), {
    staffView: v ? v.staff : true,
    refreshUserIds: opts.noRefresh ? [] : members.map((m) => m.userId),
    engineers: members.map((m) => ({ oid: m.oid, name: m.name })),
    viewer: v && { oid: v.oid, supervisor: v.supervisor },
  });
  return d.cards.render('queue-ticket', { ...view, notice: opts.notice ?? '', typedMessage: opts.typed?.message ?? '', typedNote: opts.typed?.resolutionNote ?? '' });
}
