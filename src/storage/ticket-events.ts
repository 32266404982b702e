/**
 * Appending to a ticket's tamper-evident history, written once for both engines: each event's hash
 * chains to the previous one of its ticket (hash version 2), carries its position, the ticket's
 * audited state and a seal; a ticket's first event also links it into the chain of all tickets
 * (history_chain). Runs inside the caller's transaction, after the caller's change to the ticket row.
 */
import type { NewEvent } from '../domain/tickets/model';
import { AUDIT_COLUMNS, type AuditRow } from './history-evidence';
import { sealedEvents, type ChainHead } from './history-hash';
import type { Sql } from './sql';

/** Event rows per INSERT (13 bound values each): well under both engines' limits. */
const EVENTS_PER_STATEMENT = 200;
/** PostgreSQL binds at most 65,535 values per statement: the writes go together under this many. */
const PG_VALUES_PER_STATEMENT = 30_000;

const NO_CHAIN: ChainHead = { tickets: 0, last_ticket_id: null, last_radicado: null };

/**
 * Takes the lock of the chain of tickets for the rest of the transaction (a row lock on PostgreSQL;
 * SQLite's write transaction is exclusive already). appendEvents takes it for a ticket's first
 * event; a transaction that files tickets takes it before the radicado counter, so that no two
 * transactions wait for each other's lock.
 */
export async function lockHistoryChain(q: Sql): Promise<ChainHead> {
  return (await q.one<ChainHead>(`SELECT tickets, last_ticket_id, last_radicado FROM history_chain WHERE id = 1${q.forUpdate}`)) ?? { ...NO_CHAIN };
}

/** Ids for new events, known before they are inserted (the seal covers the id). */
async function nextEventIds(q: Sql, n: number): Promise<number[]> {
  if (q.engine === 'postgres') {
    const rows = await q.all<{ id: number }>(`SELECT nextval(pg_get_serial_sequence('ticket_events', 'id')) AS id FROM generate_series(1, ?)`, [n]);
    return rows.map((r) => Number(r.id));
  }
  // SQLite: the write transaction is exclusive, so the next ids are free until it commits.
  const first = (await q.one<{ id: number }>('SELECT coalesce(max(id), 0) + 1 AS id FROM ticket_events'))!.id;
  return Array.from({ length: n }, (_, i) => first + i);
}

/**
 * What a transaction that has just filed the ticket already holds: the row its INSERT returned, and the
 * chain's head it read under the chain's lock (taken before the counter): two statements fewer, two
 * round trips fewer on PostgreSQL while the chain's lock is held.
 */
export interface JustFiled {
  row: AuditRow;
  chain: ChainHead;
}

export async function appendEvents(q: Sql, ticketId: number, events: NewEvent[], filed?: JustFiled): Promise<void> {
  if (!events.length) return;
  const t = filed?.row ?? (await q.one<AuditRow>(`SELECT ${AUDIT_COLUMNS} FROM tickets WHERE id = ?`, [ticketId]));
  if (!t) throw new Error(`ticket ${ticketId} does not exist`);
  // The row counts the ticket's events (written with them): with none there is no earlier hash to
  // read, and this first event links the ticket into the chain of tickets.
  const first = (t.history_events ?? 0) === 0;
  const prev = first ? '' : ((await q.one<{ hash: string }>('SELECT hash FROM ticket_events WHERE ticket_id = ? ORDER BY id DESC LIMIT 1', [ticketId]))?.hash ?? '');
  const ids = await nextEventIds(q, events.length);
  const chain = !first ? NO_CHAIN : (filed?.chain ?? (await lockHistoryChain(q)));
  let i = 0;
  const { rows, head } = sealedEvents(t, prev, events, () => ids[i++], () => chain);
  const last = rows[rows.length - 1];
  const writes: { sql: string; args: unknown[] }[] = [];
  for (let k = 0; k < rows.length; k += EVENTS_PER_STATEMENT) {
    const batch = rows.slice(k, k + EVENTS_PER_STATEMENT);
    writes.push({
      sql: `INSERT INTO ticket_events (id, ticket_id, at, actor_oid, actor_name, kind, data, prev_hash, hash, hv, n, state, link, seal)
       VALUES ${batch.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, 2, ?, ?, ?, ?)').join(', ')}`,
      args: batch.flatMap((r) => [r.id, r.ticket_id, r.at, r.actor_oid, r.actor_name, r.kind, r.data, r.prev_hash, r.hash, r.n, r.state, r.link, r.seal]),
    });
  }
  writes.push({ sql: 'UPDATE tickets SET history_events = ?, history_head = ? WHERE id = ?', args: [last.n, last.hash, ticketId] });
  if (head) {
    writes.push({
      sql: `INSERT INTO history_chain (id, tickets, last_ticket_id, last_radicado) VALUES (1, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET tickets = excluded.tickets, last_ticket_id = excluded.last_ticket_id, last_radicado = excluded.last_radicado`,
      args: [head.tickets, head.last_ticket_id, head.last_radicado],
    });
  }
  const values = writes.reduce((n, w) => n + w.args.length, 0);
  if (q.engine === 'postgres' && values <= PG_VALUES_PER_STATEMENT) {
    // One statement (the writes before the last as data-modifying WITH parts, each run once and to the
    // end): one round trip instead of three while the ticket's row, and for a first event the chain's,
    // are locked. None of them reads what another writes (no trigger on these inserts or this update).
    const parts = writes.slice(0, -1).map((w, k) => `w${k} AS (${w.sql})`);
    await q.run(`WITH ${parts.join(', ')} ${writes[writes.length - 1].sql}`, writes.flatMap((w) => w.args));
    return;
  }
  for (const w of writes) await q.run(w.sql, w.args);
}
