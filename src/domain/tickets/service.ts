/**
 * Ticket use cases: file, take, assign, change state, converse, confirm, reopen, cancel, auto-close.
 * Each one decides with the state machine, then persists the change, its history and its outbound
 * effects in one repository call (one transaction).
 */
import type { Clock, ListOptions, OutboxItem, QueueRepository, TicketRepository, UserNotice } from '../ports';
import type { Actor, TicketAction } from './state-machine';
import { decide } from './state-machine';
import type { NewEvent, NewTicket, Ticket, TicketStatus } from './model';
import { OPEN_STATUSES } from './model';
import { bogotaYear } from './radicado';
import type { SlaClock } from '../sla/ticket-sla';
import { similarity } from './similarity';
import { channelKey, mailKey, positionsKey, userKey } from '../../outbox/keys';

export interface TicketServiceOptions {
  radicadoPrefix: string;
  mailEnabled: boolean;
  ticketsPerHour: number;
  /** The SLA clock (due times, pauses); without it tickets carry no SLA. */
  sla?: SlaClock;
  /** Whether a resolved ticket's requester should get the satisfaction survey (not yet answered). */
  surveyWanted?: (ticketId: number) => Promise<boolean>;
  /** Jaccard similarity (0..1) from which an open ticket's description counts as the same request. */
  duplicateSimilarity?: number;
}

/** An open ticket of the same requester that looks like the request being filed, and why. */
export interface DuplicateMatch {
  ticket: Ticket;
  sameService: boolean;
  /** Jaccard index of the two descriptions' normalised word sets (similarity.ts). */
  similarity: number;
}

export const DEFAULT_DUPLICATE_SIMILARITY = 0.5;

export type ActionOutcome =
  | { ok: true; ticket: Ticket }
  | { ok: false; reason: 'forbidden' | 'invalid_state' | 'taken' | 'conflict'; holder?: string; ticket: Ticket };

/** What "Guardar" on a ticket form led to. */
export type SubmitOutcome =
  /** The ticket of this form: filed now (`created`), or earlier by the same form. */
  | { kind: 'filed'; ticket: Ticket; created: boolean }
  /** The form's text was already added to this ticket (the duplicate check's offer): nothing is filed. */
  | { kind: 'added_before'; ticketId: number }
  /** An open ticket of the requester that looks like this one: offered before filing. */
  | { kind: 'duplicate'; match: DuplicateMatch };

/** "Add to radicado X" for a form that was filed as a ticket of its own meanwhile: nothing is added. */
export type AddTextOutcome = (ActionOutcome & { already?: boolean }) | { ok: false; reason: 'filed'; ticket: Ticket };


export class TicketService {
  constructor(
    private readonly tickets: TicketRepository,
    private readonly queues: QueueRepository,
    private readonly clock: Clock,
    private readonly opts: TicketServiceOptions,
  ) {}

  /**
   * A submitted form, decided once per submission key: the ticket it already filed, or the ticket its
   * text was already added to; else, unless `offerDuplicates` is off, a similar open ticket of the
   * requester to offer; else the new ticket. (Looked up first so a repeated "Guardar" never meets its
   * own ticket as a duplicate; the filing itself is idempotent in the repository's transaction.)
   */
  async submit(input: Omit<NewTicket, 'createdAt'>, opts: { offerDuplicates: boolean }): Promise<SubmitOutcome> {
    const filed = await this.tickets.findBySubmission(input.submissionKey);
    if (filed) return { kind: 'filed', ticket: filed, created: false };
    const addedTo = await this.tickets.findAddition(input.submissionKey);
    if (addedTo !== null) return { kind: 'added_before', ticketId: addedTo };
    if (opts.offerDuplicates) {
      const [match] = await this.findDuplicates(input.requester.oid, { serviceId: input.serviceId, description: input.description });
      if (match) return { kind: 'duplicate', match };
    }
    return { kind: 'filed', ...(await this.file(input)) };
  }

