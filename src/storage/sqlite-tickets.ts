/**
 * The synchronous history append on a raw better-sqlite3 connection, for the SQLite repositories not
 * yet on the SQL port (they call it inside their own immediate() transaction) and for databases not
 * migrated to the sealed history (tests of old schemas). The ticket repository itself uses the async
 * appendEvents of ticket-events.ts.
 */
import type { Db } from './db';
import type { NewEvent } from '../domain/tickets/model';
import { AUDIT_COLUMNS, type AuditRow } from './history-evidence';
import { eventHash, eventHashV1, sealedEvents, type ChainHead } from './history-hash';

export function columnExists(db: Db, table: string, column: string): boolean {
  return (db.prepare(`SELECT 1 FROM pragma_table_info(?) WHERE name = ?`).get(table, column) ?? null) !== null;
}

const eventStmts = new WeakMap<Db, ReturnType<typeof prepareEventStatements>>();

function prepareEventStatements(db: Db) {
  return {
    insert: db.prepare(
      `INSERT INTO ticket_events (id, ticket_id, at, actor_oid, actor_name, kind, data, prev_hash, hash, hv, n, state, link, seal)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 2, ?, ?, ?, ?)`,
    ),
    last: db.prepare('SELECT hash FROM ticket_events WHERE ticket_id = ? ORDER BY id DESC LIMIT 1'),
    nextId: db.prepare('SELECT coalesce(max(id), 0) + 1 AS id FROM ticket_events'),
    ticket: db.prepare(`SELECT ${AUDIT_COLUMNS} FROM tickets WHERE id = ?`),
    setHead: db.prepare('UPDATE tickets SET history_events = ?, history_head = ? WHERE id = ?'),
    chain: db.prepare('SELECT tickets, last_ticket_id, last_radicado FROM history_chain WHERE id = 1'),
    setChain: db.prepare(
      `INSERT INTO history_chain (id, tickets, last_ticket_id, last_radicado) VALUES (1, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET tickets = excluded.tickets, last_ticket_id = excluded.last_ticket_id, last_radicado = excluded.last_radicado`,
    ),
  };
}

function eventStatements(db: Db) {
  let s = eventStmts.get(db);
  if (!s) eventStmts.set(db, (s = prepareEventStatements(db)));
  return s;
}

/**
 * A database not migrated to 007 yet (only in tests of old files) gets the events of its schema:
 * hash version 1 before 003, 2 after; migration 007 seals them later.
 */
function appendUnsealed(db: Db, ticketId: number, events: NewEvent[]) {
  const hv2 = columnExists(db, 'ticket_events', 'hv');
  const insert = hv2
    ? db.prepare(`INSERT INTO ticket_events (ticket_id, at, actor_oid, actor_name, kind, data, prev_hash, hash, hv) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 2)`)
    : db.prepare(`INSERT INTO ticket_events (ticket_id, at, actor_oid, actor_name, kind, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  let prev = (db.prepare('SELECT hash FROM ticket_events WHERE ticket_id = ? ORDER BY id DESC LIMIT 1').get(ticketId) as { hash: string } | undefined)?.hash ?? '';
  for (const e of events) {
    const row = { at: e.at.toISOString(), actorOid: e.actor?.oid ?? null, kind: e.kind, data: JSON.stringify(e.data) };
    const hash = hv2 ? eventHash(prev, ticketId, row) : eventHashV1(prev, ticketId, row);
    insert.run(ticketId, row.at, row.actorOid, e.actor?.name ?? null, e.kind, row.data, prev, hash);
    prev = hash;
  }
}


/**
 * Appends events to a ticket's history inside the caller's transaction, after the caller's change to
 * the ticket row (each event records the ticket's state as it is now).
 */
export function appendEvents(db: Db, ticketId: number, events: NewEvent[]): void {
  if (!events.length) return;
  if (!eventStmts.has(db) && !columnExists(db, 'ticket_events', 'seal')) return appendUnsealed(db, ticketId, events);
  const s = eventStatements(db);
  const t = s.ticket.get(ticketId) as AuditRow | undefined;
  if (!t) throw new Error(`ticket ${ticketId} does not exist`);
  const prev = (s.last.get(ticketId) as { hash: string } | undefined)?.hash ?? '';
  let id = (s.nextId.get() as { id: number }).id;
  const { rows, head } = sealedEvents(t, prev, events, () => id++, () => (s.chain.get() as ChainHead | undefined) ?? { tickets: 0, last_ticket_id: null, last_radicado: null });
  for (const r of rows) s.insert.run(r.id, r.ticket_id, r.at, r.actor_oid, r.actor_name, r.kind, r.data, r.prev_hash, r.hash, r.n, r.state, r.link, r.seal);
  const last = rows[rows.length - 1];
  s.setHead.run(last.n, last.hash, ticketId);
  if (head) s.setChain.run(head.tickets, head.last_ticket_id, head.last_radicado);
}
