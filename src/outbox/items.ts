/**
 * What the outbox delivers: one item per outbound effect, written in the same transaction as the
 * change that caused it. Plain data, so the domain says what to send without knowing how Teams or
 * mail carry it; rendering happens at delivery time, in the recipient's language.
 */
import type { TicketStatus } from '../domain/tickets/model';
import type { SlaTarget } from '../domain/sla/ticket-sla';

/** One outbound effect, written in the same transaction as the change that caused it. */
export interface OutboxItem {
  channel: 'teams' | 'mail';
  /** Deliveries with the same key are paced together and kept in order (a conversation, a mailbox). */
  paceKey: string;
  payload: OutboxPayload;
  ticketId?: number;
}

export type OutboxPayload =
  /** Post the ticket's card to its support queue channel, starting a thread. */
  | { type: 'queue_post'; ticketId: number }
  /** Re-render the ticket's queue card in place with its current state. */
  | { type: 'queue_update'; ticketId: number }
  /**
   * The ticket moved to another queue: its card in the old channel (ids kept here, the ticket now
   * points at the new one) shows where it went, without buttons.
   */
  | { type: 'queue_card_moved'; ticketId: number; conversationId: string; activityId: string; toQueue: string; by: string }
  /** A message in the ticket's queue thread. */
  | { type: 'thread_message'; ticketId: number; text: string }
  /** A notice from the bot in the ticket's queue thread (SLA alerts), mentioning some team members. */
  | { type: 'thread_notice'; ticketId: number; notice: UserNotice; mentions: { userId: string; name: string }[] }
  /** A proactive 1:1 message to a user, as text and/or a card rendered at delivery time. */
  | { type: 'user_message'; userOid: string; ticketId?: number; notice: UserNotice }
  | { type: 'mail'; to: string; ticketId: number; template: 'ticket_created' | 'ticket_resolved' }
  /** A ticket entered or left the waiting queue: refresh the requesters' cards behind it (fan-out). */
  | { type: 'positions_changed'; ticketId: number; /** The queue whose cards move (default: the ticket's own now). */ queueCategoryId?: string }
  /** Re-render the requester's confirmation card of a ticket in place (current status and position). */
  | { type: 'requester_card_update'; ticketId: number }
  /** A Teams file-consent card offering a ticket's attachment to a user in their personal chat. */
  | { type: 'file_consent'; userOid: string; attachmentId: number; ticketId: number }
  /**
   * A major incident's announcement with "Esto me afecta": to a channel ("Novedades TI") or to a
   * person's personal chat. Not delivered once the incident is resolved.
   */
  | { type: 'incident_announcement'; masterId: number; conversationId?: string; userOid?: string }
  /** A request's approval card, to one approver's personal chat (`reminder`: the reminder's copy). */
  | { type: 'approval_card'; ticketId: number; approverOid: string; reminder?: boolean }
  /** Redraw every posted approval card of a ticket with its current state (decided: no buttons). */
  | { type: 'approval_cards_update'; ticketId: number }
  /**
   * A direct reply of a turn that the connector refused (429/5xx) for longer than the turn could
   * wait: sent later, once, in order with what follows in that conversation. Opaque to the domain.
   */
  | { type: 'turn_reply'; reference: unknown; activity: unknown };

export type UserNotice =
  | { kind: 'agent_reply'; authorName: string; text: string }
  | { kind: 'requester_reply'; authorName: string; text: string }
  | { kind: 'status_changed'; status: TicketStatus; by?: string; note?: string; /** Who attends it now (on assignment). */ assignee?: string }
  | { kind: 'assigned_to_you'; by?: string }
  /** To the requester: another engineer attends the case now. */
  | { kind: 'engineer_changed'; name: string }
  /** To the previous engineer: a supervisor gave the case to someone else. */
  | { kind: 'unassigned_from_you'; by?: string; to: string }
  /** To the requester and the engineer who had it: the case moved to another support queue. */
  | { kind: 'queue_moved'; by: string; /** The category whose queue has it now (GENERAL_QUEUE: the general one). */ queue: string; wasYours?: boolean }
  /** To the engineer: the case was reopened, and why. */
  | { kind: 'reopened'; by: string; reason: string }
  /** The SLA target is near (warning percent of its working time used). dueAt: ISO instant. */
  | { kind: 'sla_warning'; target: SlaTarget; dueAt: string }
  /** The SLA target was missed: escalation to the supervisors. */
  | { kind: 'sla_breached'; target: SlaTarget; dueAt: string }
  /** The satisfaction survey card, to the requester of a resolved ticket. */
  | { kind: 'survey' }
  /** A low satisfaction score, to the supervisors. */
  | { kind: 'low_score'; score: number; comment?: string }
  /** To the requester: the request was approved (it is in the support queue now). */
  | { kind: 'approved'; by: string; onBehalfOf?: string }
  /** To the requester: the request was rejected, with the reason (the case is closed). */
  | { kind: 'rejected'; by: string; onBehalfOf?: string; reason: string }
  /** To the requester: nobody decided in time, so more approvers were asked. */
  | { kind: 'approval_escalated'; to: string }
  /** To the requester: the case is linked to a major incident (known outage) and will get its updates. */
  | { kind: 'incident_linked'; title: string }
  /** To a linked requester: the major incident's update number `seq`. */
  | { kind: 'incident_update'; title: string; text: string; seq: number };

export interface OutboxRecord extends OutboxItem {
  id: number;
  attempts: number;
  createdAt: Date;
}

