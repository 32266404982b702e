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

export class SqlQueues implements QueueRepository {
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
    return toQueue(row!);
  }

  async list() {
    return (await this.q.all<QueueRow>('SELECT * FROM support_queues ORDER BY id')).map(toQueue);
  }

  async forCategory(categoryId: string) {
    const r = await this.q.one<QueueRow>(
      'SELECT * FROM support_queues WHERE category_id = ? OR category_id IS NULL ORDER BY category_id IS NULL LIMIT 1',
      [categoryId],
    );
    return r ? toQueue(r) : null;
  }

  async byChannel(channelId: string) {
    return (await this.q.all<QueueRow>('SELECT * FROM support_queues WHERE channel_id = ? ORDER BY id', [channelId])).map(toQueue);
  }
}
