/** Writing outbox items inside the caller's transaction (both engines): the delivery is committed with the change that causes it. */
import type { OutboxItem } from '../domain/ports';
import type { Sql } from './sql';

/** Rows per INSERT: well under both engines' limits on bound parameters. */
const BATCH = 500;

/**
 * Outbox rows written by this process (every database it has open): after a turn that wrote some,
 * the dispatcher is woken (OutboxRepository.writes). A process-wide count can only wake it once too
 * often, never miss a write.
 */
let written = 0;
export const outboxWrites = () => written;

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
    written += batch.length;
  }
}
