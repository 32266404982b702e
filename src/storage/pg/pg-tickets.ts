/**
 * The PostgreSQL history append on a pool client, for the PostgreSQL repositories not yet on the SQL
 * port (they call it inside their own pgTx transaction). The ticket repository itself uses
 * appendEvents / lockHistoryChain of ticket-events.ts.
 */
import type { NewEvent } from '../../domain/tickets/model';
import { sealedEvents, type ChainHead } from '../history-hash';
import { AUDIT_COLUMNS, type AuditRow } from '../history-evidence';
import type { PgQueryable } from './pg-db';

/**
 * Takes the lock of the chain of tickets (history_chain) for the rest of the transaction. insertEvents
 * takes it for a ticket's first event; a transaction that writes several tickets takes it first, so
 * that it never waits for a ticket row while holding it (no deadlock with a ticket being filed).
 */
export async function lockHistoryChain(c: PgQueryable): Promise<ChainHead> {
  return (
    (await c.query<ChainHead>('SELECT tickets, last_ticket_id, last_radicado FROM history_chain WHERE id = 1 FOR UPDATE')).rows[0] ?? {
      tickets: 0,
      last_ticket_id: null,
      last_radicado: null,
    }
  );
}

/**
 * Appends events (the rows of SQLite's appendEvents: hash version 2, position, state, seal, chain link);
 * the caller holds the ticket's row lock (or just inserted it) and has written its change to the row.
 */
export async function insertEvents(c: PgQueryable, ticketId: number, events: NewEvent[]) {
  if (!events.length) return;
  const t = (await c.query<AuditRow>(`SELECT ${AUDIT_COLUMNS} FROM tickets WHERE id = $1`, [ticketId])).rows[0];
  if (!t) throw new Error(`ticket ${ticketId} does not exist`);
  const prev = (await c.query<{ hash: string }>('SELECT hash FROM ticket_events WHERE ticket_id = $1 ORDER BY id DESC LIMIT 1', [ticketId])).rows[0]?.hash ?? '';
  const ids = (
    await c.query<{ id: number }>(`SELECT nextval(pg_get_serial_sequence('ticket_events', 'id')) AS id FROM generate_series(1, $1)`, [events.length])
  ).rows.map((r) => Number(r.id));
  const chain = (t.history_events ?? 0) === 0 ? await lockHistoryChain(c) : null;
  let i = 0;
  const { rows, head } = sealedEvents(t, prev, events, () => ids[i++], () => chain!);
  for (const r of rows) {
    await c.query(
      `INSERT INTO ticket_events (id, ticket_id, at, actor_oid, actor_name, kind, data, prev_hash, hash, hv, n, state, link, seal)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 2, $10, $11, $12, $13)`,
      [r.id, r.ticket_id, r.at, r.actor_oid, r.actor_name, r.kind, r.data, r.prev_hash, r.hash, r.n, r.state, r.link, r.seal],
    );
  }
  const last = rows[rows.length - 1];
  await c.query('UPDATE tickets SET history_events = $1, history_head = $2 WHERE id = $3', [last.n, last.hash, ticketId]);
  if (head) await c.query('UPDATE history_chain SET tickets = $1, last_ticket_id = $2, last_radicado = $3 WHERE id = 1', [head.tickets, head.last_ticket_id, head.last_radicado]);
}