  /**
   * Files a ticket and schedules the queue card and the e-mail. Idempotent by submission key, in the
   * repository's transaction: a repeated submission returns the first ticket.
   */
  async file(input: Omit<NewTicket, 'createdAt'>): Promise<{ ticket: Ticket; created: boolean }> {
    const now = this.clock.now();
    const queue = await this.queues.forCategory(input.categoryId);
    const sla = this.opts.sla?.start(input, now);
    return this.tickets.create({ ...input, createdAt: now, sla }, this.opts.radicadoPrefix, bogotaYear(now), (t) => {
      const effects: OutboxItem[] = [];
      if (queue) effects.push({ channel: 'teams', paceKey: channelKey(queue.channelId), ticketId: t.id, payload: { type: 'queue_post', ticketId: t.id } });
      if (this.opts.mailEnabled && t.requester.email) {
        effects.push({
          channel: 'mail',
          paceKey: mailKey(t.requester.email),
          ticketId: t.id,
          payload: { type: 'mail', to: t.requester.email, ticketId: t.id, template: 'ticket_created' },
        });
      }
      return effects;
    }, { maxPerHour: this.opts.ticketsPerHour });
  }

  /**
   * The requester's open tickets for the same service or with a very similar description, best
   * match first (same service, then higher similarity). Imported cases count too.
   */
  async findDuplicates(requesterOid: string, input: { serviceId: string; description: string }): Promise<DuplicateMatch[]> {
    const threshold = this.opts.duplicateSimilarity ?? DEFAULT_DUPLICATE_SIMILARITY;
    const { items } = await this.tickets.listByRequester(requesterOid, { limit: 50 });
    return items
      .filter((t) => isOpen(t.status))
      .map((t) => ({ ticket: t, sameService: t.serviceId === input.serviceId, similarity: similarity(t.description, input.description) }))
      .filter((m) => m.sameService || m.similarity >= threshold)
      .sort((a, b) => Number(b.sameService) - Number(a.sameService) || b.similarity - a.similarity || a.ticket.id - b.ticket.id);
  }

  /**
   * "Add this text to radicado X" (the duplicate check): a requester message on their own open
   * ticket, relayed like any reply, applied once per `key` however often it is pressed.
   */
  async addText(ticket: Ticket, actor: Actor, text: string, key: string): Promise<AddTextOutcome> {
    const filed = await this.tickets.findBySubmission(key);
    if (filed) return { ok: false, reason: 'filed', ticket: filed };
    let current = ticket;
    for (let attempt = 0; attempt < 3; attempt++) {
      const done = await this.tickets.findAddition(key);
      if (done !== null) {
        const target = (await this.tickets.get(done)) ?? current;
        return { ok: true, ticket: target, already: true };
      }
      if (current.requester.oid !== actor.oid) return { ok: false, reason: 'forbidden', ticket: current };
      if (!isOpen(current.status)) return { ok: false, reason: 'invalid_state', ticket: current };
      const out = await this.transition(current, 'reply', actor, { message: text }, key);
      if (out.ok || out.reason !== 'conflict') return out;
      current = out.ticket;
    }
    return { ok: false, reason: 'conflict', ticket: current };
  }

  /** A requester's tickets, newest first. */
  listByRequester(oid: string, opts: ListOptions): Promise<{ items: Ticket[]; total: number }> {
    return this.tickets.listByRequester(oid, opts);
  }

  /** Open tickets of one tenant in arrival order (FIFO), optionally of some categories. */
  listOpen(opts: ListOptions & { tenantId: string; categoryIds?: string[] | null }): Promise<{ items: Ticket[]; total: number }> {
    return this.tickets.listOpen(opts);
  }

  /** The oldest waiting ticket (new, not imported) of these categories (null = all): what "siguiente" hands out. */
  oldestWaiting(tenantId: string, categoryIds: string[] | null): Promise<Ticket | null> {
    return this.tickets.oldestUnassigned(tenantId, categoryIds);
  }

  /** "Tomar": assigns the ticket to the engineer; of two at the same moment exactly one wins. */
  take(ticket: Ticket, actor: Actor): Promise<ActionOutcome> {
    return this.transition(ticket, 'take', actor, { assignee: { oid: actor.oid, name: actor.name } });
  }

  /** "Asignar a…": a supervisor assigns the ticket to an engineer. */
  assign(ticket: Ticket, actor: Actor, to: { oid: string; name: string }): Promise<ActionOutcome> {
    return this.transition(ticket, 'assign', actor, { assignee: to });
  }

