/** Writing outbox items inside the caller's transaction (both engines): the delivery is committed with the change that causes it. */
import type { OutboxItem } from '../domain/ports';
import type { Sql } from './sql';

/** Rows per INSERT: well under both engines' limits on bound parameters. */
const BATCH = 500;

export async function insertOutbox(q: Sql, items: readonly OutboxItem[], at: Date): Promise<void> {
  if (!items.length) return;
  const iso = at.toISOString();
  // One statement per batch of rows (ids follow the items' order, which is the delivery order).
  for (let i = 0; i < items.length; i += BATCH) {
    const batch = items.slice(i, i + BATCH);
    await q.run(
      `INSERT INTO outbox (channel, pace_key, payload, ticket_id, next_attempt_at, created_at) VALUES ${batch.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`,
      batch.flatMap((it) => [it.channel, it.paceKey, JSON.stringify(it.payload), it.ticketId ?? null, iso, iso]),
    );
  }
}
