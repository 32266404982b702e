/**
 * PostgreSQL connection pool, numbered migrations applied at start under an advisory lock (two
 * instances starting at once apply each migration exactly once), and one transaction helper.
 */
import pg from 'pg';
import { MigrationError } from '../db';
import { pgMigrations } from './migrations';

export type PgPool = pg.Pool;
export type PgClient = pg.PoolClient;
/** Anything that runs a query: the pool (autocommit) or a client inside a transaction. */
export type PgQueryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/** Arbitrary constant: the advisory lock every instance takes while migrating. */
const MIGRATION_LOCK = 7_242_001;

// bigint (count(*), identity ids) as a JS number: ids and counts stay far below 2^53.
const types = {
  getTypeParser(oid: number, format?: any) {
    if (oid === pg.types.builtins.INT8) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
};

export interface OpenPgOptions {
  max?: number;
  /** Milliseconds a statement may run (protects the pool from a stuck query). */
  statementTimeoutMs?: number;
}

/** Creates the pool; connections are opened lazily on first use. */
export function openPgPool(url: string, opts: OpenPgOptions = {}): PgPool {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    types: types as any,
    statement_timeout: opts.statementTimeoutMs ?? 30_000,
    application_name: 'mesa-de-ayuda',
  });
  // An idle client losing its connection (server restart) must not kill the process; the pool replaces it.
  pool.on('error', () => undefined);
  return pool;
}

/** Applies every pending migration in order, each in its own transaction; throws on failure. */
export async function migratePg(pool: PgPool): Promise<{ applied: string[] }> {
  const c = await pool.connect();
  const applied: string[] = [];
  try {
    // Session-level lock: a second instance starting now waits here, then finds nothing to do.
    await c.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await c.query(`CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)`);
    const done = new Set((await c.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name));
    for (const m of pgMigrations) {
      if (done.has(m.name)) continue;
      try {
        await c.query('BEGIN');
        await m.up(c);
        await c.query('INSERT INTO schema_migrations (name, applied_at) VALUES ($1, now())', [m.name]);
        await c.query('COMMIT');
        applied.push(m.name);
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw new MigrationError(m.name, err);
      }
    }
  } finally {
    await c.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    c.release();
  }
  return { applied };
}

/**
 * Runs fn in a transaction on one pooled connection. Serialization failures and deadlocks (possible
 * when several instances touch the same rows) are retried a few times.
 */
export async function pgTx<T>(pool: PgPool, fn: (c: PgClient) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      const code = (err as { code?: string }).code;
      if ((code === '40001' || code === '40P01') && attempt < 5) continue;
      throw err;
    } finally {
      c.release();
    }
  }
}

/** True for a unique-constraint violation (optionally on one constraint). */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string };
  return e?.code === '23505' && (!constraint || e.constraint === constraint);
}
