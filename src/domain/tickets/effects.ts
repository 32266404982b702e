/**
 * What a change of a ticket leaves on record and whom it tells: the history events and the outbox
 * deliveries (notices, the queue card's update, the requester's card, mail, the survey) of one
 * transition or queue move, decided in one place. Pure: the service reads what they need first.
 */
import type { OutboxItem, SupportQueue, UserNotice } from '../ports';
import { channelKey, mailKey, positionsKey, userKey } from '../../outbox/keys';
import type { NewEvent, Ticket, TicketStatus } from './model';
import type { Actor, TicketAction } from './state-machine';

export function notify(oid: string, ticketId: number, notice: UserNotice): OutboxItem {
  return { channel: 'teams', paceKey: userKey(oid), ticketId, payload: { type: 'user_message', userOid: oid, ticketId, notice } };
}

/** The confirmation e-mail of a filed ticket (its radicado), when the requester has an address. */
export function filedMail(ticket: Ticket): OutboxItem[] {
  const to = ticket.requester.email;
  return to ? [{ channel: 'mail', paceKey: mailKey(to), ticketId: ticket.id, payload: { type: 'mail', to, ticketId: ticket.id, template: 'ticket_created' } }] : [];
}

/** Redraw the requester's confirmation card of a ticket in place. */
export function requesterCardUpdate(ticket: Pick<Ticket, 'id' | 'requester'>): OutboxItem {
  return { channel: 'teams', paceKey: userKey(ticket.requester.oid), ticketId: ticket.id, payload: { type: 'requester_card_update', ticketId: ticket.id } };
}

/** The queue card shows the current state: every change schedules its update. */
export function cardUpdate(ticket: Ticket, queueChannel: string | undefined): OutboxItem[] {
  // Also when the card is not posted yet: a post in flight may have rendered the old state, so
  // an update queued behind it (same pace key) re-renders it; with nothing posted it is a no-op.
  if (!queueChannel) return [];
  return [{ channel: 'teams', paceKey: channelKey(queueChannel), ticketId: ticket.id, payload: { type: 'queue_update', ticketId: ticket.id } }];
}

export interface TransitionInput {
  ticket: Ticket;
  action: TicketAction;
  actor: Actor;
  to: TicketStatus;
  extra: { assignee?: { oid: string; name: string }; note?: string; message?: string; /** Resolved with a major incident, whose requester already gets a survey for another ticket. */ noSurvey?: boolean };
  /** The channel of the ticket's queue card (posted, or where it is being posted). */
  queueChannel: string | undefined;
  now: Date;
  /** Mail is on: the resolution is also mailed. */
  mail: boolean;
  /** The satisfaction survey goes out with this resolution. */
  survey: boolean;
}

