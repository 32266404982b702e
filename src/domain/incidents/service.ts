/**
 * The rules of major incidents: who declares (supervisors), what may be linked (an open ticket of
 * the tenant, not a master, while the incident is open), what an update fans out to (each linked
 * requester once, in their chat's order, through the outbox), and resolving the master with all
 * its linked tickets (one survey per requester).
 */
import type { Clock, OutboxItem } from '../ports';
import type { NewEvent, Ticket } from '../tickets/model';
import { OPEN_STATUSES } from '../tickets/model';
import type { Actor } from '../tickets/state-machine';
import { conversationKey, positionsKey, userKey } from '../../outbox/keys';
import type { Locale } from '../types';
import { cardUpdate } from '../tickets/effects';
import type { DeclareInput, IncidentRepository, IncidentSummary, MajorIncident } from './model';

export type IncidentOutcome<T> = { ok: true; value: T } | { ok: false; reason: 'forbidden' | 'invalid_state' | 'not_found' | 'conflict' };

/** Resolves one linked ticket with the master's note (TicketService's rule); `survey`: this requester's first. */
export type ResolveLinked = (child: Ticket, actor: Actor, note: string, survey: boolean) => Promise<boolean>;

/** Files the master of an incident declared without a case (TicketService.file with the supervisor as requester). */
export type FileMaster = (actor: Actor & { tenantId: string; email?: string }, input: { title: string; serviceId: string; statusText: string }) => Promise<Ticket | null>;

/** Someone who pressed "Esto me afecta" on an announcement. */
export interface AffectedPerson {
  oid: string;
  tenantId: string;
  name: string;
  email?: string;
  locale: Locale;
}

/** Files that person's case on the incident's service, linked to it (idempotent per person and incident); null when it cannot be filed. */
export type FileAffected = (person: AffectedPerson, incident: MajorIncident) => Promise<{ ticket: Ticket; created: boolean } | null>;

export interface IncidentOptions {
  /**
   * The announcement when an incident is declared: to a channel, and with `toAll` to every person
   * the bot knows in the tenant (`people`), each once, through the outbox.
   */
  announce?: { channelId?: string; toAll: boolean; people(tenantId: string): Promise<string[]> };
  fileAffected?: FileAffected;
}

const isSupervisor = (a: Actor) => a.roles.includes('supervisor');
const isStaff = (a: Actor) => a.roles.includes('agent') || isSupervisor(a);


export class IncidentService {
  constructor(
    private readonly repo: IncidentRepository,
    private readonly clock: Clock,
    private readonly resolveLinked: ResolveLinked,
    private readonly fileMaster?: FileMaster,
    /** The channel of a ticket's queue card, posted or on its way (its queue's channel). */
    private readonly channelOf: (t: Ticket) => Promise<string | undefined> = async (t) => t.queueConversationId,
    private readonly opts: IncidentOptions = {},
  ) {}

  /** The declaration's announcement: the configured channel, and everyone the bot knows but the master's requester. */
  private async announcement(master: Ticket): Promise<OutboxItem[]> {
    const a = this.opts.announce;
    if (!a) return [];
    const items: OutboxItem[] = [];
    if (a.channelId) items.push({ channel: 'teams', paceKey: conversationKey(a.channelId), ticketId: master.id, payload: { type: 'incident_announcement', masterId: master.id, conversationId: a.channelId } });
    if (a.toAll) {
      for (const oid of await a.people(master.tenantId)) {
        if (oid !== master.requester.oid) items.push({ channel: 'teams', paceKey: userKey(oid), ticketId: master.id, payload: { type: 'incident_announcement', masterId: master.id, userOid: oid } });
      }
    }
    return items;
  }

  /**
   * "Esto me afecta" on an announcement: the person's case joins the open incident — the one they
   * already have in it, or a new one filed and linked (once, however often it is pressed). An
   * incident that is resolved, of another tenant or not one at all is 'not_found', alike.
   */
  async affects(person: AffectedPerson, masterId: number): Promise<IncidentOutcome<{ ticket: Ticket; created: boolean; incident: MajorIncident }>> {
    const incident = await this.repo.get(masterId);
    if (!incident || incident.resolvedAt || incident.tenantId !== person.tenantId) return { ok: false, reason: 'not_found' };
    const mine = await this.repo.ticketOf(masterId, person.oid);
    if (mine) return { ok: true, value: { ticket: mine, created: false, incident } };
    const filed = this.opts.fileAffected ? await this.opts.fileAffected(person, incident) : null;
    return filed ? { ok: true, value: { ...filed, incident } } : { ok: false, reason: 'invalid_state' };
  }

