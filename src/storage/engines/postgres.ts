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
/** At most this many transactions share one commit (tx's `group`). */
const GROUP_MAX = 16;

/** A group member's lock is held elsewhere: it waits for the next group instead (see lock()). */
class LockBusy extends Error {}

/** A transaction waiting to join its group's transaction. */
interface Member {
  fn: (q: Sql) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  attempts: number;
}

export class PgSql implements Sql {
  readonly engine = 'postgres' as const;
  readonly forUpdate = ' FOR UPDATE';
  readonly skipLocked = ' FOR UPDATE SKIP LOCKED';
  private readonly texts = new Map<string, string>();
  private readonly current = new TxContext<PgClient>();
  /** tx's groups with a transaction running: the members waiting to join it. */
  private readonly groups = new Map<string, Member[]>();
  /** The connections of group transactions while a member after the first runs (lock() only tries). */
  private readonly joined = new Set<PgClient>();

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

  async tx<T>(fn: (q: Sql) => Promise<T>, opts: { group?: string } = {}): Promise<T> {
    if (this.current.get() || this.pinned) return fn(this);
    if (opts.group) return this.inGroup(opts.group, fn);
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

  /**
   * Group commit (tx's `group`): the first transaction of a group begins one on its own connection;
   * those that arrive meanwhile queue and run after it in the same transaction, one after another,
   * each in a savepoint (one round trip between members: RELEASE and the next SAVEPOINT together);
   * once the queue is empty (or GROUP_MAX have run) one COMMIT, then each member is answered. A
   * member that fails is rolled back to its savepoint and rejected alone (run again first after a
   * deadlock or a serialization failure); if the transaction itself is lost (its COMMIT failed, the
   * connection broke) its members are run again in the same cases, else they fail with it.
   */
  private inGroup<T>(name: string, fn: (q: Sql) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let queue = this.groups.get(name);
      const member: Member = { fn, resolve: resolve as (v: unknown) => void, reject, attempts: 0 };
      if (queue) {
        queue.push(member);
        return;
      }
      queue = [member];
      this.groups.set(name, queue);
      void this.runGroup(name, queue);
    });
  }

  private async runGroup(name: string, queue: Member[]): Promise<void> {
    const retryable = (err: unknown) => RETRYABLE.has((err as { code?: string } | null)?.code ?? '');
    while (queue.length) {
      let c: PgClient;
      try {
        c = await this.connect();
      } catch (err) {
        for (const m of queue.splice(0)) m.reject(err);
        break;
      }
      const done: { m: Member; value: unknown }[] = [];
      const aside: Member[] = [];
      let running: Member | null = null;
      try {
        await c.query('BEGIN; SAVEPOINT member');
        for (let ran = 0; queue.length && ran < GROUP_MAX; ran++) {
          const m = (running = queue.shift()!);
          m.attempts++;
          if (ran > 0) this.joined.add(c);
          try {
            done.push({ m, value: await this.current.run(c, () => m.fn(this)) });
            running = null;
            // The next member's savepoint (a released one stays part of the transaction).
            if (queue.length && ran + 1 < GROUP_MAX) await c.query('RELEASE SAVEPOINT member; SAVEPOINT member');
          } catch (err) {
            await c.query('ROLLBACK TO SAVEPOINT member');
            running = null;
            if (err instanceof LockBusy) {
              // Set aside: it begins the next group; those behind it go on in this one.
              m.attempts--;
              aside.push(m);
              continue;
            }
            if (retryable(err) && m.attempts < ATTEMPTS) queue.unshift(m);
            else m.reject(asStorageError(err));
          } finally {
            this.joined.delete(c);
          }
        }
        await c.query('COMMIT');
        c.release();
      } catch (err) {
        // The transaction is gone (its commit failed, or the connection): its members are run again
        // after a deadlock or a serialization failure, else they fail with it. Its connection is not
        // given back to the pool; if it could not even begin, every member waiting fails with it.
        await c.query('ROLLBACK').catch(() => undefined);
        c.release(err instanceof Error ? err : new Error(String(err)));
        if (!running && !done.length) {
          for (const m of [...aside.splice(0), ...queue.splice(0)]) m.reject(asStorageError(err));
          break;
        }
        const lost = [...done.map((d) => d.m), ...(running ? [running] : [])];
        done.length = 0;
        const again = lost.filter((m) => retryable(err) && m.attempts < ATTEMPTS);
        for (const m of lost) if (!again.includes(m)) m.reject(asStorageError(err));
        queue.unshift(...again);
      }
      queue.unshift(...aside);
      for (const d of done) d.m.resolve(d.value);
    }
    this.groups.delete(name);
  }

  async lock(...keys: string[]): Promise<void> {
    const c = this.current.get();
    if (!c && !this.pinned) throw new Error('lock() outside a transaction');
    if (!keys.length) return;
    if (c && this.joined.has(c)) {
      // A member after the first of a group: its transaction already holds the locks the first one
      // took after these (the chain, the counter), so waiting here could deadlock with another
      // instance taking them in order. Free, they are taken; one held elsewhere, the group commits
      // without this member (its savepoint rolled back lets go of any it took), which then begins
      // the next group, waiting while it holds nothing.
      const got = await this.one<{ ok: boolean }>(`SELECT ${keys.map(() => 'pg_try_advisory_xact_lock(hashtext(?))').join(' AND ')} AS ok`, keys);
      if (!got?.ok) throw new LockBusy();
      return;
    }
    // The target list is computed left to right: the locks are taken in the order given.
    await this.query(`SELECT ${keys.map(() => 'pg_advisory_xact_lock(hashtext(?))').join(', ')}`, keys);
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
