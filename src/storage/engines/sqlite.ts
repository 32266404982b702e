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
 * outside a transaction waits for the one in progress, and the group commits before it runs.
 *
 * With a read connection (a database file in WAL mode; not `:memory:`), reads from outside a
 * transaction go to it and see only what is committed, without waiting for a transaction in
 * progress; so the commit of a group can wait for the rest of this turn of the event loop
 * (setImmediate): the transactions that requests arriving in that turn begin join it, and so do
 * writes from outside a transaction (each answered after the commit, as if it had committed alone),
 * instead of each waiting for the disk on its own. A section that needs the connection alone
 * (`exclusive`) commits the group first. Measured (quick bench, 2 cores): ticket creation 465–467 /
 * 488–505 → 597–615 / 936–957 filings/s at c=8 / c=32, about one commit for every four filings.
 */
import type Database from 'better-sqlite3';
import { boundedMemo } from '../../domain/bounded-memo';
import { StorageUnavailableError, storageFailureCode } from '../../domain/errors';
import { writeHealthOf, type Db } from '../db';
import { rewritePlaceholders, sqlArg, type RunResult, type Sql } from '../sql';
import { TxContext } from './tx-context';

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

/** A query (not a pragma, not a write with RETURNING): what the read connection may run. */
const isSelect = (sql: string) => /^\s*(SELECT|WITH)\b/i.test(sql);

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
  private group: { members: { resolve: () => void; reject: (err: unknown) => void }[]; health: ReturnType<typeof writeHealthOf> } | null = null;
  /** A commit of the open group is scheduled for the end of this turn of the event loop. */
  private commitScheduled = false;
  private readonly readStatements = new Map<string, Database.Statement>();
  private durableLevel: number | undefined;
  private readonly current = new TxContext<symbol>();

  /** `reader`: a read-only connection to the same file (see above); none for `:memory:`. */
  constructor(
    readonly db: Db,
    private readonly reader: Db | null = null,
  ) {}

  all<T>(sql: string, args: readonly unknown[] = []): Promise<T[]> {
    return this.query(sql, args, (s, values) => {
      if (s.reader) return rowsOf(s, s.all(...values) as unknown[][]) as T[];
      s.run(...values);
      return [];
    });
  }

  one<T>(sql: string, args: readonly unknown[] = []): Promise<T | undefined> {
    return this.query(sql, args, (s, values) => {
      if (s.reader) {
        const row = s.get(...values) as unknown[] | undefined;
        return (row && rowOf(s, row)) as T | undefined;
      }
      s.run(...values);
      return undefined;
    });
  }

  /**
   * A query from outside a transaction that only reads runs at once: a SELECT on the read connection
   * (committed data only), a pragma that reads on this one without committing an open group (it
   * reads the connection's own state). Anything else runs in turn, as `when` says.
   */
  private query<T>(sql: string, args: readonly unknown[], work: (s: Database.Statement, values: unknown[]) => T): Promise<T> {
    let bound: { s: Database.Statement; values: unknown[] };
    try {
      bound = this.bound(sql, args);
      const { s, values } = bound;
      if (this.reader && s.readonly && !this.inside()) {
        if (isSelect(s.source)) return Promise.resolve(work(this.readStatement(s.source), values));
        if (this.holder === null) return Promise.resolve(work(s, values));
      }
    } catch (err) {
      return Promise.reject(this.failure(err));
    }
    return this.when(() => work(bound.s, bound.values));
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
    // Inside a transaction, or joining a group waiting for its commit: part of it, durably.
    if (this.inside() || this.joinable()) return this.run(sql, args);
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
          this.group = { members: [], health };
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
      this.endTurn();
      throw this.failure(err);
    }
    // Answered once the group's commit is on disk: never before.
    const committed = new Promise<void>((resolve, reject) => this.group!.members.push({ resolve, reject }));
    this.endTurn();
    await committed;
    return out;
  }

  /**
   * A member is done: while the next in line is another transaction (and the group is small), it
   * joins the open transaction, so one commit — one wait for the disk — serves them all. With nobody
   * in line and a read connection, the group stays open until the end of this turn of the event loop
   * for transactions still to come; otherwise it commits now, and its members are answered.
   */
  private endTurn(): void {
    const group = this.group;
    const room = group !== null && group.members.length < GROUP_COMMIT_MAX;
    if (room && this.waiting[0]?.kind === 'tx') return this.release();
    if (room && this.reader && this.waiting.length === 0) {
      if (!this.commitScheduled) {
        this.commitScheduled = true;
        setImmediate(() => {
          this.commitScheduled = false;
          // A transaction holding the connection has joined the group: its own end commits it.
          if (this.holder === null) this.commitGroup();
        });
      }
      return this.release();
    }
    this.commitGroup();
    this.release();
  }

  /** A group's transaction is open, waiting for the end of this turn to commit, and nobody holds the connection. */
  private joinable(): boolean {
    return this.group !== null && this.holder === null && !this.inside();
  }

  /**
   * A statement from outside a transaction, while a group waits for its commit: it runs in the
   * group's transaction (a failing statement undoes only itself) and is answered after that commit,
   * like any member — the same durability and visibility as committing on its own, one wait less.
   */
  private joinGroup<T>(work: () => T): Promise<T> {
    const group = this.group!;
    let value: T;
    try {
      value = work();
    } catch (err) {
      // SQLite rolled the whole transaction back (a full disk, an I/O error): the group's too.
      if (!this.db.inTransaction) this.failGroup(err, group);
      return Promise.reject(this.failure(err));
    }
    return new Promise<T>((resolve, reject) => group.members.push({ resolve: () => resolve(value), reject }));
  }

  /** Commits the open group, if any, and answers its members (or tells them it failed). */
  private commitGroup(): void {
    const group = this.group;
    if (!group) return;
    this.group = null;
    try {
      if (this.db.inTransaction) this.statement('COMMIT').run();
      group.health.lastSuccessAt = new Date();
      group.health.lastFailure = undefined;
      for (const m of group.members) m.resolve();
    } catch (err) {
      try {
        if (this.db.inTransaction) this.statement('ROLLBACK').run();
      } catch {
        // SQLite gives up the transaction itself when even the rollback fails; the members learn why.
      }
      this.failGroup(err, group);
    }
  }

  /** Commits a group still open (the storage is closing): every member is answered. */
  settle(): void {
    if (this.holder === null) this.commitGroup();
  }

  /** The open transaction is gone: every member waiting for its commit learns it failed. */
  private failGroup(err: unknown, group = this.group): void {
    this.group = null;
    const failure = this.failure(err);
    for (const m of group?.members ?? []) m.reject(failure);
  }

  async lock(..._keys: string[]): Promise<void> {
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
      // Not part of a group still open: that commits first.
      this.commitGroup();
      return fn(this.db);
    } finally {
      this.release();
    }
  }

  private inside(): boolean {
    return this.holder !== null && this.current.get() === this.holder;
  }

  /** Runs a statement now (inside the holding transaction, or when the connection is free) or in turn. */
  private when<T>(work: () => T): Promise<T> {
    if (this.joinable()) return this.joinGroup(work);
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

  /** The same statement on the read connection, prepared once. */
  private readStatement(sql: string): Database.Statement {
    let s = this.readStatements.get(sql);
    if (!s) {
      if (this.readStatements.size >= STATEMENT_CACHE) this.readStatements.clear();
      s = this.reader!.prepare(sql);
      if (s.reader) s.raw(true);
      this.readStatements.set(sql, s);
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