  /** The ticket's queue card redrawn; queued behind its post when that is still on its way. */
  private async queueUpdate(t: Ticket): Promise<OutboxItem[]> {
    return cardUpdate(t, await this.channelOf(t));
  }

  /**
   * "incidente mayor <título>" with no case behind it: its master is filed now, by the supervisor,
   * on the first affected service (it reaches that service's queue like any case), then declared.
   */
  async declareNew(actor: Actor & { tenantId: string; email?: string }, input: Omit<DeclareInput, 'by' | 'at'>): Promise<IncidentOutcome<{ incident: MajorIncident; master: Ticket }>> {
    if (!isSupervisor(actor)) return { ok: false, reason: 'forbidden' };
    const master = this.fileMaster ? await this.fileMaster(actor, { title: input.title, serviceId: input.serviceIds[0], statusText: input.statusText }) : null;
    if (!master) return { ok: false, reason: 'invalid_state' };
    const declared = await this.declare(master, actor, input);
    return declared.ok ? { ok: true, value: { incident: declared.value, master } } : declared;
  }

  get(masterId: number): Promise<MajorIncident | null> {
    return this.repo.get(masterId);
  }

  /** Open incidents of the tenant (for a service: those that affect it), newest first. */
  open(tenantId: string, serviceId?: string): Promise<MajorIncident[]> {
    return this.repo.open(tenantId, serviceId);
  }

  /** Major incidents for the metrics: open now, declared and resolved since `since`, linked tickets, median time to resolve. */
  async summary(since: Date): Promise<IncidentSummary> {
    const all = await this.repo.since(since);
    const resolved = all.filter((i) => i.resolvedAt && i.resolvedAt >= since);
    const minutes = resolved.map((i) => (i.resolvedAt!.getTime() - i.declaredAt.getTime()) / 60_000).sort((a, b) => a - b);
    const mid = minutes.length >> 1;
    return {
      open: all.filter((i) => !i.resolvedAt).length,
      declared: all.filter((i) => i.declaredAt >= since).length,
      resolved: resolved.length,
      linked: all.reduce((n, i) => n + i.linked, 0),
      medianResolveMinutes: minutes.length ? (minutes.length % 2 ? minutes[mid] : (minutes[mid - 1] + minutes[mid]) / 2) : null,
    };
  }

  /** "Declarar incidente mayor" on an open ticket: a supervisor promotes it to master. */
  async declare(master: Ticket, actor: Actor, input: Omit<DeclareInput, 'by' | 'at'>): Promise<IncidentOutcome<MajorIncident>> {
    if (!isSupervisor(actor)) return { ok: false, reason: 'forbidden' };
    if (!OPEN_STATUSES.includes(master.status) || master.majorIncidentId) return { ok: false, reason: 'invalid_state' };
    const at = this.clock.now();
    const by = { oid: actor.oid, name: actor.name };
    const events: NewEvent[] = [{ at, actor: by, kind: 'major_incident_declared', data: { title: input.title, serviceIds: input.serviceIds, status: input.statusText } }];
    const done = await this.repo.declare(master, { ...input, by, at }, events, [...(await this.queueUpdate(master)), ...(await this.announcement(master))]);
    return done ? { ok: true, value: done } : { ok: false, reason: 'invalid_state' };
  }