export function transitionRecord({ ticket, action, actor, to, extra, queueChannel, now, mail, survey }: TransitionInput): { events: NewEvent[]; effects: OutboxItem[] } {
  const by = { oid: actor.oid, name: actor.name };
  const events: NewEvent[] = [];
  const effects: OutboxItem[] = [];
  const isRequester = ticket.requester.oid === actor.oid;

  if (extra.assignee && extra.assignee.oid !== ticket.assignee?.oid) {
    events.push({ at: now, actor: by, kind: 'assigned', data: { to: extra.assignee, from: ticket.assignee } });
    if (extra.assignee.oid !== actor.oid) effects.push(notify(extra.assignee.oid, ticket.id, { kind: 'assigned_to_you', by: actor.name }));
    // A reassignment: the engineer who had it and the requester are told who has it now.
    if (ticket.assignee && ticket.assignee.oid !== actor.oid) {
      effects.push(notify(ticket.assignee.oid, ticket.id, { kind: 'unassigned_from_you', by: actor.name, to: extra.assignee.name }));
    }
    if (ticket.assignee && to === ticket.status && !isRequester) {
      effects.push(notify(ticket.requester.oid, ticket.id, { kind: 'engineer_changed', name: extra.assignee.name }));
    }
  }
  if (extra.message !== undefined) {
    events.push({ at: now, actor: by, kind: 'message', data: { from: isRequester ? 'requester' : 'agent', text: extra.message } });
    if (isRequester) {
      if (queueChannel) effects.push({ channel: 'teams', paceKey: channelKey(queueChannel), ticketId: ticket.id, payload: { type: 'thread_message', ticketId: ticket.id, text: extra.message } });
      if (ticket.assignee) effects.push(notify(ticket.assignee.oid, ticket.id, { kind: 'requester_reply', authorName: actor.name, text: extra.message }));
    } else {
      effects.push(notify(ticket.requester.oid, ticket.id, { kind: 'agent_reply', authorName: actor.name, text: extra.message }));
    }
  }
  if (to !== ticket.status) {
    events.push({ at: now, actor: by, kind: action === 'reopen' ? 'reopened' : action === 'confirm' ? 'confirmed' : 'status_changed', data: { from: ticket.status, to, note: extra.note } });
    if (!isRequester) {
      const assignee = to === 'assigned' ? (extra.assignee ?? ticket.assignee)?.name : undefined;
      effects.push(notify(ticket.requester.oid, ticket.id, { kind: 'status_changed', status: to, by: actor.name, note: extra.note, assignee }));
    }
    // Reopened: the engineer who attended it hears it from us, with the reason.
    if (action === 'reopen' && ticket.assignee && ticket.assignee.oid !== actor.oid) {
      effects.push(notify(ticket.assignee.oid, ticket.id, { kind: 'reopened', by: actor.name, reason: extra.note ?? '' }));
    }
    if (to === 'resolved' && mail && ticket.requester.email) {
      effects.push({ channel: 'mail', paceKey: mailKey(ticket.requester.email), ticketId: ticket.id, payload: { type: 'mail', to: ticket.requester.email, ticketId: ticket.id, template: 'ticket_resolved' } });
    }
    // The satisfaction survey follows the resolution notice (same pace key: in that order).
    if (survey) effects.push(notify(ticket.requester.oid, ticket.id, { kind: 'survey' }));
  }
  effects.push(...cardUpdate(ticket, queueChannel));
  // Entering or leaving the waiting queue moves everyone behind: their cards get updated.
  const movesInQueue = (ticket.status === 'new') !== (to === 'new') && !ticket.imported;
  if (movesInQueue) {
    effects.push({ channel: 'teams', paceKey: positionsKey(ticket.queueCategoryId), ticketId: ticket.id, payload: { type: 'positions_changed', ticketId: ticket.id } });
  } else if (to !== ticket.status || (extra.assignee && extra.assignee.oid !== ticket.assignee?.oid)) {
    // Any other change of state or engineer: the requester's confirmation card shows it too (the
    // positions fan-out above already includes the ticket itself).
    effects.push(requesterCardUpdate(ticket));
  }
  return { events, effects };
}

/**
 * A move to another queue: it waits there unassigned, in its arrival order. Its card is posted in
 * the new channel, the old card says where it went, the requester (and the engineer who had it,
 * when someone else moved it) is told, and both queues' waiting cards move.
 */
export function moveRecord(input: { ticket: Ticket; actor: Actor; now: Date; from: SupportQueue | null; to: SupportQueue; queueCategoryId: string }): { events: NewEvent[]; effects: OutboxItem[] } {
  const { ticket: current, actor, now, from, to, queueCategoryId } = input;
  const by = { oid: actor.oid, name: actor.name };
  const events: NewEvent[] = [
    { at: now, actor: by, kind: 'queue_moved', data: { from: current.queueCategoryId, to: queueCategoryId, fromChannel: current.queueConversationId ?? from?.channelId ?? null, toChannel: to.channelId } },
  ];
  if (current.assignee) events.push({ at: now, actor: by, kind: 'assigned', data: { to: null, from: current.assignee } });
  if (current.status !== 'new') events.push({ at: now, actor: by, kind: 'status_changed', data: { from: current.status, to: 'new', moved: true } });
  const effects: OutboxItem[] = [];
  if (current.queueConversationId && current.queueActivityId) {
    effects.push({
      channel: 'teams',
      paceKey: channelKey(current.queueConversationId),
      ticketId: current.id,
      payload: { type: 'queue_card_moved', ticketId: current.id, conversationId: current.queueConversationId, activityId: current.queueActivityId, toQueue: queueCategoryId, by: actor.name },
    });
  }
  effects.push({ channel: 'teams', paceKey: channelKey(to.channelId), ticketId: current.id, payload: { type: 'queue_post', ticketId: current.id } });
  effects.push(notify(current.requester.oid, current.id, { kind: 'queue_moved', by: actor.name, queue: queueCategoryId }));
  if (current.assignee && current.assignee.oid !== actor.oid) {
    effects.push(notify(current.assignee.oid, current.id, { kind: 'queue_moved', by: actor.name, queue: queueCategoryId, wasYours: true }));
  }
  // Both queues' waiting cards move: the one it left and the one it joined.
  if (!current.imported) {
    effects.push({ channel: 'teams', paceKey: positionsKey(current.queueCategoryId), ticketId: current.id, payload: { type: 'positions_changed', ticketId: current.id, queueCategoryId: current.queueCategoryId } });
    effects.push({ channel: 'teams', paceKey: positionsKey(queueCategoryId), ticketId: current.id, payload: { type: 'positions_changed', ticketId: current.id } });
  }
  return { events, effects };
}
