/**
 * A request awaiting approval, who may decide it, and the port that stores them. No framework imports.
 */
import type { CreateOptions, OutboxItem, TicketPatch } from '../ports';
import type { NewEvent, NewTicket, Ticket } from '../tickets/model';
import type { ApprovalPolicy, Person } from './policy';

export type ApprovalDecision = 'approved' | 'rejected' | 'cancelled';

/** Someone who may decide a request: a designated approver, or the delegate of one (`onBehalfOf`). */
export interface Approver extends Person {
  /** 1 for the first approvers; 2 for those asked on escalation. */
  step: number;
  onBehalfOf?: Person;
  /** Where this person's approval card was posted (their personal chat), once it was. */
  card?: { conversationId: string; activityId: string };
}

export interface ApprovalRequest {
  ticketId: number;
  tenantId: string;
  policy: ApprovalPolicy;
  step: number;
  requestedAt: Date;
  remindAt?: Date;
  remindedAt?: Date;
  escalateAt?: Date;
  escalatedAt?: Date;
  decidedAt?: Date;
  decision?: ApprovalDecision;
  decidedBy?: Person;
  onBehalfOf?: Person;
  reason?: string;
  approvers: Approver[];
}

/** What is stored when a request is filed awaiting approval. */
export interface NewApproval {
  policy: ApprovalPolicy;
  remindAt?: Date;
  escalateAt?: Date;
  approvers: Omit<Approver, 'card'>[];
}

export interface ApprovalDecisionRecord {
  decision: ApprovalDecision;
  at: Date;
  by?: Person;
  onBehalfOf?: Person;
  reason?: string;
}

export interface ApprovalRepository {
  /**
   * Files the ticket (TicketRepository.create: idempotent by submission key, hourly limit) and its
   * approval request in one transaction; `effects` receives the ticket as filed.
   */
  file(
    input: NewTicket,
    prefix: string,
    year: number,
    approval: NewApproval,
    events: NewEvent[],
    effects: (ticket: Ticket) => OutboxItem[],
    opts?: CreateOptions,
  ): Promise<{ ticket: Ticket; created: boolean }>;
  get(ticketId: number): Promise<ApprovalRequest | null>;
  /**
   * Applies the decision only if the ticket is still at `expectedVersion` and the request still
   * undecided: the ticket's change, its history, its effects and the decision in one transaction.
   * Null when someone decided (or changed the ticket) first.
   */
  decide(ticketId: number, expectedVersion: number, patch: TicketPatch, decision: ApprovalDecisionRecord, events: NewEvent[], effects: OutboxItem[]): Promise<Ticket | null>;
  /** Undecided requests whose reminder is due (not yet reminded), oldest first. */
  dueReminders(now: Date, limit: number): Promise<ApprovalRequest[]>;
  /** Undecided requests whose escalation is due (not yet escalated), oldest first. */
  dueEscalations(now: Date, limit: number): Promise<ApprovalRequest[]>;
  /** Records the reminder once (false when already recorded), with its history and effects. */
  markReminded(ticketId: number, at: Date, events: NewEvent[], effects: OutboxItem[]): Promise<boolean>;
  /** Records the escalation once (false when already recorded): new approvers, the next step, history and effects. */
  escalate(ticketId: number, at: Date, approvers: Omit<Approver, 'card'>[], remindAt: Date | undefined, events: NewEvent[], effects: OutboxItem[]): Promise<boolean>;
  /** Where an approver's card went, to update it in place later. */
  setCard(ticketId: number, oid: string, conversationId: string, activityId: string): Promise<void>;
  /** Undecided requests this person may decide (as approver or delegate), oldest first. */
  pendingFor(oid: string, tenantId: string, limit: number): Promise<ApprovalRequest[]>;
  /** Approval times of requests decided in [from, to): for the metrics. */
  decidedBetween(from: Date, to: Date): Promise<ApprovalRequest[]>;
}
