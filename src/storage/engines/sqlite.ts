/**
 * The SQL port on one better-sqlite3 connection. Statements are prepared once and reused. A
 * transaction is `BEGIN IMMEDIATE` (the write lock first: no upgrade deadlocks with another process)
 * and holds the connection: a statement or transaction started elsewhere in the process meanwhile
 * waits for it to end, in arrival order, instead of slipping into it. Storage failures (busy past
 * busy_timeout, full disk, I/O) become StorageUnavailableError; the transaction was rolled back.
 *
 * Group commit: transactions that queue up behind one another share one write transaction (each
 * after the first a savepoint in it, rolled back alone if it fails) and one COMMIT — one wait for the
 * disk with synchronous FULL — and each is answered only once that commit is done. A statement from
 * outside a transaction never joins a group: the group commits before it runs.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type Database from 'better-sqlite3';
import { boundedMemo } from '../../domain/bounded-memo';
import { StorageUnavailableError, storageFailureCode } from '../../domain/errors';
import { writeHealthOf, type Db } from '../db';
import { rewritePlaceholders, sqlArg, type RunResult, type Sql } from '../sql';

/** At most this many transactions share one commit (group commit). */
const GROUP_COMMIT_MAX = 32;

/** More distinct statements than this (IN lists of many lengths) and the cache starts over. */
const STATEMENT_CACHE = 2000;

/** Which placeholders (by position, from 0) stand right after the word LIMIT, per statement text. */
const limitPlaceholders = boundedMemo(STATEMENT_CACHE, (sql) => {
  const out: number[] = [];
  rewritePlaceholders(sql, (i, before) => {
    if (/\bLIMIT\s*$/i.test(before)) out.push(i);
    return '?';
  });
  return out;
});

/**
 * Turns a raw row (an array, in column order) into an object keyed by column name, through a function
 * generated once per statement, so every row of it shares one object shape. Statements are our own
 * SQL, but the names are quoted anyway; a name the literal cannot hold (`__proto__`) gets a loop.
 */
type RowMaker = (row: unknown[]) => Record<string, unknown>;
const makers = new WeakMap<Database.Statement, { width: number; make: RowMaker }>();

function makerOf(s: Database.Statement, width: number): RowMaker {
  const known = makers.get(s);
  // The width guards against a statement SQLite prepared again after a schema change (SELECT *).
  if (known && known.width === width) return known.make;
  const names = s.columns().map((c) => c.name);
  const make: RowMaker = names.includes('__proto__')
    ? (row) => {
        const o: Record<string, unknown> = {};
        names.forEach((n, i) => Object.defineProperty(o, n, { value: row[i], enumerable: true, writable: true, configurable: true }));
        return o;
      }
    : (new Function('r', `return {${names.map((n, i) => `${JSON.stringify(n)}: r[${i}]`).join(', ')}};`) as RowMaker);
  makers.set(s, { width, make });
  return make;
}

function rowOf(s: Database.Statement, row: unknown[]): Record<string, unknown> {
  return makerOf(s, row.length)(row);
}

function rowsOf(s: Database.Statement, rows: unknown[][]): Record<string, unknown>[] {
  if (!rows.length) return [];
  const make = makerOf(s, rows[0].length);
  return rows.map(make);
}

/** A value safe to write into the text as a LIMIT. */
const isLimit = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

export class SqliteSql implements Sql {
  readonly engine = 'sqlite' as const;
  readonly forUpdate = '';
  readonly skipLocked = '';
  private readonly statements = new Map<string, Database.Statement>();
  /** The transaction (or exclusive section) holding the connection, if any. */
  private holder: symbol | null = null;
  private readonly waiting: { kind: 'tx' | 'other'; start: () => void }[] = [];
  /** The open write transaction of a group commit, and the members waiting for its commit. */
  private group: { members: { resolve: () => void; reject: (err: unknown) => void }[] } | null = null;
  private durableLevel: number | undefined;
  private readonly current = new AsyncLocalStorage<symbol>();

  constructor(readonly db: Db) {}

  all<T>(sql: string, args: readonly unknown[] = []): Promise<T[]> {
    return this.when(() => {
      const { s, values } = this.bound(sql, args);
      if (s.reader) return rowsOf(s, s.all(...values) as unknown[][]) as T[];
      s.run(...values);
      return [];
    });
  }

  one<T>(sql: string, args: readonly unknown[] = []): Promise<T | undefined> {
    return this.when(() => {
      const { s, values } = this.bound(sql, args);
      if (s.reader) {
        const row = s.get(...values) as unknown[] | undefined;
        return (row && rowOf(s, row)) as T | undefined;
      }
      s.run(...values);
      return undefined;
    });
  }

  run(sql: string, args: readonly unknown[] = []): Promise<RunResult> {
    return this.when(() => {
      const { s, values } = this.bound(sql, args);
      if (s.reader) {
        const rows = s.all(...values);
        return { changes: rows.length };
      }
      return { changes: s.run(...values).changes };
    });
  }

  runRelaxed(sql: string, args: readonly unknown[] = []): Promise<RunResult> {
    if (this.inside()) return this.run(sql, args);
    return this.when(() => {
      // The connection's own level, read once (only this engine changes it, and puts it back).
      const durable = (this.durableLevel ??= this.db.pragma('main.synchronous', { simple: true }) as number);
      // Only ever lowered from FULL (2) or EXTRA (3) to NORMAL (1) for this statement's own commit, then put back.
      if (durable > 1) this.statement('PRAGMA main.synchronous = NORMAL').run();
      try {
        const { s, values } = this.bound(sql, args);
        return { changes: s.run(...values).changes };
      } finally {
        if (durable > 1) this.statement(`PRAGMA main.synchronous = ${durable}`).run();
      }
    });
  }

