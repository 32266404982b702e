/**
 * botbuilder `Storage` on SQLite with eTag optimistic concurrency, structurally typed so this
 * folder does not import botbuilder. A write whose eTag is stale throws an error whose message
 * contains "etag conflict" (TeamsSSOTokenExchangeMiddleware relies on that for de-duplication).
 */
import type { Db } from './db';
import { immediate } from './db';

type StoreItems = Record<string, any>;

export class EtagConflictError extends Error {
  override readonly name = 'EtagConflictError';
  constructor(key: string) {
    super(`Storage: etag conflict on key "${key}" (precondition is not met)`);
  }
}

export class SqliteBotStorage {
  constructor(private readonly db: Db) {}

  async read(keys: string[]): Promise<StoreItems> {
    const out: StoreItems = {};
    const stmt = this.db.prepare('SELECT data, etag FROM bot_state WHERE key = ?');
    for (const key of keys) {
      const r = stmt.get(key) as { data: string; etag: number } | undefined;
      if (r) out[key] = { ...JSON.parse(r.data), eTag: String(r.etag) };
    }
    return out;
  }

  async write(changes: StoreItems): Promise<void> {
    immediate(this.db, () => {
      for (const [key, value] of Object.entries(changes)) {
        const { eTag, ...data } = (value ?? {}) as { eTag?: string };
        const current = this.db.prepare('SELECT etag FROM bot_state WHERE key = ?').get(key) as { etag: number } | undefined;
        // Same semantics as botbuilder's in-memory storage: a new key is always written; an existing key
        // is overwritten by '*' or no eTag, otherwise only by its exact current eTag.
        if (current && eTag && eTag !== '*' && String(current.etag) !== eTag) throw new EtagConflictError(key);
        const next = (current?.etag ?? 0) + 1;
        this.db
          .prepare(
            `INSERT INTO bot_state (key, etag, data, updated_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (key) DO UPDATE SET etag = excluded.etag, data = excluded.data, updated_at = excluded.updated_at`,
          )
          .run(key, next, JSON.stringify(data), new Date().toISOString());
      }
    });
  }

  async delete(keys: string[]): Promise<void> {
    const stmt = this.db.prepare('DELETE FROM bot_state WHERE key = ?');
    for (const k of keys) stmt.run(k);
  }
}
