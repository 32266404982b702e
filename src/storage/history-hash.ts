/**
 * The tamper-evident history's arithmetic, shared by both engines: event hashes (versions 1 and 2),
 * the rows of new sealed events, and the checker that verifies a stream of stored events.
 */
import { createHash } from 'node:crypto';
import type { NewEvent } from '../domain/tickets/model';
import { actorNameDigest, auditedState, eventSeal, linkJson, parseLink, stateDiff, type AuditRow, type TicketLink } from './history-evidence';

/** sha256 of a string, hex. */
export function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/**
 * Hash of one history event chained to the previous one of the same ticket (tamper evidence).
 * Version 2 (every event since migration 003) hashes the payload through its digest, so an
 * anonymised payload can be replaced while the chain stays verifiable with the kept digest.
 */
export function eventHash(prev: string, ticketId: number, e: { at: string; actorOid: string | null; kind: string; data: string }): string {
  return eventHashFromDigest(prev, ticketId, { ...e, dataSha256: sha256(e.data) });
}

export function eventHashFromDigest(prev: string, ticketId: number, e: { at: string; actorOid: string | null; kind: string; dataSha256: string }): string {
  return sha256([prev, ticketId, e.at, e.actorOid ?? '', e.kind, `sha256:${e.dataSha256}`].join('\u0000'));
}

/** Version 1 (events written before migration 003): the raw payload is hashed. */
export function eventHashV1(prev: string, ticketId: number, e: { at: string; actorOid: string | null; kind: string; data: string }): string {
  return sha256([prev, ticketId, e.at, e.actorOid ?? '', e.kind, e.data].join('\u0000'));
}

/** What an 'anonymised' event commits to for each redacted event: its visible content after redaction. */
export function redactedDigest(e: { at: string; actorOid: string | null; kind: string; data: string }): string {
  return sha256([e.at, e.actorOid ?? '', e.kind, e.data].join('\u0000'));
}

/** One place where a ticket's history does not verify. */
export interface HistoryBreak {
  ticketId: number;
  radicado: string;
  /** The event where it breaks; 0 for a break of the ticket as a whole (its row, count, head or chain link). */
  eventId: number;
  reason:
    | 'hash'
    | 'link'
    | 'redaction_unrecorded'
    | 'redaction_mismatch'
    /** A column the seal covers (id, position, actor name, recorded state, chain link) was changed. */
    | 'seal'
    /** The event is not at the position it was written at (an event before it was removed or inserted). */
    | 'position'
    /** The ticket row's event count or head hash differ from its events (its last events were removed). */
    | 'count'
    | 'head'
    /** The ticket row's status, assignee, priority, description or due times differ from what its last event recorded. */
    | 'state'
    /** Events of a ticket whose row is gone. */
    | 'orphan'
    /** A ticket the chain of tickets records is gone (deleted with its history), or the chain does not join up. */
    | 'ticket_missing'
    | 'chain';
  expected: string;
  found: string;
}

export interface HistoryReport {
  tickets: number;
  events: number;
  redacted: number;
  breaks: HistoryBreak[];
  /** The newest link of the chain of tickets, as history_chain records it (print it, keep it elsewhere). */
  chain?: { tickets: number; lastRadicado: string | null };
}

/** A redaction record: digests of the original payload and (since migration 007) actor name. */
export interface Redaction {
  original: string;
  actor: string | null;
}

/** The newest link of the chain of tickets (history_chain). */
export interface ChainHead {
  tickets: number;
  last_ticket_id: number | null;
  last_radicado: string | null;
}

/** One stored history event, as both engines read it for verification. */
export interface HistoryRow {
  id: number;
  ticket_id: number;
  at: string;
  actor_oid: string | null;
  actor_name: string | null;
  kind: string;
  data: string;
  prev_hash: string;
  hash: string;
  hv: number;
  n: number | null;
  state: string | null;
  link: string | null;
  seal: string | null;
}

/**
 * The check of verifyHistory, fed with events ordered by (ticket_id, id), so either engine can
 * stream its rows through it (PostgreSQL in keyset pages).
 */
export class HistoryChecker {
  private readonly report: HistoryReport = { tickets: 0, events: 0, redacted: 0, breaks: [] };
  private ticket = -1;
  private prev = '';
  private n = 0;
  private lastEvent: HistoryRow | null = null;
  private readonly seen = new Set<number>();
  private readonly links: { ticketId: number; link: TicketLink }[] = [];
  // Redacted events of the current ticket still waiting for the 'anonymised' event that commits to them.
  private open = new Map<number, string>();

  constructor(
    private readonly redactions: Map<number, Redaction>,
    private readonly tickets: Map<number, AuditRow>,
    private readonly chain: ChainHead | null,
    /** False for a database not migrated to 007 yet: only the hash chains exist to check. */
    private readonly sealed = true,
  ) {}

