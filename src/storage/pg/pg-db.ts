/**
 * PostgreSQL connection pool, numbered migrations applied at start under an advisory lock (two
 * instances starting at once apply each migration exactly once), error mapping and the health probe.
 * Queries and transactions go through the SQL port (engines/postgres.ts).
 */
import pg from 'pg';
import { StorageUnavailableError, storageFailureCode } from '../../domain/errors';
import { MigrationError, type DatabaseState } from '../db';
import { pgMigrations } from './migrations';
import { RENAMED_MIGRATIONS } from '../migration-names';

export type PgPool = pg.Pool;
export type PgClient = pg.PoolClient;

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
  // Storage failures of autocommit queries become StorageUnavailableError, like SQLite's busy/full.
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
  (pool as { query: unknown }).query = (...args: unknown[]) => {
    if (typeof args[args.length - 1] === 'function') return query(...args);
    return query(...args).catch((err: unknown) => {
      throw asStorageError(err);
    });
  };
  return pool;
}

/** Messages of node-postgres errors that carry no code but mean the server is out of reach. */
const CONNECTION_LOST = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|is not currently accepting connections/i;
/** Network errors reaching the PostgreSQL server. */
const NETWORK = /^E(CONNREFUSED|CONNRESET|TIMEDOUT|HOSTUNREACH|NETUNREACH|PIPE|AI_AGAIN|NOTFOUND)$/;
const codeOf = (err: unknown): string | null => {
  const c = storageFailureCode(err);
  if (c) return c;
  const raw = (err as { code?: unknown } | null)?.code;
  return typeof raw === 'string' && NETWORK.test(raw) ? raw : null;
};

/**
 * A PostgreSQL (or network) failure meaning "the database cannot take this right now" as a
 * StorageUnavailableError; any other error (constraint, bug) unchanged.
 */
export function asStorageError(err: unknown): unknown {
  if (err instanceof StorageUnavailableError) return err;
  let code = codeOf(err);
  // A failed connect may come as an AggregateError (IPv4 and IPv6 both refused).
  const inner = (err as { errors?: unknown[] } | null)?.errors;
  if (!code && Array.isArray(inner)) code = inner.map(codeOf).find((c) => c) ?? null;
  if (!code && err instanceof Error && CONNECTION_LOST.test(err.message)) code = 'PG_CONNECTION';
  if (!code) return err;
  lastWrite.failure = { code, message: (err as Error).message || code, at: new Date() };
  return new StorageUnavailableError(code, (err as Error).message || code);
}

/** The last storage failure seen by this process (for /healthz; a lock timeout is not kept). */
const lastWrite: { failure?: { code: string; message: string; at: Date } } = {};

/**
 * A real probe for /healthz: a round trip that reads schema_migrations, then whether the server
 * accepts writes (not a read-only standby), then the last storage failure if it was a full disk
 * (a full disk shows only when writing). Never throws.
 */
export async function probePg(pool: PgPool, waitMs = 200): Promise<{ state: DatabaseState; code?: string; error?: string; migrations?: number }> {
  let migrations: number;
  try {
    const c = await pool.connect();
    try {
      await c.query(`SET statement_timeout = ${Math.max(50, Math.round(waitMs * 5))}`);
      migrations = (await c.query<{ n: number }>('SELECT count(*) AS n FROM schema_migrations')).rows[0].n;
      const ro = (await c.query<{ ro: string }>('SHOW transaction_read_only')).rows[0].ro;
      if (ro === 'on') return { state: 'error', code: '25006', error: 'the database accepts no writes (read-only)', migrations };
    } finally {
      await c.query('RESET statement_timeout').catch(() => undefined);
      c.release();
    }
  } catch (err) {
    const e = asStorageError(err) as Error & { storageCode?: string; code?: string };
    return { state: 'error', code: e.storageCode ?? e.code ?? 'unknown', error: (err as Error).message };
  }
  const last = lastWrite.failure;
  if (last && /^53100$/.test(last.code) && Date.now() - last.at.getTime() < 60_000) {
    return { state: 'full', code: last.code, error: `last write failed at ${last.at.toISOString()}: ${last.message}`, migrations };
  }
  return { state: 'ok', migrations };
}

/** Applies every pending migration in order, each in its own transaction; throws on failure. */
export async function migratePg(pool: PgPool): Promise<{ applied: string[] }> {
  const c = await pool.connect();
  const applied: string[] = [];
  try {
    // Session-level lock: a second instance starting now waits here, then finds nothing to do.
    await c.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await c.query(`CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)`);
    await renameOldMigrations(c);
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

/** schema_migrations rows under a migration's former name take its current one (one statement: atomic). */
async function renameOldMigrations(c: PgClient): Promise<void> {
  const pairs = Object.entries(RENAMED_MIGRATIONS);
  await c.query(
    `UPDATE schema_migrations s SET name = r.now FROM unnest($1::text[], $2::text[]) AS r (was, now) WHERE s.name = r.was`,
    [pairs.map(([was]) => was), pairs.map(([, now]) => now)],
  );
}

/**
 * Applies the pending migrations on a connection already inside a transaction, without the lock or
 * commits of migratePg: a dry run sees the current schema and rolls the migrations back with it.
 */
export async function migratePgWithin(c: PgClient): Promise<void> {
  await c.query(`CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)`);
  await renameOldMigrations(c);
  const done = new Set((await c.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name));
  for (const m of pgMigrations) {
    if (done.has(m.name)) continue;
    await m.up(c);
    await c.query('INSERT INTO schema_migrations (name, applied_at) VALUES ($1, now())', [m.name]);
  }
}
