/**
 * The domain's ports: storage, delivery and time. Adapters (SQLite today, PostgreSQL later)
 * implement them; the domain never imports an adapter.
 */
import type { NewEvent, NewTicket, Ticket, TicketEvent, TicketStatus, TicketSummary } from './tickets/model';
import type { QueueScope } from './queue/position';
import type { Priority, Role } from './types';

export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };

/** The outbox's item types (src/outbox/items.ts), re-exported for the ports that store them. */
export type { OutboxItem, OutboxPayload, OutboxRecord, UserNotice } from '../outbox/items';
import type { OutboxItem, OutboxRecord } from '../outbox/items';

/**
 * Narrows the open list (the tab's queue filters). `sla` is judged at `now` exactly as
 * `slaState()` judges one ticket (domain/sla/ticket-sla.ts); `createdBefore`: at least that old.
 */
export interface OpenFilter {
  statuses?: TicketStatus[];
  priorities?: Priority[];
  assignee?: { oid: string } | 'none';
  createdBefore?: Date;
  sla?: { state: 'ok' | 'warning' | 'breached' | 'paused' | 'none'; now: Date };
}

export interface ListOptions {
  limit: number;
  offset?: number;
}

export interface CreateOptions {
  /**
   * Per-requester limit of tickets created in the hour before `createdAt`, checked in the same
   * transaction as the insert; over it, create throws RateLimitedError and writes nothing.
   */
  maxPerHour?: number;
}

/** How many open tickets a queue view counts before it says "more than". */
export const OPEN_COUNT_CAP = 1000;

export interface TicketRepository {
  /**
   * Allocates the next radicado and inserts the ticket, its 'created' event and effects in one
   * transaction. Idempotent by submissionKey: a repeated submission returns the first ticket.
   * With `limit`, throws RateLimitedError when the requester already filed `max` tickets since
   * `since` — checked inside the transaction, so concurrent submissions (even on several instances)
   * cannot overshoot it.
   */
  create(
    input: NewTicket,
    prefix: string,
    year: number,
    effects: (ticket: Ticket) => OutboxItem[],
    opts?: CreateOptions,
  ): Promise<{ ticket: Ticket; created: boolean }>;
  get(id: number): Promise<Ticket | null>;
  findBySubmission(submissionKey: string): Promise<Ticket | null>;
  /** The ticket whose queue card is the root of this channel thread. */
  findByQueueActivity(activityId: string): Promise<Ticket | null>;
  getByRadicado(radicado: string): Promise<Ticket | null>;
  /**
   * Applies a change only if the ticket is still at `expectedVersion` (optimistic concurrency);
   * returns null when someone else changed it first.
   */
  update(
    id: number,
    expectedVersion: number,
    patch: TicketPatch,
    events: NewEvent[],
    effects: OutboxItem[],
    /** Claims this idempotency key (ticket_additions) in the same transaction; null if already claimed. */
    claimKey?: string,
  ): Promise<Ticket | null>;
  /** The ticket a claimed idempotency key (an "add to radicado" submission) went to. */
  findAddition(key: string): Promise<number | null>;
  /** Appends history and effects without changing the ticket's fields. */
  append(id: number, events: NewEvent[], effects: OutboxItem[]): Promise<void>;
  setQueueMessage(id: number, conversationId: string, activityId: string): Promise<void>;
  listByRequester(oid: string, opts: ListOptions): Promise<{ items: Ticket[]; total: number }>;
  /** The requester's open tickets, newest first, at most `limit` (read along the requester index, no count). */
  listOpenByRequester(oid: string, limit: number): Promise<Ticket[]>;
  /**
   * Open tickets of one tenant, oldest first, optionally of some categories. `total` counts at most
   * OPEN_COUNT_CAP of them (`totalCapped` then says there are more): counting every open ticket of a
   * large backlog on each view costs more than the page itself.
   */
  listOpen(opts: ListOptions & { tenantId: string; categoryIds?: string[] | null; filter?: OpenFilter }): Promise<{ items: TicketSummary[]; total: number; totalCapped: boolean }>;
  /**
   * 1-based position among unassigned waiting tickets (new, not imported) of the same queue scope
   * (all waiting tickets without a scope), or null when not waiting.
   */
  queuePosition(ticket: Ticket, scope?: QueueScope): Promise<number | null>;
  /** The first `limit` waiting tickets of the scope that arrived after `ticketId`, in order. */
  waitingAfter(ticketId: number, scope: QueueScope, limit: number): Promise<Ticket[]>;
  /** When the most recent tickets of the scope were first taken or assigned, newest first. */
  recentTakes(scope: QueueScope, limit: number): Promise<Date[]>;
  /** The oldest waiting ticket ('new', not imported) of these categories (null = all). */
  oldestUnassigned(tenantId: string, categoryIds: string[] | null): Promise<Ticket | null>;
  events(ticketId: number, opts?: { kinds?: string[]; limit?: number }): Promise<TicketEvent[]>;
  countCreatedSince(requesterOid: string, since: Date): Promise<number>;
  resolvedBefore(before: Date, limit: number): Promise<Ticket[]>;
}

