/**
 * Ticket use cases: file, take, assign, change state, converse, confirm, reopen, cancel, auto-close.
 * Each one decides with the state machine, then persists the change, its history and its outbound
 * effects in one repository call (one transaction).
 */
import type { Clock, ListOptions, OpenFilter, OutboxItem, QueueRepository, TicketRepository } from '../ports';
import type { Actor, TicketAction } from './state-machine';
import { decide } from './state-machine';
import type { NewEvent, NewTicket, Ticket, TicketStatus, TicketSummary } from './model';
import { OPEN_STATUSES } from './model';
import { bogotaYear } from './radicado';
import type { SlaClock } from '../sla/ticket-sla';
import type { ApprovalPolicy, ApprovalRequester } from '../approvals/policy';
import type { ArticleHit } from '../knowledge/model';
import type { MajorIncident } from '../incidents/model';
import type { Locale } from '../types';
import { similarityTo } from './similarity';
import { approvalCardsUpdate } from '../approvals/service';
import { channelKey, userKey } from '../../outbox/keys';
import { cardUpdate, filedMail, moveRecord, transitionRecord, type TransitionInput } from './effects';
import { DEFAULT_DUPLICATE_SIMILARITY, type ActionOutcome, type AddTextOutcome, type DuplicateMatch, type SubmitOutcome } from './outcomes';

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
  /** Open major incidents of a tenant that affect a service (offered at filing, and linked to). */
  incidents?: { open(tenantId: string, serviceId: string): Promise<MajorIncident[]> };
  /** The knowledge base's best articles for a form (its service and text), offered before it is filed. */
  articles?: (input: { text: string; serviceId: string; locale: Locale }) => ArticleHit[];
  /** Requests whose template declares an approval are filed through it (awaiting approval). */
  approvals?: {
    policyFor(templateId: string): ApprovalPolicy | undefined;
    file(input: Omit<NewTicket, 'createdAt'>, policy: ApprovalPolicy, requester: ApprovalRequester): Promise<{ ticket: Ticket; created: boolean } | null>;
  };
}

export type { ActionOutcome, AddTextOutcome, DuplicateMatch, SubmitOutcome } from './outcomes';
export { DEFAULT_DUPLICATE_SIMILARITY } from './outcomes';

export class TicketService {
  constructor(
    private readonly tickets: TicketRepository,
    private readonly queues: QueueRepository,
    private readonly clock: Clock,
    private readonly opts: TicketServiceOptions,
  ) {}

