/**
 * `npm run verify-history`: checks the hash chain of every ticket's history in the database at
 * DB_PATH (or the PostgreSQL database of DATABASE_URL), read-only: any copy (a live WAL file, a VACUUM
 * INTO backup) is opened for reading and left as it was. Prints OK, or each break (ticket, event, what
 * was expected vs found); exit code 1 on a break, 2 when the database cannot be opened.
 */
import fs from 'node:fs';
import { openDb } from '../storage/db';
import { verifyHistory } from '../storage/history-check';
import { SqliteSql } from '../storage/engines/sqlite';
import { PgSql } from '../storage/engines/postgres';
import type { HistoryReport } from '../storage/history-hash';
import { openPgPool } from '../storage/pg/pg-db';
import { toolConfigOrExplain } from './tool-config';

async function main(): Promise<number> {
  const cfg = toolConfigOrExplain();
  if (!cfg) return 2;
  let r: HistoryReport;
  let where: string;
  if (cfg.databaseUrl) {
    where = cfg.databaseUrl.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
    const pool = openPgPool(cfg.databaseUrl, { max: 1, statementTimeoutMs: 0 });
    try {
      r = await verifyHistory(new PgSql(pool));
    } catch (err) {
      console.error(`Cannot read the database at ${where}: ${(err as Error).message}`);
      return 2;
    } finally {
      await pool.end();
    }
  } else {
    if (!fs.existsSync(cfg.dbPath)) {
      console.error(`No database at ${cfg.dbPath} (DB_PATH).`);
      return 2;
    }
    where = cfg.dbPath;
    const db = openDb(cfg.dbPath, { readonly: true, busyTimeoutMs: cfg.dbBusyTimeoutMs });
    try {
      r = await verifyHistory(new SqliteSql(db));
    } finally {
      db.close();
    }
  }
  {
    // The newest link of the chain of tickets: kept elsewhere (a ticket, a log, a signed note), it shows later
    // whether the newest tickets were removed and the chain rewritten.
    const head = r.chain ? `; chain of tickets: ${r.chain.tickets}, newest ${r.chain.lastRadicado ?? '(none)'}` : '';
    if (!r.breaks.length) {
      console.log(`OK: ${r.events} events of ${r.tickets} tickets verified (${r.redacted} redacted by anonymisation) in ${where}${head}`);
      return 0;
    }
    console.log(`BROKEN: ${r.breaks.length} break(s) in the ticket history of ${where} (${r.events} events of ${r.tickets} tickets checked${head})`);
    for (const b of r.breaks) {
      const at = b.eventId ? ` event ${b.eventId}` : '';
      console.log(`  ticket ${b.radicado} (id ${b.ticketId})${at}: ${describe(b.reason)}; expected ${b.expected}, found ${b.found}`);
    }
    return 1;
  }
}

function describe(reason: string): string {
  switch (reason) {
    case 'hash':
      return 'content does not match its hash';
    case 'link':
      return 'previous-hash link broken (an event was removed, inserted or reordered)';
    case 'redaction_unrecorded':
      return 'payload redacted without an anonymised event recording it';
    case 'seal':
      return 'seal broken (its id, position, actor name, recorded state or chain link was changed)';
    case 'position':
      return 'not at the position it was written at (an event before it was removed or inserted)';
    case 'count':
      return 'event count differs from the ticket row (events were removed or inserted)';
    case 'head':
      return "the ticket row's head hash is not its last event's (its last events were removed)";
    case 'state':
      return 'the ticket row differs from the state its last event recorded (edited without history)';
    case 'orphan':
      return 'events of a ticket whose row is gone';
    case 'ticket_missing':
      return 'ticket deleted: the chain of tickets records it';
    case 'chain':
      return 'the chain of tickets does not join up';
    default:
      return 'redacted payload differs from what the anonymised event recorded';
  }
}

main().then(
  (code) => (process.exitCode = code),
  (err) => {
    console.error(`verify-history failed: ${(err as Error).message}`);
    process.exitCode = 2;
  },
);