export interface TicketPatch {
  status?: TicketStatus;
  assignee?: { oid: string; name: string } | null;
  resolutionNote?: string | null;
  updatedAt: Date;
  firstResponseAt?: Date;
  resolvedAt?: Date | null;
  closedAt?: Date | null;
  /** The delivery warning shown on the queue card (domain/delivery-warning.ts); null clears it. */
  mailError?: string | null;
  /** Moved to the queue of this category (GENERAL_QUEUE: the general one); its card is posted anew. */
  queueCategoryId?: string;
  /** SLA clock changes (pause, resume with shifted due times). */
  sla?: SlaPatch;
  /** Starts the SLA clock now (a request approved after filing): targets and due times. */
  slaStart?: import('./tickets/model').SlaStart;
  /** Enters the support queue now: takes the next place in its FIFO order. */
  enterQueue?: boolean;
  /** Linked to the major incident of this master ticket; null unlinks it (a reopened child). */
  majorIncidentId?: number | null;
}

export interface SlaPatch {
  pausedAt?: Date | null;
  pausedMinutes?: number;
  firstResponseDueAt?: Date;
  firstResponseWarnAt?: Date;
  resolutionDueAt?: Date;
  resolutionWarnAt?: Date;
}

export interface OutboxRepository {
  enqueue(items: OutboxItem[]): Promise<void>;
  /**
   * How many items this process has written to the outbox so far, through any repository (it only
   * grows): the dispatcher is woken after a turn that moved it, instead of after every turn.
   */
  writes(): number;
  /**
   * Claims due items, oldest first, at most one per pace key in flight. A claimed item is leased to
   * this caller: it is not returned again (to this or another instance) until it is marked, released,
   * or its lease expires (the instance died mid-delivery).
   */
  due(now: Date, limit: number): Promise<OutboxRecord[]>;
  /** Gives back claimed items that will not be attempted now (e.g. their conversation is being paced). */
  release(ids: number[]): Promise<void>;
  /** How long a claim lasts unless renewed (the dispatcher's heartbeat renews well within it). */
  readonly leaseMs: number;
  /**
   * Extends to `now` + leaseMs the leases of those items this caller still holds (claimed by it,
   * still pending, not marked or released since); other ids are left alone. Called while their
   * deliveries run, so that a live holder keeps its claims however long a delivery takes.
   */
  renew(ids: number[], now: Date): Promise<void>;
  markSent(id: number, at: Date): Promise<void>;
  markRetry(id: number, nextAttemptAt: Date, error: string): Promise<void>;
  markFailed(id: number, error: string, at: Date): Promise<void>;
  /** Whether a deferred direct reply (`turn_reply`) is still waiting for this pace key. */
  hasPendingReply(paceKey: string): Promise<boolean>;
  pendingCount(): Promise<number>;
  /** For /healthz: what is waiting, since when, and what failed for good. */
  backlog(): Promise<OutboxBacklog>;
  /**
   * Enqueues each item unless an identical one (same pace key, ticket and payload) is still pending
   * and not among `inFlight`: coalesces repeated card updates of one ticket.
   */
  enqueueCoalesced(items: OutboxItem[], inFlight: number[]): Promise<number>;
}

export interface OutboxBacklog {
  pending: number;
  oldestPendingAt: Date | null;
  failed: number;
  /** The last delivery error of a pending item (being retried), if any. */
  lastError: string | null;
}