  /**
   * A submitted form, decided once per submission key: the ticket it already filed, or the ticket its
   * text was already added to; else, with `linkTo` (checked again: an open major incident of the
   * form's service), the ticket filed on that incident; else, with `offerIncidents`, an open major
   * incident of the service to offer; else, with `offerArticles`, the knowledge base's articles that
   * may solve it; else, unless `offerDuplicates` is off, a similar open ticket of the requester to
   * offer; else the new ticket. (Looked up first so a repeated "Guardar" never meets its own ticket
   * as a duplicate, nor offers; the filing itself is idempotent in the repository's transaction.)
   */
  async submit(
    input: Omit<NewTicket, 'createdAt'>,
    opts: {
      offerDuplicates: boolean;
      offerArticles?: boolean;
      /** Offer an open major incident of the service ("Ya conocemos esta falla"); `linkTo`: the person chose to link to it. */
      offerIncidents?: boolean;
      linkTo?: number;
      manager?: { oid: string; name?: string };
    },
  ): Promise<SubmitOutcome> {
    const filed = await this.tickets.findBySubmission(input.submissionKey);
    if (filed) return { kind: 'filed', ticket: filed, created: false };
    const addedTo = await this.tickets.findAddition(input.submissionKey);
    if (addedTo !== null) return { kind: 'added_before', ticketId: addedTo };
    // A known outage first: the case joins the major incident instead of waiting in the queue.
    const incidents = (opts.offerIncidents || opts.linkTo) && this.opts.incidents ? await this.opts.incidents.open(input.requester.tenantId, input.serviceId) : [];
    const chosen = opts.linkTo ? incidents.find((i) => i.masterId === opts.linkTo) : undefined;
    if (chosen) return { kind: 'filed', ...(await this.fileLinked(input, chosen)) };
    if (opts.offerIncidents && !opts.linkTo && incidents[0]) return { kind: 'incident', incident: incidents[0] };
    if (opts.offerArticles && this.opts.articles) {
      const hits = this.opts.articles({ text: input.description, serviceId: input.serviceId, locale: input.locale });
      if (hits.length) return { kind: 'articles', hits };
    }
    if (opts.offerDuplicates) {
      const [match] = await this.findDuplicates(input.requester.oid, { serviceId: input.serviceId, description: input.description });
      if (match) return { kind: 'duplicate', match };
    }
    const policy = this.opts.approvals?.policyFor(input.templateId);
    if (policy && this.opts.approvals) {
      const r = input.requester;
      const filed = await this.opts.approvals.file(input, policy, {
        oid: r.oid,
        email: r.email,
        department: r.department,
        managerOid: opts.manager?.oid,
        managerName: opts.manager?.name,
      });
      return filed ? { kind: 'filed', ...filed } : { kind: 'no_approver', rule: policy.by };
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
      if (this.opts.mailEnabled) effects.push(...filedMail(t));
      return effects;
    }, { maxPerHour: this.opts.ticketsPerHour });
  }

  /**
   * Files a ticket linked to an open major incident: not in the FIFO queue (no queue card), the
   * master's SLA due times; the requester is told, the master's card counts it, the mail goes out.
   */
  private async fileLinked(input: Omit<NewTicket, 'createdAt'>, incident: MajorIncident): Promise<{ ticket: Ticket; created: boolean }> {
    const now = this.clock.now();
    const master = await this.tickets.get(incident.masterId);
    return this.tickets.create({ ...input, createdAt: now, sla: master?.sla ?? this.opts.sla?.start(input, now), majorIncidentId: incident.masterId }, this.opts.radicadoPrefix, bogotaYear(now), (t) => {
      const effects: OutboxItem[] = [
        { channel: 'teams', paceKey: userKey(t.requester.oid), ticketId: t.id, payload: { type: 'user_message', userOid: t.requester.oid, ticketId: t.id, notice: { kind: 'incident_linked', title: incident.title } } },
      ];
      if (master) effects.push(...cardUpdate(master, master.queueConversationId));
      if (this.opts.mailEnabled) effects.push(...filedMail(t));
      return effects;
    }, { maxPerHour: this.opts.ticketsPerHour });
  }

  /**
   * The requester's open tickets for the same service or with a very similar description, best
   * match first (same service, then higher similarity). Imported cases count too.
   */
  async findDuplicates(requesterOid: string, input: { serviceId: string; description: string }): Promise<DuplicateMatch[]> {
    const threshold = this.opts.duplicateSimilarity ?? DEFAULT_DUPLICATE_SIMILARITY;
    const items = await this.tickets.listOpenByRequester(requesterOid, 50);
    const like = similarityTo(input.description);
    return items
      .map((t) => ({ ticket: t, sameService: t.serviceId === input.serviceId, similarity: like(t.description) }))
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
  listOpen(opts: ListOptions & { tenantId: string; categoryIds?: string[] | null; filter?: OpenFilter }): Promise<{ items: TicketSummary[]; total: number; totalCapped: boolean }> {
    return this.tickets.listOpen(opts);
  }

  /** A ticket's history, oldest first (its newest `limit` events). */
  history(ticketId: number, limit = 500) {
    return this.tickets.events(ticketId, { limit });
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

  /**
   * A ticket linked to a major incident, resolved with its master's note (IncidentService);
   * `survey`: false when its requester gets the survey for another ticket of the same incident.
   */
  async resolveLinked(ticket: Ticket, actor: Actor, note: string, survey: boolean): Promise<boolean> {
    return (await this.transition(ticket, 'resolve', actor, { note, noSurvey: !survey })).ok;
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
      const { events, effects } = moveRecord({ ticket: current, actor, now, from, to, queueCategoryId });
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
      const done = await this.tickets.update(t.id, t.version, { status: 'closed', closedAt: now, updatedAt: now }, events, cardUpdate(t, t.queueConversationId));
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
    extra: TransitionInput['extra'],
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
    extra: TransitionInput['extra'],
    claimKey?: string,
  ): Promise<ActionOutcome> {
    const decision = decide(ticket, action, actor);
    if (!decision.ok) return { ok: false, reason: decision.reason, holder: decision.holder, ticket };
    const now = this.clock.now();
    const to = decision.to;
    const isRequester = ticket.requester.oid === actor.oid;
    // The queue card may still be on its way (queue_post pending or in flight): effects for the
    // channel then wait behind it on the same pace key and apply once it has been posted.
    const queueChannel = ticket.queueConversationId ?? (await this.queues.forCategory(ticket.queueCategoryId))?.channelId;
    // The satisfaction survey, once per ticket: not again after a reopen, answered or not.
    const survey = to === 'resolved' && to !== ticket.status && !extra.noSurvey && !!this.opts.surveyWanted && !(await this.wasResolvedBefore(ticket.id)) && (await this.opts.surveyWanted(ticket.id));
    const { events, effects } = transitionRecord({ ticket, action, actor, to, extra, queueChannel, now, mail: !!this.opts.mailEnabled, survey });
    // Reopened after its major incident: it is unlinked and waits in the FIFO queue like any case
    // (its card is posted there if it never had one: it was linked when it was filed).
    const unlink = action === 'reopen' && !!ticket.majorIncidentId;
    if (unlink) {
      events.push({ at: now, actor: { oid: actor.oid, name: actor.name }, kind: 'unlinked_from_incident', data: { master: ticket.majorIncidentId } });
      if (!ticket.queueActivityId && queueChannel) effects.push({ channel: 'teams', paceKey: channelKey(queueChannel), ticketId: ticket.id, payload: { type: 'queue_post', ticketId: ticket.id } });
    }
    // Cancelled while awaiting approval: the approvers' cards say so, without buttons.
    if (ticket.status === 'pending_approval' && to !== ticket.status) effects.push(approvalCardsUpdate(ticket.id));

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
        majorIncidentId: unlink ? null : undefined,
        enterQueue: unlink && to === 'new' ? true : undefined,
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
}

export function isOpen(status: TicketStatus): boolean {
  return OPEN_STATUSES.includes(status);
}

