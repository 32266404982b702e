/** Support queues (a channel per category, and one general queue), on either engine. */
import type { QueueRepository, SupportQueue } from '../domain/ports';
import { toQueue, type QueueRow } from './rows';
import type { EngineName, Sql } from './sql';

/**
 * The unique index "one queue per category, one general queue" is on an expression, and an upsert
 * must name it as the index does: SQLite's migration wrote ifnull(), PostgreSQL has only coalesce().
 */
const CATEGORY_KEY: Record<EngineName, string> = {
  sqlite: "(ifnull(category_id, '*'))",
  postgres: "((coalesce(category_id, '*')))",
};

/**
 * The queues are a handful of rows read on most turns (routing a filing, the gate's staff check, the
 * position): on SQLite they are kept in memory and read again only when this connection registers
 * one or another connection has committed anything since (`PRAGMA data_version`, ~1 µs). On
 * PostgreSQL other instances write without telling, so every read goes to the database.
 */
export class SqlQueues implements QueueRepository {
  private cached: { rows: SupportQueue[]; version: number } | null = null;
  /** Bumped by each registration: a read that overlapped one is not kept. */
  private generation = 0;
  constructor(private readonly q: Sql) {}

  async register(queue: Omit<SupportQueue, 'id'>) {
    // Registering a category's queue again moves it to this channel.
    const row = await this.q.one<QueueRow>(
      `INSERT INTO support_queues (tenant_id, team_id, channel_id, category_id, registered_by, created_at)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT ${CATEGORY_KEY[this.q.engine]} DO UPDATE SET tenant_id = excluded.tenant_id, team_id = excluded.team_id,
         channel_id = excluded.channel_id, registered_by = excluded.registered_by, created_at = excluded.created_at
       RETURNING *`,
      [queue.tenantId, queue.teamId, queue.channelId, queue.categoryId, queue.registeredBy, new Date()],
    );
    this.forget();
    return toQueue(row!);
  }

  async list() {
    return (await this.rows()).map((r) => ({ ...r }));
  }

  async forCategory(categoryId: string) {
    const rows = await this.rows();
    const hit = rows.find((r) => r.categoryId === categoryId) ?? rows.find((r) => r.categoryId === null);
    return hit ? { ...hit } : null;
  }

  async byChannel(channelId: string) {
    return (await this.rows()).filter((r) => r.channelId === channelId).map((r) => ({ ...r }));
  }

  /** Every queue in id order: from memory while nothing has changed (SQLite), else from the table. */
  private async rows(): Promise<SupportQueue[]> {
    if (this.q.engine !== 'sqlite') return this.read();
    const generation = this.generation;
    const version = (await this.q.one<{ data_version: number }>('PRAGMA data_version'))!.data_version;
    if (this.cached && this.cached.version === version) return this.cached.rows;
    const rows = await this.read();
    if (generation === this.generation) this.cached = { rows, version };
    return rows;
  }

  private forget() {
    this.generation++;
    this.cached = null;
  }

  private async read() {
    return (await this.q.all<QueueRow>('SELECT * FROM support_queues ORDER BY id')).map(toQueue);
  }
}
