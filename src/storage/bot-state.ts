/**
 * botbuilder `Storage` with eTag optimistic concurrency, on either engine (shared by every instance
 * on PostgreSQL), structurally typed so this folder does not import botbuilder. A write whose eTag is
 * stale throws an error whose message contains "etag conflict" (TeamsSSOTokenExchangeMiddleware
 * relies on that for de-duplication).
 */
import { placeholders, type Sql } from './sql';

type StoreItems = Record<string, any>;

export class EtagConflictError extends Error {
  override readonly name = 'EtagConflictError';
  constructor(key: string) {
    super(`Storage: etag conflict on key "${key}" (precondition is not met)`);
  }
}

export class SqlBotState {
  constructor(private readonly q: Sql) {}

  async read(keys: string[]): Promise<StoreItems> {
    const out: StoreItems = {};
    if (!keys.length) return out;
    const rows = await this.q.all<{ key: string; data: string; etag: number }>(
      `SELECT key, data, etag FROM bot_state WHERE key IN (${placeholders(keys)})`,
      keys,
    );
    for (const r of rows) out[r.key] = { ...JSON.parse(r.data), eTag: String(r.etag) };
    return out;
  }

  async write(changes: StoreItems): Promise<void> {
    await this.q.tx(async (t) => {
      // Sorted keys: two instances writing overlapping batches lock rows in the same order (no deadlock).
      for (const key of Object.keys(changes).sort()) {
        const { eTag, ...data } = (changes[key] ?? {}) as { eTag?: string };
        const json = JSON.stringify(data);
        const at = new Date();
        const current = () => t.one<{ etag: number }>(`SELECT etag FROM bot_state WHERE key = ?${t.forUpdate}`, [key]);
        let row = await current();
        if (!row) {
          // A new key is always written; if another instance inserted it meanwhile, this waits for its
          // commit, inserts nothing, and the eTag rules below apply to the row it wrote.
          const ins = await t.run(`INSERT INTO bot_state (key, etag, data, updated_at) VALUES (?, 1, ?, ?) ON CONFLICT (key) DO NOTHING`, [key, json, at]);
          if (ins.changes === 1) continue;
          row = (await current())!;
        }
        // Same semantics as botbuilder's in-memory storage: an existing key is overwritten by '*' or
        // no eTag, otherwise only by its exact current eTag.
        if (eTag && eTag !== '*' && String(row.etag) !== eTag) throw new EtagConflictError(key);
        await t.run('UPDATE bot_state SET etag = etag + 1, data = ?, updated_at = ? WHERE key = ?', [json, at, key]);
      }
    });
  }

  async delete(keys: string[]): Promise<void> {
    if (keys.length) await this.q.run(`DELETE FROM bot_state WHERE key IN (${placeholders(keys)})`, keys);
  }
}
