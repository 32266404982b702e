/**
 * botbuilder `Storage` on PostgreSQL with eTag optimistic concurrency, shared by every instance
 * (same contract as SqliteBotStorage: a stale eTag throws an "etag conflict" error).
 */
import { EtagConflictError } from '../sqlite-bot-storage';
import { pgTx, type PgPool } from './pg-db';

type StoreItems = Record<string, any>;

export class PgBotStorage {
  constructor(private readonly pool: PgPool) {}

  async read(keys: string[]): Promise<StoreItems> {
    const out: StoreItems = {};
    if (!keys.length) return out;
    const rows = (await this.pool.query<{ key: string; data: string; etag: number }>('SELECT key, data, etag FROM bot_state WHERE key = ANY($1::text[])', [keys])).rows;
    for (const r of rows) out[r.key] = { ...JSON.parse(r.data), eTag: String(r.etag) };
    return out;
  }

  async write(changes: StoreItems): Promise<void> {
    await pgTx(this.pool, async (c) => {
      // Sorted keys: two instances writing overlapping batches lock rows in the same order (no deadlock).
      for (const key of Object.keys(changes).sort()) {
        const { eTag, ...data } = (changes[key] ?? {}) as { eTag?: string };
        const json = JSON.stringify(data);
        let current = (await c.query<{ etag: number }>('SELECT etag FROM bot_state WHERE key = $1 FOR UPDATE', [key])).rows[0];
        if (!current) {
          // A new key is always written; if another instance inserted it meanwhile, this waits for its
          // commit, inserts nothing, and the eTag rules below apply to the row it wrote.
          const ins = await c.query(
            `INSERT INTO bot_state (key, etag, data, updated_at) VALUES ($1, 1, $2, now()) ON CONFLICT (key) DO NOTHING`,
            [key, json],
          );
          if (ins.rowCount === 1) continue;
          current = (await c.query<{ etag: number }>('SELECT etag FROM bot_state WHERE key = $1 FOR UPDATE', [key])).rows[0];
        }
        if (eTag && eTag !== '*' && String(current.etag) !== eTag) throw new EtagConflictError(key);
        await c.query('UPDATE bot_state SET etag = etag + 1, data = $2, updated_at = now() WHERE key = $1', [key, json]);
      }
    });
  }

  async delete(keys: string[]): Promise<void> {
    if (keys.length) await this.pool.query('DELETE FROM bot_state WHERE key = ANY($1::text[])', [keys]);
  }
}
