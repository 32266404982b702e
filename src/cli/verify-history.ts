/**
 * `npm run verify-history`: checks the hash chain of every ticket's history in the database at
 * DB_PATH (or the PostgreSQL database of DATABASE_URL). Prints OK, or each break (ticket, event, expected vs found hash); exit code 1 on a break,
 * 2 when the database cannot be opened.
 */
import fs from 'node:fs';
import { openDb } from '../storage/db';
import { verifyHistory, type HistoryReport } from '../storage/sqlite-tickets';
import { openPgPool } from '../storage/pg/pg-db';
import { verifyHistoryPg } from '../storage/pg/pg-tickets';
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
      r = await verifyHistoryPg(pool);
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
      r = verifyHistory(db);
    } finally {
      db.close();
    }
  }
  {
    if (!r.breaks.length) {
      console.log(`OK: ${r.events} events of ${r.tickets} tickets verified (${r.redacted} redacted by anonymisation) in ${where}`);
      return 0;
    }
    console.log(`BROKEN: ${r.breaks.length} break(s) in the ticket history of ${where} (${r.events} events of ${r.tickets} tickets checked)`);
    for (const b of r.breaks) {
      console.log(`  ticket ${b.radicado} (id ${b.ticketId}) event ${b.eventId}: ${describe(b.reason)}; expected ${b.expected}, found ${b.found}`);
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