  /**
   * "Vincular a incidente mayor": the ticket leaves the FIFO queue ('linked'), takes the master's SLA
   * due times, and its requester is told; both cards are redrawn.
   */
  async link(child: Ticket, master: Ticket, actor: Actor): Promise<IncidentOutcome<Ticket>> {
    if (!isStaff(actor)) return { ok: false, reason: 'forbidden' };
    const incident = await this.repo.get(master.id);
    if (!incident || incident.resolvedAt || incident.tenantId !== child.tenantId) return { ok: false, reason: 'not_found' };
    if (!OPEN_STATUSES.includes(child.status) || child.majorIncidentId || child.id === master.id || (await this.repo.get(child.id))) {
      return { ok: false, reason: 'invalid_state' };
    }
    const at = this.clock.now();
    const by = { oid: actor.oid, name: actor.name };
    const effects: OutboxItem[] = [
      { channel: 'teams', paceKey: userKey(child.requester.oid), ticketId: child.id, payload: { type: 'user_message', userOid: child.requester.oid, ticketId: child.id, notice: { kind: 'incident_linked', title: incident.title } } },
      { channel: 'teams', paceKey: userKey(child.requester.oid), ticketId: child.id, payload: { type: 'requester_card_update', ticketId: child.id } },
      ...(await this.queueUpdate(child)),
      ...(await this.queueUpdate(master)),
    ];
    // It was waiting in line: the requesters behind it move up.
    if (child.status === 'new') effects.push({ channel: 'teams', paceKey: positionsKey(child.queueCategoryId), ticketId: child.id, payload: { type: 'positions_changed', ticketId: child.id } });
    const linked = await this.repo.link(
      child,
      master.id,
      { updatedAt: at, status: 'linked', majorIncidentId: master.id, slaStart: master.sla, sla: master.sla ? { pausedAt: null } : undefined },
      [{ at, actor: by, kind: 'linked_to_incident', data: { master: master.radicado, from: child.status } }],
      [{ at, actor: by, kind: 'incident_child_linked', data: { radicado: child.radicado } }],
      effects,
    );
    return linked ? { ok: true, value: linked } : { ok: false, reason: 'conflict' };
  }

  /**
   * "Actualizar estado" on the master: the update is numbered and reaches every requester of a
   * linked ticket once (one message per person, however many of their tickets are linked), in the
   * order of their chat; the master's card shows it.
   */
  async postUpdate(master: Ticket, actor: Actor, text: string): Promise<IncidentOutcome<{ seq: number; recipients: number }>> {
    if (!isStaff(actor)) return { ok: false, reason: 'forbidden' };
    const incident = await this.repo.get(master.id);
    if (!incident || incident.resolvedAt) return { ok: false, reason: 'invalid_state' };
    const at = this.clock.now();
    const by = { oid: actor.oid, name: actor.name };
    let recipients = 0;
    const masterCard = await this.queueUpdate(master);
    const done = await this.repo.postUpdate(master.id, text, by, at, (children, seq) => {
      const effects: OutboxItem[] = [];
      const told = new Set<string>();
      for (const c of children) {
        if (told.has(c.requester.oid)) continue;
        told.add(c.requester.oid);
        effects.push({
          channel: 'teams',
          paceKey: userKey(c.requester.oid),
          ticketId: c.id,
          payload: { type: 'user_message', userOid: c.requester.oid, ticketId: c.id, notice: { kind: 'incident_update', title: incident.title, text, seq } },
        });
      }
      recipients = told.size;
      effects.push(...masterCard);
      return { events: [{ at, actor: by, kind: 'incident_update', data: { seq, text, recipients: told.size } }], effects };
    });
    return done ? { ok: true, value: { seq: done.update.seq, recipients } } : { ok: false, reason: 'invalid_state' };
  }

  /**
   * After the master was resolved: the incident is closed and the tickets still linked are resolved
   * with the master's note, one survey per requester, `limit` at a time (the rest by `tick`). Safe
   * to run again (a retry, a restart, another instance): what is resolved stays as it is.
   */
  async settle(master: Ticket, actor: Actor, limit = 100): Promise<number> {
    if (master.status !== 'resolved' && master.status !== 'closed') return 0;
    if (!(await this.repo.get(master.id))) return 0;
    await this.repo.markResolved(master.id, this.clock.now());
    const all = await this.repo.children(master.id);
    // One survey per person: not for a requester who already has a ticket of this incident resolved.
    const surveyed = new Set(all.filter((c) => c.status !== 'linked' && c.resolvedAt).map((c) => c.requester.oid));
    let resolved = 0;
    for (const child of all.filter((c) => c.status === 'linked').slice(0, limit)) {
      const first = !surveyed.has(child.requester.oid);
      surveyed.add(child.requester.oid);
      if (await this.resolveLinked(child, actor, master.resolutionNote ?? '', first)) resolved++;
    }
    return resolved;
  }

  /**
   * The periodic pass (with the SLA check): incidents whose master was resolved (by a card, a
   * command, another instance) and tickets still linked to them are settled.
   */
  async tick(): Promise<{ settled: number }> {
    let settled = 0;
    for (const master of await this.repo.unsettled(20)) {
      const actor: Actor = { oid: master.assignee?.oid ?? 'mesa-de-ayuda', name: master.assignee?.name ?? 'Mesa de Ayuda', roles: ['agent'] };
      settled += await this.settle(master, actor);
    }
    return { settled };
  }
}
