/**
 * Which storage engine this test run uses: SQLite by default, PostgreSQL when MESA_TEST_DATABASE_URL
 * is set (`npm test` runs the suite once for each). Every caller gets its own fresh database.
 */
import path from 'node:path';
import pg from 'pg';
import type { Storage } from '../../src/storage';

export const PG_URL = process.env.MESA_TEST_DATABASE_URL || undefined;
export const ENGINE: 'sqlite' | 'postgres' = PG_URL ? 'postgres' : 'sqlite';
/** `describe` that runs only on the PostgreSQL pass. */
export const describePg = PG_URL ? describe : describe.skip;
/** `describe` that runs only on the SQLite pass (for what is inherently SQLite: pragmas, files). */
export const describeSqlite = PG_URL ? describe.skip : describe;

let seq = 0;

/** Creates an empty database on the test server and returns its URL. */
export async function createPgDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (!PG_URL) throw new Error('no MESA_TEST_DATABASE_URL');
  const name = `mesa_t${process.pid}_${Date.now().toString(36)}_${++seq}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE template0`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

const byDir = new Map<string, string>();

/**
 * Environment selecting the database of one app folder: DB_PATH in `dir` on SQLite, plus DATABASE_URL
 * on PostgreSQL — a fresh database the first time a folder is seen, the same one when an app restarts
 * on that folder. (The throwaway server and its databases go away at the end of the run.)
 */
export async function databaseEnv(dir: string, file = 'test.db'): Promise<Record<string, string>> {
  const env: Record<string, string> = { DB_PATH: path.join(dir, file) };
  if (!PG_URL) return env;
  const key = path.join(dir, file);
  if (!byDir.has(key)) byDir.set(key, (await createPgDatabase()).url);
  return { ...env, DATABASE_URL: byDir.get(key)! };
}

/**
 * Runs one SQL statement on either engine, written with `?` placeholders; returns the rows.
 * For tests that look at what is stored (counts, outbox rows) without a repository method for it.
 */
export async function sql<T = any>(storage: Storage, query: string, ...params: unknown[]): Promise<T[]> {
  try {
    // Through the storage's SQL port: on SQLite it waits for a transaction the app has open.
    return await storage.sql.all<T>(query, params);
  } catch (err) {
    // better-sqlite3 builds its errors with the SqliteError class of the first test file that loaded
    // the native addon: from another file's realm they fail `instanceof Error` in `rejects.toThrow`.
    if (storage.engine === 'sqlite' && !(err instanceof Error && err.constructor === Error)) {
      throw Object.assign(new Error((err as Error).message), { code: (err as { code?: string }).code });
    }
    throw err;
  }
}

/** The first column of the first row. */
export async function sqlValue<T = any>(storage: Storage, query: string, ...params: unknown[]): Promise<T> {
  const [row] = await sql<Record<string, unknown>>(storage, query, ...params);
  return (row ? Object.values(row)[0] : undefined) as T;
}

/** `it` that runs only on the SQLite pass (pragmas, a second process locking the file). */
export const itSqlite = PG_URL ? it.skip : it;
/** `it` that runs only on the PostgreSQL pass. */
export const itPg = PG_URL ? it : it.skip;

/** The SQLite handle of a storage, for tests that are inherently about SQLite. */
export function sqliteDb(storage: Storage): import('../../src/storage/db').Db {
  if (storage.engine !== 'sqlite') throw new Error('this test needs the SQLite engine');
  return storage.db;
}