  private brk(ticketId: number, eventId: number, reason: HistoryBreak['reason'], expected: string, found: string, radicado?: string) {
    this.report.breaks.push({ ticketId, radicado: radicado ?? this.tickets.get(ticketId)?.radicado ?? '?', eventId, reason, expected, found });
  }

  private closeTicket() {
    for (const [eventId] of this.open) this.brk(this.ticket, eventId, 'redaction_unrecorded', 'an anonymised event listing this redaction', 'none');
    this.open = new Map();
    const t = this.tickets.get(this.ticket);
    const last = this.lastEvent;
    if (!t || !last || !this.sealed) return;
    if ((t.history_events ?? 0) !== this.n) this.brk(t.id, 0, 'count', `${t.history_events ?? 0} events (ticket row)`, `${this.n} events`);
    if ((t.history_head ?? '') !== last.hash) this.brk(t.id, last.id, 'head', `head hash ${t.history_head ?? '(none)'} (ticket row)`, `last event's hash ${last.hash}`);
    if (last.state !== null) {
      const now = auditedState(t);
      if (now !== last.state) {
        const d = stateDiff(last.state, now);
        this.brk(t.id, last.id, 'state', `${d.expected} (recorded by the last event)`, `${d.found} (ticket row)`);
      }
    }
  }

  add(r: HistoryRow) {
    const report = this.report;
    if (r.ticket_id !== this.ticket) {
      if (this.ticket !== -1) this.closeTicket();
      this.ticket = r.ticket_id;
      this.prev = '';
      this.n = 0;
      report.tickets++;
      this.seen.add(r.ticket_id);
      if (!this.tickets.has(r.ticket_id)) this.brk(r.ticket_id, r.id, 'orphan', 'a tickets row', 'none (the ticket was deleted, its events kept)');
    }
    report.events++;
    this.n++;
    const breaksBefore = report.breaks.length;
    const e = { at: r.at, actorOid: r.actor_oid, kind: r.kind, data: r.data };
    if (r.prev_hash !== this.prev) this.brk(r.ticket_id, r.id, 'link', this.prev, r.prev_hash);
    const redaction = this.redactions.get(r.id);
    if (redaction !== undefined) {
      report.redacted++;
      this.open.set(r.id, redactedDigest(e));
      if (r.hv >= 2) {
        const expected = eventHashFromDigest(r.prev_hash, r.ticket_id, { ...e, dataSha256: redaction.original });
        if (expected !== r.hash) this.brk(r.ticket_id, r.id, 'hash', expected, r.hash);
      }
    } else {
      const expected = r.hv >= 2 ? eventHash(r.prev_hash, r.ticket_id, e) : eventHashV1(r.prev_hash, r.ticket_id, e);
      if (expected !== r.hash) this.brk(r.ticket_id, r.id, 'hash', expected, r.hash);
    }
    // The seal and the position are reported only where the chain itself holds (one cause, one line).
    if (this.sealed && report.breaks.length === breaksBefore) {
      const seal = eventSeal({
        id: r.id,
        ticketId: r.ticket_id,
        n: r.n ?? 0,
        hv: r.hv,
        actorNameSha256: redaction?.actor ?? actorNameDigest(r.actor_name),
        state: r.state,
        link: r.link,
      });
      if (r.seal !== seal) this.brk(r.ticket_id, r.id, 'seal', seal, r.seal ?? '(none)');
      else if (r.n !== this.n) this.brk(r.ticket_id, r.id, 'position', `event ${r.n} of the ticket`, `event ${this.n}: an event before it was removed or inserted`);
    }
    if (r.n === 1) {
      const link = parseLink(r.link);
      if (link) this.links.push({ ticketId: r.ticket_id, link });
      const t = this.tickets.get(r.ticket_id);
      if (link && t && link.radicado !== t.radicado) this.brk(r.ticket_id, r.id, 'chain', `radicado ${link.radicado} (first event)`, `${t.radicado} (ticket row)`);
    }
    if (r.kind === 'anonymised') {
      let listed: Record<string, string> = {};
      try {
        listed = (JSON.parse(r.data) as { redactedEvents?: Record<string, string> }).redactedEvents ?? {};
      } catch {
        listed = {};
      }
      for (const [id, digest] of Object.entries(listed)) {
        const have = this.open.get(Number(id));
        if (have === undefined) continue; // not redacted (yet): nothing to check
        if (have !== digest) this.brk(r.ticket_id, Number(id), 'redaction_mismatch', digest, have);
        this.open.delete(Number(id));
      }
    }
    this.prev = r.hash;
    this.lastEvent = r;
  }

