/** What the maintenance CLIs share: their storage settings, and the refusal of a database that is not there. */
import fs from 'node:fs';
import { ConfigError, rawEnvironment, readToolEnv, type ToolConfig } from '../config';
import { openPgPool } from '../storage/pg/pg-db';

/** The storage settings a maintenance CLI needs, or null after printing what to fix (exit code 2). */
export function toolConfigOrExplain(): ToolConfig | null {
  try {
    return readToolEnv(rawEnvironment());
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return null;
    }
    throw err;
  }
}

/** The URL with its password masked, for messages. */
export const maskUrl = (url: string) => url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');

/**
 * Why a tool that reads the bot's database cannot use the configured one, or null when it is there.
 * Opening storage creates what is missing (the folder, an empty SQLite file, the tables on
 * PostgreSQL), so a mistyped DB_PATH would otherwise give an empty database, "0 tickets" and exit 0.
 * Missing: no file at DB_PATH; with DATABASE_URL, a server that cannot be reached or a database
 * without the bot's tables. `setting` names where the path came from. The caller prints the message
 * and exits with 2.
 */
export async function missingDatabase(cfg: { dbPath: string; databaseUrl?: string }, setting = 'DB_PATH'): Promise<string | null> {
  if (!cfg.databaseUrl) {
    return fs.existsSync(cfg.dbPath) && fs.statSync(cfg.dbPath).isFile()
      ? null
      : `No database at ${cfg.dbPath} (${setting}). Check ${setting}${setting === 'DB_PATH' ? ' (or set DATABASE_URL for PostgreSQL)' : ''}; the bot creates its database when it first starts.`;
  }
  const where = maskUrl(cfg.databaseUrl);
  const pool = openPgPool(cfg.databaseUrl, { max: 1, statementTimeoutMs: 10_000 });
  try {
    const { rows } = await pool.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
    return rows[0]?.t
      ? null
      : `The database at ${where} (DATABASE_URL) has no Mesa de Ayuda tables. Check DATABASE_URL; the bot creates its tables when it first starts.`;
  } catch (err) {
    return `Cannot reach the database at ${where} (DATABASE_URL): ${(err as Error).message}`;
  } finally {
    await pool.end().catch(() => undefined);
  }
}
