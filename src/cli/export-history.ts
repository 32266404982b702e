/**
 * `npm run export-history -- MDA-2026-000123`: writes the audit trail of one radicado (every event, who,
 * when, and the hashes to re-verify it offline) as JSON under EXPORT_DIR, the same file a supervisor
 * gets with "historial del radicado MDA-2026-000123". Reads DB_PATH (opened read-only: a backup copy
 * works and is left as it was) or DATABASE_URL, and EXPORT_DIR. Exit 0 written, 1 no such radicado,
 * 2 bad usage or no database.
 */
import fs from 'node:fs';
import type { AuditTrail } from '../domain/history-audit';
import { openDb } from '../storage/db';
import { SqliteSql } from '../storage/engines/sqlite';
import { PgSql } from '../storage/engines/postgres';
import { SqlHistoryAudit } from '../storage/history-audit';
import { openPgPool } from '../storage/pg/pg-db';
import { writeHistoryExport } from '../reports/history-export-file';
import { toolConfigOrExplain } from './tool-config';

const USAGE = 'usage: npm run export-history -- <radicado>   (e.g. MDA-2026-000123)';

async function main(argv: string[]): Promise<number> {
  const radicado = argv[0]?.trim().toUpperCase();
  if (!radicado || argv.length > 1 || radicado.startsWith('-')) {
    console.error(USAGE);
    return 2;
  }
  const cfg = toolConfigOrExplain();
  if (!cfg) return 2;
  let trail: AuditTrail | null;
  if (cfg.databaseUrl) {
    const pool = openPgPool(cfg.databaseUrl, { max: 1, statementTimeoutMs: 0 });
    try {
      trail = await new SqlHistoryAudit(new PgSql(pool)).auditTrail(radicado);
    } finally {
      await pool.end();
    }
  } else {
    if (!fs.existsSync(cfg.dbPath)) {
      console.error(`No database at ${cfg.dbPath} (DB_PATH).`);
      return 2;
    }
    const db = openDb(cfg.dbPath, { readonly: true, busyTimeoutMs: cfg.dbBusyTimeoutMs });
    try {
      trail = await new SqlHistoryAudit(new SqliteSql(db)).auditTrail(radicado);
    } finally {
      db.close();
    }
  }
  if (!trail) {
    console.error(`No ticket with radicado ${radicado}.`);
    return 1;
  }
  const res = writeHistoryExport(trail, cfg.exportDir, new Date());
  console.log(`${res.events} events of ${trail.radicado} -> ${res.path}`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err) => {
    console.error(`export-history failed: ${(err as Error).message}`);
    process.exitCode = 2;
  },
);
