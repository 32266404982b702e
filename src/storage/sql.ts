/**
 * The small SQL port every repository is written against, once for both engines
 * (`engines/sqlite.ts`, `engines/postgres.ts`).
 *
 * - Placeholders are `?`, in order; the PostgreSQL engine numbers them.
 * - Arguments: a Date is sent as its ISO string, a boolean as 1 / 0, undefined as NULL.
 * - Results have one shape on both engines: times as ISO strings (`2026-12-02T04:15:00.000Z`),
 *   counts and ids as numbers, JSON as text, blobs as Buffers.
 * - `tx` runs a transaction: on SQLite `BEGIN IMMEDIATE`, and no other write of the process runs
 *   until it ends (writes outside wait their turn; reads outside go to a read-only connection and
 *   see only committed data; transactions queued behind it, and transactions and writes begun in the
 *   same turn of the event loop, share its commit, each resolved only after that commit); on
 *   PostgreSQL one pooled connection,
 *   retried on serialization failures and deadlocks. Inside, the `Sql` handed to the callback, and
 *   any call on the outer `Sql` made from within the callback, run in that transaction.
 * - The few engine-specific capabilities are named: `lock` (a transaction-scoped advisory lock),
 *   `forUpdate` / `skipLocked` (row-lock clauses, empty on SQLite, whose write transactions are exclusive).
 */
export type EngineName = 'sqlite' | 'postgres';

export interface RunResult {
  /** Rows inserted, updated or deleted. */
  changes: number;
}

export interface Sql {
  readonly engine: EngineName;
  /** Every row of a query. */
  all<T = Record<string, unknown>>(sql: string, args?: readonly unknown[]): Promise<T[]>;
  /** The first row, or undefined. */
  one<T = Record<string, unknown>>(sql: string, args?: readonly unknown[]): Promise<T | undefined>;
  /** A statement for its effect. */
  run(sql: string, args?: readonly unknown[]): Promise<RunResult>;
  /**
   * A statement whose loss in a power cut costs only a refetch (a cache of what Teams or the
   * directory says again on the next message), committed without waiting for the disk: on SQLite
   * with `synchronous = NORMAL` for this one commit (WAL: the next durable commit syncs it with
   * everything before it; the file stays consistent either way); on PostgreSQL as `run`. Inside a
   * transaction (or, on SQLite, while a group of transactions waits for its commit) it is part of
   * it, with the transaction's durability.
   */
  runRelaxed(sql: string, args?: readonly unknown[]): Promise<RunResult>;
  /**
   * Runs fn in one transaction (joins the current one when already inside). `group`: transactions
   * of this process with the same group name that queue up behind one another may share one
   * transaction and one commit, each in a savepoint of it (rolled back alone if it fails) and each
   * answered only once that commit is done. For transactions that queue on the same locks anyway
   * (filing: the history chain and the radicado counter), so that they wait for the disk once
   * together instead of once each. SQLite already groups every transaction (engines/sqlite.ts).
   */
  tx<T>(fn: (q: Sql) => Promise<T>, opts?: { group?: string }): Promise<T>;
  /**
   * Inside a transaction: waits for, then holds until commit, the locks named by `keys`, in that
   * order, in one statement (PostgreSQL `pg_advisory_xact_lock`). SQLite: nothing to do, its write
   * transactions already run one at a time.
   */
  lock(...keys: string[]): Promise<void>;
  /** ` FOR UPDATE` on PostgreSQL, empty on SQLite: append to a SELECT that reads rows it will change. */
  readonly forUpdate: string;
  /** ` FOR UPDATE SKIP LOCKED` on PostgreSQL, empty on SQLite: claim rows no other instance holds. */
  readonly skipLocked: string;
}

/** `?, ?, ?` for a list of values (an IN list); `NULL` for none, so `x IN (NULL)` matches nothing. */
export function placeholders(values: readonly unknown[]): string {
  return values.length ? values.map(() => '?').join(', ') : 'NULL';
}

/** The one shape of an argument on both engines. */
export function sqlArg(v: unknown): unknown {
  if (v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v;
}

/** Rewrites `?` placeholders as `$1, $2, …`, leaving quoted strings, identifiers and comments alone. */
export function numberPlaceholders(sql: string): string {
  return rewritePlaceholders(sql, (i) => `$${i + 1}`);
}

/**
 * Replaces each `?` placeholder outside quoted strings, identifiers and comments with what `replace`
 * gives for it (its position from 0, and the text before it, already rewritten).
 */
export function rewritePlaceholders(sql: string, replace: (index: number, before: string) => string): string {
  let out = '';
  let n = 0;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i];
    if (c === "'" || c === '"') {
      const end = sql.indexOf(c, i + 1);
      const stop = end < 0 ? sql.length : end + 1;
      out += sql.slice(i, stop);
      i = stop - 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end < 0 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop - 1;
    } else if (c === '?') {
      out += replace(n++, out);
    } else {
      out += c;
    }
  }
  return out;
}
