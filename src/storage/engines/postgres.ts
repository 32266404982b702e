/**
 * The SQL port on a PostgreSQL pool. Outside a transaction each statement takes any pooled
 * connection (autocommit); a transaction holds one connection, and every statement issued from
 * within it (through the port, even the outer object) runs on that connection. Serialization
 * failures and deadlocks are retried a few times. Results are shaped like SQLite's: times as ISO
 * strings, bigint and numeric as numbers, JSON as text.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import { asStorageError, type PgClient, type PgPool } from '../pg/pg-db';
import { numberPlaceholders, sqlArg, type RunResult, type Sql } from '../sql';

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

/** Serialization failure, deadlock: the transaction may simply be run again. */
const RETRYABLE = new Set(['40001', '40P01']);
const ATTEMPTS = 6;

export class PgSql implements Sql {
  readonly engine = 'postgres' as const;
  readonly forUpdate = ' FOR UPDATE';
  readonly skipLocked = ' FOR UPDATE SKIP LOCKED';
  private readonly texts = new Map<string, string>();
  private readonly current = new AsyncLocalStorage<PgClient>();

  constructor(readonly pool: PgPool) {}

  async all<T>(sql: string, args: readonly unknown[] = []): Promise<T[]> {
    return (await this.query(sql, args)).rows as T[];
  }

  async one<T>(sql: string, args: readonly unknown[] = []): Promise<T | undefined> {
    return (await this.query(sql, args)).rows[0] as T | undefined;
  }

  async run(sql: string, args: readonly unknown[] = []): Promise<RunResult> {
    return { changes: (await this.query(sql, args)).rowCount ?? 0 };
  }

  async tx<T>(fn: (q: Sql) => Promise<T>): Promise<T> {
    if (this.current.getStore()) return fn(this);
    for (let attempt = 1; ; attempt++) {
      let c: PgClient;
      try {
        c = await this.pool.connect();
      } catch (err) {
        throw asStorageError(err);
      }
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
    if (!this.current.getStore()) throw new Error('lock() outside a transaction');
    await this.query('SELECT pg_advisory_xact_lock(hashtext(?))', [key]);
  }

  private async query(sql: string, args: readonly unknown[]) {
    let text = this.texts.get(sql);
    if (text === undefined) {
      text = numberPlaceholders(sql);
      if (this.texts.size > 2000) this.texts.clear();
      this.texts.set(sql, text);
    }
    const config = { text, values: args.map(sqlArg), types: TYPES };
    const client = this.current.getStore();
    try {
      return await (client ?? this.pool).query(config as pg.QueryConfig);
    } catch (err) {
      throw asStorageError(err);
    }
  }
}