  async tx<T>(fn: (q: Sql) => Promise<T>): Promise<T> {
    if (this.inside()) return fn(this);
    const me = Symbol('tx');
    await this.acquire(me, 'tx');
    const health = writeHealthOf(this.db);
    let out: T;
    try {
      out = await this.current.run(me, async () => {
        // The first of a group begins the transaction; each one that joins it is a savepoint inside it.
        const joining = this.group !== null;
        if (!joining) {
          this.statement('BEGIN IMMEDIATE').run();
          this.group = { members: [] };
        } else this.statement('SAVEPOINT member').run();
        try {
          const value = await fn(this);
          if (joining) this.statement('RELEASE member').run();
          return value;
        } catch (err) {
          if (!this.db.inTransaction) {
            // SQLite rolled the whole transaction back (a full disk, an I/O error): the group's too.
            this.failGroup(err);
          } else if (joining) {
            this.statement('ROLLBACK TO member').run();
            this.statement('RELEASE member').run();
          } else {
            // The first and only one so far: nothing else to keep.
            this.statement('ROLLBACK').run();
            this.group = null;
          }
          throw err;
        }
      });
    } catch (err) {
      this.endTurn(health);
      throw this.failure(err);
    }
    // Answered once the group's commit is on disk: never before.
    const committed = new Promise<void>((resolve, reject) => this.group!.members.push({ resolve, reject }));
    this.endTurn(health);
    await committed;
    return out;
  }

  /**
   * A member is done: while the next in line is another transaction (and the group is small), it
   * joins the open transaction, so one commit — one wait for the disk — serves them all; otherwise
   * the group commits now, and its members are answered.
   */
  private endTurn(health: ReturnType<typeof writeHealthOf>): void {
    const group = this.group;
    if (group && this.waiting[0]?.kind === 'tx' && group.members.length < GROUP_COMMIT_MAX) return this.release();
    if (group) {
      this.group = null;
      try {
        if (this.db.inTransaction) this.statement('COMMIT').run();
        health.lastSuccessAt = new Date();
        health.lastFailure = undefined;
        for (const m of group.members) m.resolve();
      } catch (err) {
        if (this.db.inTransaction) this.statement('ROLLBACK').run();
        this.failGroup(err, group);
      }
    }
    this.release();
  }

  /** The open transaction is gone: every member waiting for its commit learns it failed. */
  private failGroup(err: unknown, group = this.group): void {
    this.group = null;
    const failure = this.failure(err);
    for (const m of group?.members ?? []) m.reject(failure);
  }

  async lock(_key: string): Promise<void> {
    if (!this.inside()) throw new Error('lock() outside a transaction');
  }

  /**
   * Runs synchronous work on the raw connection while no transaction of this process is open (a
   * health probe that takes the write lock, a read snapshot over several statements).
   */
  async exclusive<T>(fn: (db: Db) => T): Promise<T> {
    if (this.inside()) return fn(this.db);
    const me = Symbol('exclusive');
    await this.acquire(me, 'other');
    try {
      return fn(this.db);
    } finally {
      this.release();
    }
  }

  private inside(): boolean {
    return this.holder !== null && this.current.getStore() === this.holder;
  }

  /** Runs a statement now (inside the holding transaction, or when the connection is free) or in turn. */
  private when<T>(work: () => T): Promise<T> {
    if (this.holder === null || this.inside()) {
      try {
        return Promise.resolve(work());
      } catch (err) {
        return Promise.reject(this.failure(err));
      }
    }
    return this.exclusive(() => {
      try {
        return work();
      } catch (err) {
        throw this.failure(err);
      }
    });
  }

  private acquire(me: symbol, kind: 'tx' | 'other'): Promise<void> {
    if (this.holder === null) {
      this.holder = me;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push({ kind, start: () => ((this.holder = me), resolve()) }));
  }

  private release(): void {
    this.holder = null;
    const next = this.waiting.shift();
    if (next) next.start();
  }

  /**
   * The prepared statement and its values. A `LIMIT ?` is written into the text as its number:
   * SQLite marks a statement whose LIMIT is a bound value to be prepared again each time it is bound
   * (measured: ~22 µs per run, more than the read itself), and the limits are a handful of constants.
   */
  private bound(sql: string, args: readonly unknown[]): { s: Database.Statement; values: unknown[] } {
    const slots = limitPlaceholders(sql);
    if (slots.length && slots.every((i) => isLimit(args[i]))) {
      const text = rewritePlaceholders(sql, (i) => (slots.includes(i) ? String(args[i]) : '?'));
      return { s: this.statement(text), values: args.filter((_, i) => !slots.includes(i)).map(sqlArg) };
    }
    return { s: this.statement(sql), values: args.map(sqlArg) };
  }

  private statement(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      if (this.statements.size >= STATEMENT_CACHE) this.statements.clear();
      s = this.db.prepare(sql);
      // Rows come back as arrays and become objects here (see rowOf): half the cost of better-sqlite3
      // building each object itself (15 ticket rows of 51 columns: 125 µs that way, 68 µs this way).
      if (s.reader) s.raw(true);
      this.statements.set(sql, s);
    }
    return s;
  }

  private failure(err: unknown): unknown {
    const code = storageFailureCode(err);
    if (!code) return err;
    if (err instanceof StorageUnavailableError) return err;
    writeHealthOf(this.db).lastFailure = { code, message: (err as Error).message, at: new Date() };
    return new StorageUnavailableError(code, (err as Error).message);
  }
}
