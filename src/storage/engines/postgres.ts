/**
 * The SQL port on a PostgreSQL pool. Outside a transaction each statement takes any pooled
 * connection (autocommit); a transaction holds one connection, and every statement issued from
 * within it (through the port, even the outer object) runs on that connection. Serialization
 * failures and deadlocks are retried a few times. Results are shaped like SQLite's: times as ISO
 * strings, bigint and numeric as numbers, JSON as text.
 */
import pg from 'pg';
import { asStorageError, type PgClient, type PgPool } from '../pg/pg-db';
import { numberPlaceholders, sqlArg, type RunResult, type Sql } from '../sql';
import { TxContext } from './tx-context';

const { builtins } = pg.types;
const parseTimestamp = pg.types.getTypeParser(builtins.TIMESTAMPTZ) as (v: string) => Date;
const TYPES = {
  getTypeParser(oid: number, format?: any) {
    switch (oid) {
      case builtins.TIMESTAMPTZ:
      case builtins.TIMESTAMP:
        return (v: string) => {
          const d = parseTimestamp(v);
          return Number.isNaN(d.getTime()) ? v : d.toISOString();
        };
      case builtins.INT8:
      case builtins.NUMERIC:
        return (v: string) => Number(v);
      case builtins.JSON:
      case builtins.JSONB:
        return (v: string) => v;
      default:
        return pg.types.getTypeParser(oid, format);
    }
  },
};

/** A transaction held open across calls until rolled back (PgSql.session). */
export interface PgSession {
  /** The port inside the open transaction. */
  readonly sql: PgSql;
  /** Its connection, for work below the port (migrations applied inside the transaction). */
  readonly client: PgClient;
  rollback(): Promise<void>;
}

/** Serialization failure, deadlock: the transaction may simply be run again. */
const RETRYABLE = new Set(['40001', '40P01']);
const ATTEMPTS = 6;

export class PgSql implements Sql {
  readonly engine = 'postgres' as const;
  readonly forUpdate = ' FOR UPDATE';
  readonly skipLocked = ' FOR UPDATE SKIP LOCKED';
  private readonly texts = new Map<string, string>();
  private readonly current = new TxContext<PgClient>();

  /** `pinned`: the connection of an open session (see session()); every statement runs on it. */
  constructor(readonly pool: PgPool, private readonly pinned: PgClient | null = null) {}

  async all<T>(sql: string, args: readonly unknown[] = []): Promise<T[]> {
    return (await this.query(sql, args)).rows as T[];
  }

  async one<T>(sql: string, args: readonly unknown[] = []): Promise<T | undefined> {
    return (await this.query(sql, args)).rows[0] as T | undefined;
  }

  async run(sql: string, args: readonly unknown[] = []): Promise<RunResult> {
    return { changes: (await this.query(sql, args)).rowCount ?? 0 };
  }

  runRelaxed(sql: string, args: readonly unknown[] = []): Promise<RunResult> {
    return this.run(sql, args);
  }

  async tx<T>(fn: (q: Sql) => Promise<T>): Promise<T> {
    if (this.current.get() || this.pinned) return fn(this);
    for (let attempt = 1; ; attempt++) {
      const c = await this.connect();
      try {
        await c.query('BEGIN');
        const out = await this.current.run(c, () => fn(this));
        await c.query('COMMIT');
        return out;
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        if (RETRYABLE.has((err as { code?: string }).code ?? '') && attempt < ATTEMPTS) continue;
        throw asStorageError(err);
      } finally {
        c.release();
      }
    }
  }

  async lock(key: string): Promise<void> {
    if (!this.current.get() && !this.pinned) throw new Error('lock() outside a transaction');
    await this.query('SELECT pg_advisory_xact_lock(hashtext(?))', [key]);
  }

  /**
   * Opens a transaction that spans many calls and is never committed: everything run through the
   * session's `sql` (its tx() joins the open transaction) is undone by rollback(). For a dry run
   * across several batches; the owner must call rollback(), which also returns the connection.
   */
  async session(): Promise<PgSession> {
    const c = await this.connect();
    try {
      await c.query('BEGIN');
    } catch (err) {
      c.release(err as Error);
      throw asStorageError(err);
    }
    let open = true;
    return {
      sql: new PgSql(this.pool, c),
      client: c,
      async rollback() {
        if (!open) return;
        open = false;
        try {
          await c.query('ROLLBACK');
          c.release();
        } catch (err) {
          // A connection that cannot roll back is discarded, not returned to the pool.
          c.release(err as Error);
          throw asStorageError(err);
        }
      },
    };
  }

  private async connect(): Promise<PgClient> {
    try {
      return await this.pool.connect();
    } catch (err) {
      throw asStorageError(err);
    }
  }

  private async query(sql: string, args: readonly unknown[]) {
    let text = this.texts.get(sql);
    if (text === undefined) {
      text = numberPlaceholders(sql);
      if (this.texts.size > 2000) this.texts.clear();
      this.texts.set(sql, text);
    }
    const config = { text, values: args.map(sqlArg), types: TYPES };
    const client = this.current.get() ?? this.pinned;
    try {
      return await (client ?? this.pool).query(config as pg.QueryConfig);
    } catch (err) {
      throw asStorageError(err);
    }
  }
}
