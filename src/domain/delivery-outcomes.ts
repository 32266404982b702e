/**
 * What a delivery's outcome means for the ticket, decided by the domain and called back by the
 * outbox dispatcher: a final failure is written on the ticket's history and shown on its queue card
 * (and an engineer's notice is repeated in the queue thread); a message that reaches the person a
 * card warned about clears the warning; a ticket that entered or left the waiting queue fans out into
 * updates of the requesters' cards behind it. No framework imports.
 */
import { channelKey, userKey } from '../outbox/keys';
import type { OutboxItem, OutboxRecord, UserNotice } from '../outbox/items';
import { DeliveryError } from '../outbox/retries';
import { causeOf, clearedBy, encodeWarning, type DeliveryWarning } from './delivery-warning';
import type { Clock, QueueRepository, RequesterCardRepository, TeamMemberRepository, TicketRepository } from './ports';
import { POSITION_UPDATE_LIMIT, queueScope } from './queue/position';
import type { Ticket } from './tickets/model';

/** Engineers' notices that, when their chat cannot be reached, are repeated in the ticket's queue thread. */
const REPEATED_IN_THREAD: ReadonlySet<UserNotice['kind']> = new Set(['sla_warning', 'sla_breached', 'requester_reply', 'assigned_to_you', 'reopened', 'unassigned_from_you', 'low_score']);

/** Alerts to staff (SLA, low score) are not messages about the case: a failure is logged, not shown on the card. */
const STAFF_ALERTS: ReadonlySet<UserNotice['kind']> = new Set(['sla_warning', 'sla_breached', 'low_score']);

/** Deliveries whose failure says nothing to the engineers (card redraws, fan-outs, thread alerts). */
const SILENT_FAILURES: ReadonlySet<string> = new Set(['queue_update', 'queue_post', 'positions_changed', 'requester_card_update', 'thread_notice']);

export interface DeliveryOutcomeDeps {
  clock: Clock;
  tickets: TicketRepository;
  queues: QueueRepository;
  members: TeamMemberRepository;
  requesterCards: RequesterCardRepository;
}

export class DeliveryOutcomes {
  constructor(private readonly d: DeliveryOutcomeDeps) {}

  /**
   * The items a fan-out stands for, read now (so tickets filed meanwhile count); null for an item
   * that is sent as it is. A ticket that entered or left the waiting queue: its requester and those
   * behind it (the first POSITION_UPDATE_LIMIT) with a confirmation card get it redrawn.
   */
  async fanOut(rec: OutboxRecord): Promise<OutboxItem[] | null> {
    if (rec.payload.type !== 'positions_changed') return null;
    const moved = await this.d.tickets.get(rec.payload.ticketId);
    if (!moved) throw new DeliveryError(`ticket ${rec.payload.ticketId} does not exist`, true);
    const scope = queueScope(rec.payload.queueCategoryId ?? moved.queueCategoryId, await this.d.queues.list());
    const all = [moved, ...(await this.d.tickets.waitingAfter(moved.id, scope, POSITION_UPDATE_LIMIT))];
    const withCards = new Set(await this.d.requesterCards.withCards(all.map((t) => t.id)));
    return all
      .filter((t) => withCards.has(t.id))
      .map((t) => ({ channel: 'teams' as const, paceKey: userKey(t.requester.oid), ticketId: t.id, payload: { type: 'requester_card_update' as const, ticketId: t.id } }));
  }

  /** A message reached someone: if the ticket's card warned that they could not be reached, the warning goes. */
  async delivered(rec: OutboxRecord): Promise<void> {
    const p = rec.payload;
    if (p.type === 'mail') return this.clearWarning(p.ticketId, { mail: true });
    if (p.type === 'user_message' && p.ticketId && p.notice.kind !== 'survey') return this.clearWarning(p.ticketId, { oid: p.userOid });
  }

  /** A final failure is written on the ticket and shown to the engineers on its card. */
  async failedForGood(rec: OutboxRecord, reason: string): Promise<void> {
    const p = rec.payload;
    if (!rec.ticketId || SILENT_FAILURES.has(p.type)) return;
    if (p.type === 'user_message' && STAFF_ALERTS.has(p.notice.kind)) return;
    const ticket = await this.d.tickets.get(rec.ticketId);
    if (!ticket) return;
    const effects: OutboxItem[] = this.cardUpdate(ticket);
    // Who could not be reached, and why (shown in each reader's language on the queue card).
    let warning: DeliveryWarning;
    if (p.type === 'mail') warning = { to: 'mail', name: p.to, cause: 'other' };
    else if (p.type === 'user_message' && p.userOid !== ticket.requester.oid) {
      const member = await this.engineer(ticket, p.userOid);
      warning = { to: 'engineer', name: member?.name ?? ticket.assignee?.name ?? '', oid: p.userOid, cause: causeOf(reason) };
      // Reach the engineer anyway: the same notice in the ticket's queue thread, @mentioning them.
      if (member && ticket.queueConversationId && ticket.queueActivityId && REPEATED_IN_THREAD.has(p.notice.kind)) {
        effects.push({
          channel: 'teams',
          paceKey: channelKey(ticket.queueConversationId),
          ticketId: ticket.id,
          payload: { type: 'thread_notice', ticketId: ticket.id, notice: p.notice, mentions: [{ userId: member.userId, name: member.name }] },
        });
        warning.mentionedInThread = true;
      }
    } else {
      warning = { to: 'requester', name: ticket.requester.name, oid: ticket.requester.oid, cause: causeOf(reason) };
    }
    const now = this.d.clock.now();
    const kind = p.type === 'mail' ? 'mail_failed' : 'delivery_failed';
    for (let i = 0; i < 3; i++) {
      const fresh = (await this.d.tickets.get(rec.ticketId))!;
      const ok = await this.d.tickets.update(fresh.id, fresh.version, { updatedAt: fresh.updatedAt, mailError: encodeWarning(warning) }, [{ at: now, kind, data: { reason, type: p.type } }], effects);
      if (ok) return;
    }
  }

  private cardUpdate(ticket: Ticket): OutboxItem[] {
    return ticket.queueConversationId
      ? [{ channel: 'teams', paceKey: channelKey(ticket.queueConversationId), ticketId: ticket.id, payload: { type: 'queue_update', ticketId: ticket.id } }]
      : [];
  }

  /** An engineer of the ticket's queue team (for a mention), by object id. */
  private async engineer(ticket: Ticket, oid: string) {
    const queue = await this.d.queues.forCategory(ticket.queueCategoryId);
    return queue ? (await this.d.members.list(queue.teamId)).find((m) => m.oid === oid) : undefined;
  }

  private async clearWarning(ticketId: number, delivered: { oid?: string; mail?: boolean }) {
    for (let i = 0; i < 3; i++) {
      const fresh = await this.d.tickets.get(ticketId);
      if (!fresh || !clearedBy(fresh.mailError, delivered)) return;
      if (await this.d.tickets.update(fresh.id, fresh.version, { updatedAt: fresh.updatedAt, mailError: null }, [], this.cardUpdate(fresh))) return;
    }
  }
}