  finish(): HistoryReport {
    if (this.ticket !== -1) this.closeTicket();
    this.ticket = -1;
    if (!this.sealed) return this.report;
    // Ticket rows whose events are all gone.
    for (const t of this.tickets.values()) {
      if (!this.seen.has(t.id) && (t.history_events ?? 0) > 0) this.brk(t.id, 0, 'count', `${t.history_events} events (ticket row)`, '0 events: its history was deleted');
    }
    this.checkChain();
    if (this.chain) this.report.chain = { tickets: this.chain.tickets, lastRadicado: this.chain.last_radicado };
    return this.report;
  }

  /** The chain of tickets: consecutive sequence numbers, each link naming the ticket before it, up to history_chain. */
  private checkChain() {
    const links = this.links.sort((a, b) => a.link.tseq - b.link.tseq);
    let before: { id: number; radicado: string; tseq: number } | null = null;
    const linked = new Set(links.map((l) => l.ticketId));
    const gone = (p: { id: number; radicado: string }) => !this.tickets.has(p.id) || this.tickets.get(p.id)!.radicado !== p.radicado;
    for (const { ticketId, link } of links) {
      const want = before ? { id: before.id, radicado: before.radicado } : null;
      const same = (link.prev?.id ?? null) === (want?.id ?? null) && (link.prev?.radicado ?? null) === (want?.radicado ?? null);
      if (!same || link.tseq !== (before?.tseq ?? 0) + 1) {
        if (link.prev && gone(link.prev)) {
          this.brk(link.prev.id, 0, 'ticket_missing', `ticket ${link.prev.radicado} (filed before ${link.radicado})`, 'no such ticket: deleted with its history', link.prev.radicado);
        } else if (link.prev && !linked.has(link.prev.id)) {
          // Its row is there but its first event (and so its link) is gone: reported on that ticket.
          this.brk(link.prev.id, 0, 'chain', `its first event, ticket ${link.tseq - 1} of the chain`, 'none');
        } else {
          this.brk(ticketId, 0, 'chain', `ticket ${(before?.tseq ?? 0) + 1} of the chain, after ${want?.radicado ?? '(none)'}`, `ticket ${link.tseq}, after ${link.prev?.radicado ?? '(none)'}`);
        }
      }
      before = { id: ticketId, radicado: link.radicado, tseq: link.tseq };
    }
    const head = this.chain;
    if (!head) return;
    const have = before ? { tickets: before.tseq, id: before.id, radicado: before.radicado } : { tickets: 0, id: null, radicado: null };
    if (head.tickets !== have.tickets || head.last_ticket_id !== have.id || head.last_radicado !== have.radicado) {
      const p = head.last_ticket_id !== null && head.last_radicado !== null ? { id: head.last_ticket_id, radicado: head.last_radicado } : null;
      if (p && gone(p)) this.brk(p.id, 0, 'ticket_missing', `ticket ${p.radicado}, the newest of ${head.tickets} in the chain`, 'no such ticket: deleted with its history', p.radicado);
      else this.brk(have.id ?? 0, 0, 'chain', `${head.tickets} tickets, the newest ${head.last_radicado ?? '(none)'} (history_chain)`, `${have.tickets}, the newest ${have.radicado ?? '(none)'}`, have.radicado ?? '?');
    }
  }
}

/**
 * The rows of new events (hash, position, state, seal, and the chain link of a ticket's first event),
 * written the same way by both engines. `nextId` gives each event its id before it is inserted.
 */
export function sealedEvents(
  t: AuditRow,
  prevHash: string,
  events: NewEvent[],
  nextId: () => number,
  chain: () => ChainHead,
): { rows: (HistoryRow & { at: string })[]; head: ChainHead | null } {
  let prev = prevHash;
  let n = t.history_events ?? 0;
  const state = auditedState(t);
  let head: ChainHead | null = null;
  const rows = events.map((e) => {
    const row = { at: e.at.toISOString(), actorOid: e.actor?.oid ?? null, kind: e.kind, data: JSON.stringify(e.data) };
    const hash = eventHash(prev, t.id, row);
    const id = nextId();
    n++;
    let link: string | null = null;
    if (n === 1) {
      const c = chain();
      link = linkJson({ tseq: c.tickets + 1, radicado: t.radicado, prev: c.last_ticket_id !== null && c.last_radicado !== null ? { id: c.last_ticket_id, radicado: c.last_radicado } : null });
      head = { tickets: c.tickets + 1, last_ticket_id: t.id, last_radicado: t.radicado };
    }
    const actorName = e.actor?.name ?? null;
    const seal = eventSeal({ id, ticketId: t.id, n, hv: 2, actorNameSha256: actorNameDigest(actorName), state, link });
    const out = { id, ticket_id: t.id, at: row.at, actor_oid: row.actorOid, actor_name: actorName, kind: e.kind, data: row.data, prev_hash: prev, hash, hv: 2, n, state, link, seal };
    prev = hash;
    return out;
  });
  return { rows, head };
}