  setStatus(ticket: Ticket, action: 'start' | 'wait' | 'resolve', actor: Actor, note?: string): Promise<ActionOutcome> {
    return this.transition(ticket, action, actor, action === 'resolve' ? { note } : {});
  }

  confirm(ticket: Ticket, actor: Actor) {
    return this.transition(ticket, 'confirm', actor, {});
  }

  reopen(ticket: Ticket, actor: Actor, reason?: string) {
    return this.transition(ticket, 'reopen', actor, { note: reason });
  }

  cancel(ticket: Ticket, actor: Actor) {
    return this.transition(ticket, 'cancel', actor, {});
  }

  /** A message from the requester or the engineer, stored and relayed to the other side. */
  async reply(ticket: Ticket, actor: Actor, text: string): Promise<ActionOutcome> {
    return this.transition(ticket, 'reply', actor, { message: text });
  }

  /**
   * "Mover a cola …": staff send an open ticket to the support queue of another category (or to the
   * general one). It waits there in its original arrival order, unassigned: the other team takes it.
   * Its card is posted in the new channel; the old one says where it went. In the history.
   */
  async moveToQueue(ticket: Ticket, actor: Actor, queueCategoryId: string): Promise<ActionOutcome | { ok: false; reason: 'same_queue'; ticket: Ticket }> {
    let current = ticket;
    for (let attempt = 0; attempt < 3; attempt++) {
      if (!isOpen(current.status)) return { ok: false, reason: 'invalid_state', ticket: current };
      const [from, to] = await Promise.all([this.queues.forCategory(current.queueCategoryId), this.queues.forCategory(queueCategoryId)]);
      if (!to) return { ok: false, reason: 'invalid_state', ticket: current };
      if (from?.id === to.id) return { ok: false, reason: 'same_queue', ticket: current };
      const now = this.clock.now();
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
      effects.push(this.notify(current.requester.oid, current.id, { kind: 'queue_moved', by: actor.name, queue: queueCategoryId }));
      if (current.assignee && current.assignee.oid !== actor.oid) {
        effects.push(this.notify(current.assignee.oid, current.id, { kind: 'queue_moved', by: actor.name, queue: queueCategoryId, wasYours: true }));
      }
      // Both queues' waiting cards move: the one it left and the one it joined.
      if (!current.imported) {
        effects.push({ channel: 'teams', paceKey: positionsKey(current.queueCategoryId), ticketId: current.id, payload: { type: 'positions_changed', ticketId: current.id, queueCategoryId: current.queueCategoryId } });
        effects.push({ channel: 'teams', paceKey: positionsKey(queueCategoryId), ticketId: current.id, payload: { type: 'positions_changed', ticketId: current.id } });
      }
      const updated = await this.tickets.update(
        current.id,
        current.version,
        {
          updatedAt: now,
          queueCategoryId,
          status: current.status !== 'new' ? 'new' : undefined,
          assignee: current.assignee ? null : undefined,
          sla: current.status !== 'new' ? this.opts.sla?.onTransition(current, 'new', now) : undefined,
        },
        events,
        effects,
      );
      if (updated) return { ok: true, ticket: updated };
      current = (await this.tickets.get(current.id)) ?? current;
    }
    return { ok: false, reason: 'conflict', ticket: current };
  }

  /** Closes tickets resolved more than `days` ago that the requester neither confirmed nor reopened. */
  async autoClose(days: number, limit = 100): Promise<number> {
    const now = this.clock.now();
    const due = await this.tickets.resolvedBefore(new Date(now.getTime() - days * 86400_000), limit);
    let closed = 0;
    for (const t of due) {
      const events: NewEvent[] = [{ at: now, kind: 'status_changed', data: { from: t.status, to: 'closed', auto: true } }];
      const done = await this.tickets.update(t.id, t.version, { status: 'closed', closedAt: now, updatedAt: now }, events, this.cardUpdate(t, t.queueConversationId));
      if (done) closed++;
    }
    return closed;
  }

