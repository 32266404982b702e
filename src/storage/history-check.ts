/**
 * Checks every ticket's history, on either engine: each event's hash and seal, the links and
 * positions of a ticket's events, the ticket row's count, head and audited state against its events,
 * and the chain of all tickets. An event redacted by anonymisation is checked with the digest of its
 * original payload (kept in ticket_event_redactions), and its visible content must be the one a
 * later, chained 'anonymised' event of the same ticket committed to. (Events hashed with version 1
 * carry their raw payload in the hash: once redacted, only their link and that commitment are
 * checked.) A database not migrated to the sealed history yet (a copy made before migration 007) has
 * hash chains only: those are checked. Only reads.
 */
import { SqliteSql } from './engines/sqlite';
import type { Db } from './db';
import { AUDIT_COLUMNS, type AuditRow } from './history-evidence';
import { HistoryChecker, type ChainHead, type HistoryReport, type HistoryRow, type Redaction } from './history-hash';
import type { EngineName, Sql } from './sql';

/** Events read per page, in (ticket_id, id) order: the history is never held in memory at once. */
const PAGE = 5000;

/** One read of the check; its engine's driver runs it and hands the rows back. */
interface Read {
  sql: string;
  args: unknown[];
}

/** Whether a table (or one of its columns) exists: the one query that differs between the engines. */
function schemaHas(engine: EngineName, table: string, column?: string): Read {
  if (engine === 'sqlite') {
    return column ? { sql: 'SELECT 1 FROM pragma_table_info(?) WHERE name = ?', args: [table, column] } : { sql: `SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`, args: [table] };
  }
  const sql = 'SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?';
  return column ? { sql: `${sql} AND column_name = ?`, args: [table, column] } : { sql: `${sql} LIMIT 1`, args: [table] };
}

type Rows = Record<string, unknown>[];

/** The check as a sequence of reads (yielded) and their rows (received), so each engine drives it its own way. */
function* check(engine: EngineName): Generator<Read, HistoryReport, Rows> {
  const has = function* (table: string, column?: string): Generator<Read, boolean, Rows> {
    return (yield schemaHas(engine, table, column)).length > 0;
  };
  const redactions = new Map<number, Redaction>();
  if (yield* has('ticket_event_redactions')) {
    const actor = (yield* has('ticket_event_redactions', 'original_actor_sha256')) ? 'original_actor_sha256' : 'NULL AS original_actor_sha256';
    for (const r of (yield { sql: `SELECT event_id, original_sha256, ${actor} FROM ticket_event_redactions`, args: [] }) as {
      event_id: number;
      original_sha256: string;
      original_actor_sha256: string | null;
    }[]) {
      redactions.set(r.event_id, { original: r.original_sha256, actor: r.original_actor_sha256 });
    }
  }
  const sealed = yield* has('ticket_events', 'seal');
  const hv = (yield* has('ticket_events', 'hv')) ? 'hv' : '1 AS hv';
  const tickets = new Map<number, AuditRow>();
  for (const r of (yield { sql: `SELECT ${sealed ? AUDIT_COLUMNS : 'id, radicado'} FROM tickets`, args: [] }) as unknown as AuditRow[]) tickets.set(r.id, r);
  const heads = sealed ? ((yield { sql: 'SELECT tickets, last_ticket_id, last_radicado FROM history_chain WHERE id = 1', args: [] }) as unknown as ChainHead[]) : [];
  const chain = heads[0] ?? null;
  const checker = new HistoryChecker(redactions, tickets, chain, sealed);
  const columns = `id, ticket_id, at, actor_oid, actor_name, kind, data, prev_hash, hash, ${hv}, ${sealed ? 'n, state, link, seal' : 'NULL AS n, NULL AS state, NULL AS link, NULL AS seal'}`;
  let after = [-1, -1];
  for (;;) {
    const rows = (yield {
      sql: `SELECT ${columns} FROM ticket_events WHERE (ticket_id, id) > (?, ?) ORDER BY ticket_id, id LIMIT ${PAGE}`,
      args: after,
    }) as unknown as HistoryRow[];
    for (const r of rows) checker.add(r);
    if (rows.length < PAGE) return checker.finish();
    const last = rows[rows.length - 1];
    after = [last.ticket_id, last.id];
  }
}

/**
 * Runs the check in one consistent snapshot, so a change committed meanwhile (a delivery failure
 * recorded on a ticket, another process filing) is seen wholly or not at all: on SQLite one read
 * transaction on the connection (nothing else of the process runs meanwhile; fine on a read-only
 * copy), on PostgreSQL one REPEATABLE READ, READ ONLY transaction.
 */
export async function verifyHistory(q: Sql): Promise<HistoryReport> {
  if (q instanceof SqliteSql) {
    return q.exclusive((db) =>
      db.transaction(() => {
        const run = check('sqlite');
        for (let step = run.next(); ; ) {
          if (step.done) return step.value;
          step = run.next(rowsOf(db, step.value));
        }
      })(),
    );
  }
  return q.tx(async (t) => {
    await t.run('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const run = check(t.engine);
    for (let step = run.next(); ; ) {
      if (step.done) return step.value;
      step = run.next(await t.all(step.value.sql, step.value.args));
    }
  });
}

function rowsOf(db: Db, read: Read): Rows {
  return db.prepare(read.sql).all(...read.args) as Rows;
}
