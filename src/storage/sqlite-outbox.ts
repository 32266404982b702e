import type { Db } from './db';
import type { OutboxItem } from '../domain/ports';

/** Inserts outbox items inside the caller's transaction (synchronous; see outbox-insert.ts for both engines). */
export function insertOutbox(db: Db, items: OutboxItem[], at: Date): void {
  if (!items.length) return;
  const stmt = db.prepare(
    `INSERT INTO outbox (channel, pace_key, payload, ticket_id, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const iso = at.toISOString();
  for (const it of items) stmt.run(it.channel, it.paceKey, JSON.stringify(it.payload), it.ticketId ?? null, iso, iso);
}
