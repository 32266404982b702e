/**
 * What makes the ticket history evidence rather than decoration, shared by both engines (and by the
 * per-radicado audit export, whose recipe in the README recomputes exactly these functions).
 *
 * Each event has two hashes:
 * - `hash` (version 2, per ticket): sha256 of the previous event's hash, the ticket id, when, who (object
 *   id), what (kind) and the digest of the payload — the chain of the ticket;
 * - `seal`: sha256 of every other column — the event id, ticket id, its position `n` in the ticket,
 *   the hash version, the digest of the actor's display name, the ticket's audited state after the
 *   event (`state`) and, on a ticket's first event, its link in the chain of all tickets (`link`).
 *
 * The ticket row keeps its event count and head hash (the last event's `hash`), and its audited state
 * must equal the state its last event recorded. Every ticket's first event records its place in the
 * chain of tickets (sequence number, its radicado, the ticket filed before it), and `history_chain`
 * holds the newest link: a deleted ticket, or the newest one, shows as a hole in that chain.
 */
import { createHash } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s).digest('hex');

/** The columns of `tickets` whose values the history vouches for (and the radicado and history head). */
export const AUDIT_COLUMNS = 'id, radicado, status, assignee_oid, assignee_name, priority, description, first_response_due_at, resolution_due_at, history_events, history_head';

export interface AuditRow {
  id: number;
  radicado: string;
  status: string;
  assignee_oid: string | null;
  assignee_name: string | null;
  priority: string;
  description: string;
  first_response_due_at: string | Date | null;
  resolution_due_at: string | Date | null;
  history_events: number | null;
  history_head: string | null;
}

const iso = (v: string | Date | null) => (v == null ? null : new Date(v).toISOString());

/**
 * The audited state of a ticket as canonical JSON (fixed key order; times as ISO UTC; the description
 * by its digest): status, assignee, priority, description digest, due times.
 */
export function auditedState(r: AuditRow): string {
  return JSON.stringify({
    status: r.status,
    assigneeOid: r.assignee_oid ?? null,
    assigneeName: r.assignee_name ?? null,
    priority: r.priority,
    descriptionSha256: digest(r.description),
    firstResponseDueAt: iso(r.first_response_due_at),
    resolutionDueAt: iso(r.resolution_due_at),
  });
}

/** A ticket's place in the chain of all tickets, recorded by its first event. */
export interface TicketLink {
  tseq: number;
  radicado: string;
  prev: { id: number; radicado: string } | null;
}

export const linkJson = (l: TicketLink) => JSON.stringify({ tseq: l.tseq, radicado: l.radicado, prev: l.prev ? { id: l.prev.id, radicado: l.prev.radicado } : null });

export function parseLink(s: string | null): TicketLink | null {
  if (!s) return null;
  try {
    const l = JSON.parse(s) as TicketLink;
    return typeof l?.tseq === 'number' && typeof l.radicado === 'string' ? l : null;
  } catch {
    return null;
  }
}

/** The seal of one event: every column its `hash` does not cover. */
export function eventSeal(e: { id: number; ticketId: number; n: number; hv: number; actorNameSha256: string; state: string | null; link: string | null }): string {
  return digest(['seal-v1', e.id, e.ticketId, e.n, e.hv, e.actorNameSha256, e.state ?? '', e.link ?? ''].join('\u0000'));
}

/** The digest of an actor's display name as the seal covers it (no name: the empty string). */
export const actorNameDigest = (name: string | null | undefined) => digest(name ?? '');

/** What differs between two audited states, field by field ("status: resolved" vs "status: new"). */
export function stateDiff(expected: string, found: string): { expected: string; found: string } {
  let a: Record<string, unknown>;
  let b: Record<string, unknown>;
  try {
    a = JSON.parse(expected);
    b = JSON.parse(found);
  } catch {
    return { expected, found };
  }
  const keys = Object.keys(a).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
  return {
    expected: keys.map((k) => `${k} ${JSON.stringify(a[k])}`).join(', '),
    found: keys.map((k) => `${k} ${JSON.stringify(b[k])}`).join(', '),
  };
}

/**
 * The backfill of migration 007 for existing rows, the same on both engines: events in (ticket_id, id)
 * order get their position and seal, each ticket's last event its current state, each ticket's first
 * event its link (tickets chained in id order); returns what to write.
 */
export function planBackfill(
  tickets: Map<number, AuditRow>,
  rows: { id: number; ticket_id: number; actor_name: string | null; hash: string; hv: number }[],
): {
  events: { id: number; n: number; state: string | null; link: string | null; seal: string }[];
  heads: { ticketId: number; n: number; hash: string }[];
  chain: { tickets: number; last: { id: number; radicado: string } | null };
} {
  const lastOf = new Map<number, number>();
  for (const r of rows) lastOf.set(r.ticket_id, r.id);
  const events: { id: number; n: number; state: string | null; link: string | null; seal: string }[] = [];
  const heads: { ticketId: number; n: number; hash: string }[] = [];
  let ticket = -1;
  let n = 0;
  let tseq = 0;
  let prev: { id: number; radicado: string } | null = null;
  for (const e of rows) {
    if (e.ticket_id !== ticket) {
      ticket = e.ticket_id;
      n = 0;
    }
    n++;
    const t = tickets.get(e.ticket_id);
    let link: string | null = null;
    if (n === 1 && t) {
      link = linkJson({ tseq: ++tseq, radicado: t.radicado, prev });
      prev = { id: t.id, radicado: t.radicado };
    }
    const isLast = lastOf.get(e.ticket_id) === e.id;
    const state = t && isLast ? auditedState(t) : null;
    events.push({ id: e.id, n, state, link, seal: eventSeal({ id: e.id, ticketId: e.ticket_id, n, hv: e.hv, actorNameSha256: actorNameDigest(e.actor_name), state, link }) });
    if (isLast) heads.push({ ticketId: e.ticket_id, n, hash: e.hash });
  }
  return { events, heads, chain: { tickets: tseq, last: prev } };
}