  /**
   * Decides and applies one action. The ticket may have moved since the caller read it (the outbox
   * writes delivery warnings, another person acted): the action is decided again on the fresh ticket
   * a few times, so bookkeeping never makes a person's action fail; a real race ("Tomar" by two) is
   * still lost by exactly one. Claimed actions (claimKey) retry in their caller.
   */
  private async transition(
    ticket: Ticket,
    action: TicketAction,
    actor: Actor,
    extra: { assignee?: { oid: string; name: string }; note?: string; message?: string },
    claimKey?: string,
  ): Promise<ActionOutcome> {
    let out = await this.transitionOnce(ticket, action, actor, extra, claimKey);
    for (let attempt = 0; claimKey === undefined && attempt < 3 && !out.ok && out.reason === 'conflict'; attempt++) {
      out = await this.transitionOnce(out.ticket, action, actor, extra);
    }
    return out;
  }

  private async transitionOnce(
    ticket: Ticket,
    action: TicketAction,
    actor: Actor,
    extra: { assignee?: { oid: string; name: string }; note?: string; message?: string },
    claimKey?: string,
  ): Promise<ActionOutcome> {
    const decision = decide(ticket, action, actor);
    if (!decision.ok) return { ok: false, reason: decision.reason, holder: decision.holder, ticket };
    const now = this.clock.now();
    const to = decision.to;
    const by = { oid: actor.oid, name: actor.name };
    const events: NewEvent[] = [];
    const effects: OutboxItem[] = [];
    const isRequester = ticket.requester.oid === actor.oid;
    // The queue card may still be on its way (queue_post pending or in flight): effects for the
    // channel then wait behind it on the same pace key and apply once it has been posted.
    const queueChannel = ticket.queueConversationId ?? (await this.queues.forCategory(ticket.queueCategoryId))?.channelId;

    if (extra.assignee && extra.assignee.oid !== ticket.assignee?.oid) {
      events.push({ at: now, actor: by, kind: 'assigned', data: { to: extra.assignee, from: ticket.assignee } });
      if (extra.assignee.oid !== actor.oid) effects.push(this.notify(extra.assignee.oid, ticket.id, { kind: 'assigned_to_you', by: actor.name }));
      // A reassignment: the engineer who had it and the requester are told who has it now.
      if (ticket.assignee && ticket.assignee.oid !== actor.oid) {
        effects.push(this.notify(ticket.assignee.oid, ticket.id, { kind: 'unassigned_from_you', by: actor.name, to: extra.assignee.name }));
      }
      if (ticket.assignee && to === ticket.status && !isRequester) {
        effects.push(this.notify(ticket.requester.oid, ticket.id, { kind: 'engineer_changed', name: extra.assignee.name }));
      }
    }
    if (extra.message !== undefined) {
      events.push({ at: now, actor: by, kind: 'message', data: { from: isRequester ? 'requester' : 'agent', text: extra.message } });
      if (isRequester) {
        if (queueChannel) effects.push({ channel: 'teams', paceKey: channelKey(queueChannel), ticketId: ticket.id, payload: { type: 'thread_message', ticketId: ticket.id, text: extra.message } });
        if (ticket.assignee) effects.push(this.notify(ticket.assignee.oid, ticket.id, { kind: 'requester_reply', authorName: actor.name, text: extra.message }));
      } else {
        effects.push(this.notify(ticket.requester.oid, ticket.id, { kind: 'agent_reply', authorName: actor.name, text: extra.message }));
      }
    }
    if (to !== ticket.status) {
      events.push({ at: now, actor: by, kind: action === 'reopen' ? 'reopened' : action === 'confirm' ? 'confirmed' : 'status_changed', data: { from: ticket.status, to, note: extra.note } });
      if (!isRequester) {
        const assignee = to === 'assigned' ? (extra.assignee ?? ticket.assignee)?.name : undefined;
        effects.push(this.notify(ticket.requester.oid, ticket.id, { kind: 'status_changed', status: to, by: actor.name, note: extra.note, assignee }));
      }
      // Reopened: the engineer who attended it hears it from us, with the reason.
      if (action === 'reopen' && ticket.assignee && ticket.assignee.oid !== actor.oid) {
        effects.push(this.notify(ticket.assignee.oid, ticket.id, { kind: 'reopened', by: actor.name, reason: extra.note ?? '' }));
      }
      if (to === 'resolved' && this.opts.mailEnabled && ticket.requester.email) {
        effects.push({ channel: 'mail', paceKey: mailKey(ticket.requester.email), ticketId: ticket.id, payload: { type: 'mail', to: ticket.requester.email, ticketId: ticket.id, template: 'ticket_resolved' } });
      }
      // The satisfaction survey follows the resolution notice (same pace key: in that order), once per
      // ticket: not again after a reopen, whether or not the first one was answered.
      if (to === 'resolved' && this.opts.surveyWanted && !(await this.wasResolvedBefore(ticket.id)) && (await this.opts.surveyWanted(ticket.id))) {
        effects.push(this.notify(ticket.requester.oid, ticket.id, { kind: 'survey' }));
      }
    }
    effects.push(...this.cardUpdate(ticket, queueChannel));
    // Entering or leaving the waiting queue moves everyone behind: their cards get updated.
    const movesInQueue = (ticket.status === 'new') !== (to === 'new') && !ticket.imported;
    if (movesInQueue) {
      effects.push({ channel: 'teams', paceKey: positionsKey(ticket.queueCategoryId), ticketId: ticket.id, payload: { type: 'positions_changed', ticketId: ticket.id } });
    } else if (to !== ticket.status || (extra.assignee && extra.assignee.oid !== ticket.assignee?.oid)) {
      // Any other change of state or engineer: the requester's confirmation card shows it too (the
      // positions fan-out above already includes the ticket itself).
      effects.push({ channel: 'teams', paceKey: userKey(ticket.requester.oid), ticketId: ticket.id, payload: { type: 'requester_card_update', ticketId: ticket.id } });
    }

    const agentActs = !isRequester && (actor.roles.includes('agent') || actor.roles.includes('supervisor'));
    const updated = await this.tickets.update(
      ticket.id,
      ticket.version,
      {
        updatedAt: now,
        status: to !== ticket.status ? to : undefined,
        assignee: extra.assignee,
        resolutionNote: to === 'resolved' ? extra.note ?? null : action === 'reopen' ? null : undefined,
        firstResponseAt: agentActs && action !== 'cancel' ? now : undefined,
        resolvedAt: to === 'resolved' ? now : action === 'reopen' ? null : undefined,
        closedAt: to === 'closed' || to === 'cancelled' ? now : action === 'reopen' ? null : undefined,
        sla: this.opts.sla?.onTransition(ticket, to, now),
      },
      events,
      effects,
      claimKey,
    );
    if (!updated) {
      const fresh = (await this.tickets.get(ticket.id)) ?? ticket;
      if (action === 'take' && fresh.assignee && fresh.assignee.oid !== actor.oid) {
        return { ok: false, reason: 'taken', holder: fresh.assignee.name, ticket: fresh };
      }
      return { ok: false, reason: 'conflict', ticket: fresh };
    }
    return { ok: true, ticket: updated };
  }

  private async wasResolvedBefore(ticketId: number): Promise<boolean> {
    const changes = await this.tickets.events(ticketId, { kinds: ['status_changed'] });
    return changes.some((e) => (e.data as { to?: string } | undefined)?.to === 'resolved');
  }

  /** The queue card shows the current state: every change schedules its update. */
  private cardUpdate(ticket: Ticket, queueChannel: string | undefined): OutboxItem[] {
    // Also when the card is not posted yet: a post in flight may have rendered the old state, so
    // an update queued behind it (same pace key) re-renders it; with nothing posted it is a no-op.
    if (!queueChannel) return [];
    return [{ channel: 'teams', paceKey: channelKey(queueChannel), ticketId: ticket.id, payload: { type: 'queue_update', ticketId: ticket.id } }];
  }

  private notify(oid: string, ticketId: number, notice: UserNotice): OutboxItem {
    return { channel: 'teams', paceKey: userKey(oid), ticketId, payload: { type: 'user_message', userOid: oid, ticketId, notice } };
  }
}

export function isOpen(status: TicketStatus): boolean {
  return OPEN_STATUSES.includes(status);
}

