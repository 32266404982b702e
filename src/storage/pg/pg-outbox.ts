import type { OutboxItem } from '../../domain/ports';
import type { PgQueryable } from './pg-db';

/** Inserts outbox items inside the caller's transaction (see outbox-insert.ts for both engines). */
export async function insertOutboxPg(c: PgQueryable, items: OutboxItem[], at: Date): Promise<void> {
  if (!items.length) return;
  await c.query(
    `INSERT INTO outbox (channel, pace_key, payload, ticket_id, next_attempt_at, created_at)
     SELECT channel, pace_key, payload, ticket_id, $5, $5
     FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS i (channel, pace_key, payload, ticket_id)`,
    [items.map((i) => i.channel), items.map((i) => i.paceKey), items.map((i) => JSON.stringify(i.payload)), items.map((i) => i.ticketId ?? null), at],
  );
}