/** The requester's confirmation card of a ticket: where it is, so it can be updated in place. */
export interface RequesterCard {
  ticketId: number;
  conversationId: string;
  activityId: string;
  /** The requester's Teams user id (29:…), for the card's Universal Actions refresh. */
  userId: string;
}

export interface RequesterCardRepository {
  save(card: RequesterCard, at: Date): Promise<void>;
  get(ticketId: number): Promise<RequesterCard | null>;
  /** Which of these tickets have a stored card. */
  withCards(ticketIds: number[]): Promise<number[]>;
}

export interface SupportQueue {
  id: number;
  tenantId: string;
  teamId: string;
  channelId: string;
  categoryId: string | null;
  registeredBy: string;
}

export interface QueueRepository {
  register(q: Omit<SupportQueue, 'id'>): Promise<SupportQueue>;
  list(): Promise<SupportQueue[]>;
  /** The queue for a category, else the general one (category null). */
  forCategory(categoryId: string): Promise<SupportQueue | null>;
  byChannel(channelId: string): Promise<SupportQueue[]>;
}

export interface UserProfile {
  oid: string;
  tenantId: string;
  name: string;
  email?: string;
  upn?: string;
  department?: string;
  jobTitle?: string;
  phone?: string;
  groups?: string[];
  /** The person's manager in Entra (Graph /me/manager), for approvals by "manager". */
  managerOid?: string;
  managerName?: string;
  roles: Role[];
}

export interface TeamMember {
  teamId: string;
  oid: string;
  /** The Teams user id (29:…), needed for card refresh and mentions. */
  userId: string;
  name: string;
}

export interface TeamMemberRepository {
  replace(teamId: string, members: TeamMember[], at: Date): Promise<void>;
  upsert(member: TeamMember, at: Date): Promise<void>;
  list(teamId: string): Promise<TeamMember[]>;
  isMemberOfAny(oid: string, teamIds: string[]): Promise<boolean>;
}

export interface ProfileRepository {
  get(oid: string): Promise<{ profile: UserProfile; fetchedAt: Date } | null>;
  save(profile: UserProfile, at: Date): Promise<void>;
}

export interface ConversationRefRepository {
  save(key: string, reference: unknown, at: Date): Promise<void>;
  get(key: string): Promise<unknown | null>;
  /** The people of the tenant whose personal chat the bot knows (they have talked to it), by Entra oid. */
  people(tenantId: string): Promise<string[]>;
}

export interface InboundDedup {
  /** True the first time (conversationId, activityId) is seen. */
  firstSeen(conversationId: string, activityId: string, at: Date): Promise<boolean>;
}

/** Records when the personal-data notice (Ley 1581 de 2012) was shown to each person. */
export interface PrivacyNotices {
  /** True the first time for this person; records the moment. */
  markShown(oid: string, at: Date): Promise<boolean>;
  shownAt(oid: string): Promise<Date | null>;
}

/** Teams announces an install twice (installationUpdate and conversationUpdate): welcome once. */
export interface WelcomeLog {
  /** True when no welcome went to this conversation in the last `windowMs`; records this one. */
  first(conversationKey: string, at: Date, windowMs: number): Promise<boolean>;
}

/** SLA alert state and candidates. */
export interface SlaRepository {
  /**
   * Open tickets whose stored warn/due times have passed with an alert not yet recorded, by id, of
   * those with an id after `afterId` and up to `throughId`.
   */
  alertCandidates(now: Date, limit: number, afterId: number, throughId: number): Promise<Ticket[]>;
  /** The highest ticket id there is (0 with none). */
  lastTicketId(): Promise<number>;
  /**
   * Records an alert once: false (and nothing written) when it was already recorded, e.g. by
   * another process. History and effects are written in the same transaction.
   */
  recordAlert(ticketId: number, alert: import('./sla/ticket-sla').SlaAlertKind, at: Date, events: NewEvent[], effects: OutboxItem[]): Promise<boolean>;
}

/** Who supervises the service desk and whether the bot can write to someone 1:1. */
export interface StaffDirectory {
  /** Known supervisors of a tenant (directory file and cached profiles with the supervisor role). */
  supervisors(tenantId: string): Promise<{ oid: string; name: string }[]>;
  /** True when a 1:1 conversation reference exists (the person has talked to the bot). */
  reachable(oid: string): Promise<boolean>;
}
