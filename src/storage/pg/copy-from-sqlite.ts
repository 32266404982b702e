/**
 * Copies a SQLite database into an empty PostgreSQL database: every table, row for row, keeping ids,
 * radicados, the radicado counters, the history with its hashes, the outbox and the bot state; then
 * moves the identity sequences past the copied ids and checks counts and the hash chains.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { migrate, openDb } from '../db';
import { migratePg, openPgPool, type PgClient } from './pg-db';
import { PgSql } from '../engines/postgres';
import { verifyHistory } from '../history-check';

export class CopyError extends Error {
  override readonly name = 'CopyError';
}

export interface CopyReport {
  tables: Record<string, number>;
  historyBreaks: number;
  /** Attachment files copied from ATTACHMENTS_DIR into the database, and those not found there. */
  blobs: { copied: number; missing: string[] };
}

/** Parents before children (foreign keys); other tables follow in name order. */
const FIRST = ['bot_state', 'radicado_counters', 'tickets', 'ticket_events'];
const BATCH = 500;

export async function copySqliteToPostgres(opts: { from: string; to: string; attachmentsDir?: string; log?: (msg: string) => void }): Promise<CopyReport> {
  const log = opts.log ?? (() => undefined);
  if (!fs.existsSync(opts.from)) throw new CopyError(`${opts.from} does not exist`);
  const lite = openDb(opts.from);
  const pool = openPgPool(opts.to, { max: 2, statementTimeoutMs: 0 });
  try {
    // Both at the newest schema first, so the same tables and columns exist on both sides.
    migrate(lite);
    await migratePg(pool);
    const tables = (lite.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations'`).all() as { name: string }[])
      .map((t) => t.name)
      .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
    const report: CopyReport = { tables: {}, historyBreaks: 0, blobs: { copied: 0, missing: [] } };
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      for (const t of ['tickets', 'outbox', 'bot_state', 'radicado_counters']) {
        const n = Number((await c.query(`SELECT count(*) AS n FROM ${t}`)).rows[0].n);
        if (n > 0) throw new CopyError(`the PostgreSQL database is not empty (${t} has ${n} rows): copy into a new, empty database`);
      }
      // The empty database's chain of tickets is replaced by the copied one.
      await c.query('DELETE FROM history_chain');
      for (const table of tables) report.tables[table] = await copyTable(lite, c, table, 'public', log);
      report.tables['aux.inbound_activities'] = await copyTable(lite, c, 'inbound_activities', 'aux', log, 'aux.inbound_activities');
      // On PostgreSQL attachment bytes live in the database (every instance serves them).
      if (tables.includes('attachments')) {
        for (const { sha256 } of lite.prepare('SELECT DISTINCT sha256 FROM attachments').all() as { sha256: string }[]) {
          const file = opts.attachmentsDir && /^[0-9a-f]{64}$/.test(sha256) ? path.join(opts.attachmentsDir, sha256.slice(0, 2), sha256) : null;
          const bytes = file && fs.existsSync(file) ? fs.readFileSync(file) : null;
          if (!bytes || createHash('sha256').update(bytes).digest('hex') !== sha256) {
            report.blobs.missing.push(sha256);
            continue;
          }
          await c.query('INSERT INTO attachment_blobs (sha256, bytes) VALUES ($1, $2) ON CONFLICT DO NOTHING', [sha256, bytes]);
          report.blobs.copied++;
        }
        log(`  attachment files: ${report.blobs.copied} copied${report.blobs.missing.length ? `, ${report.blobs.missing.length} not found in ${opts.attachmentsDir ?? '(no --attachments folder)'}` : ''}`);
      }
      // New rows continue after the copied ids.
      const withIds = (
        await c.query<{ table_name: string }>(`SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'id' AND is_identity = 'YES'`)
      ).rows.map((r) => r.table_name);
      for (const table of tables.filter((t) => withIds.includes(t))) {
        await c.query(`SELECT setval(pg_get_serial_sequence($1, 'id'), coalesce((SELECT max(id) FROM ${ident(table)}), 0) + 1, false)`, [table]);
      }
      const done = await c.query('COMMIT');
      if (done.command !== 'COMMIT') throw new CopyError('PostgreSQL rolled the copy back');
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
    const { breaks } = await verifyHistory(new PgSql(pool));
    report.historyBreaks = breaks.length;
    if (breaks.length) throw new CopyError(`the copied history does not verify (${breaks.length} breaks, first at ticket ${breaks[0].ticketId})`);
    return report;
  } finally {
    lite.close();
    await pool.end();
  }
}

function rank(t: string) {
  const i = FIRST.indexOf(t);
  return i < 0 ? FIRST.length : i;
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

async function copyTable(lite: ReturnType<typeof openDb>, c: PgClient, table: string, schema: string, log: (m: string) => void, liteName = table): Promise<number> {
  const pgCols = new Set(
    (await c.query<{ column_name: string }>('SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2', [schema, table])).rows.map((r) => r.column_name),
  );
  if (!pgCols.size) throw new CopyError(`table ${schema}.${table} is missing in PostgreSQL: its migration has no PostgreSQL counterpart`);
  const liteCols = (lite.prepare(`SELECT name FROM pragma_table_info(?, ?)`).all(table, schema === 'aux' ? 'aux' : 'main') as { name: string }[]).map((r) => r.name);
  const missing = liteCols.filter((col) => !pgCols.has(col));
  if (missing.length) throw new CopyError(`PostgreSQL table ${table} lacks column(s) ${missing.join(', ')}`);
  const target = schema === 'public' ? ident(table) : `${schema}.${ident(table)}`;
  const colList = liteCols.map(ident).join(', ');
  const order = liteCols.includes('id') ? ' ORDER BY id' : '';
  let n = 0;
  let batch: unknown[][] = [];
  const flush = async () => {
    if (!batch.length) return;
    const args: unknown[] = [];
    const rows = batch.map((r) => `(${r.map((v) => (args.push(v), `$${args.length}`)).join(', ')})`);
    await c.query(`INSERT INTO ${target} (${colList}) VALUES ${rows.join(', ')}`, args);
    n += batch.length;
    batch = [];
  };
  for (const row of lite.prepare(`SELECT ${colList} FROM ${liteName}${order}`).raw().iterate() as Iterable<unknown[]>) {
    batch.push(row.map((v) => (typeof v === 'bigint' ? Number(v) : v)));
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  log(`  ${schema === 'public' ? table : `${schema}.${table}`}: ${n} rows`);
  return n;
}
