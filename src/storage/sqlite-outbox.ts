import type { Db } from './db';
import { DEFAULT_OUTBOX_LEASE_MS } from '../domain/delivery';
import { immediate } from './db';
import type { OutboxItem, OutboxRecord, OutboxRepository } from '../domain/ports';

/** Inserts outbox items inside the caller's transaction. */
export function insertOutbox(db: Db, items: OutboxItem[], at: Date): void {
  if (!items.length) return;
  const stmt = db.prepare(
    `INSERT INTO outbox (channel, pace_key, payload, ticket_id, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const iso = at.toISOString();
  for (const it of items) stmt.run(it.channel, it.paceKey, JSON.stringify(it.payload), it.ticketId ?? null, iso, iso);
}

interface Row {
  id: number;
  channel: 'teams' | 'mail';
  pace_key: string;
  payload: string;
  ticket_id: number | null;
  attempts: number;
  created_at: string;
}

/**
 * SQLite serves one instance, so claims (leases) are kept in memory: an item returned by due() is not
 * returned again until it is marked, released, or its lease expires (renewed while its delivery runs).
 */
export class SqliteOutboxRepository implements OutboxRepository {
  private readonly dueStmt;
  private readonly leases = new Map<number, number>();
  constructor(private readonly db: Db, readonly leaseMs = DEFAULT_OUTBOX_LEASE_MS) {
    // Only the head of each pace key is due: later deliveries for a conversation wait for the
    // earlier ones, so a thread's messages arrive in order even across retries.
    this.dueStmt = db.prepare(`
      SELECT o.* FROM outbox o
      JOIN (SELECT pace_key, min(id) AS id FROM outbox WHERE status = 'pending' GROUP BY pace_key) h ON h.id = o.id
      WHERE o.next_attempt_at <= ? ORDER BY o.id LIMIT ?`);
  }

  async enqueue(items: OutboxItem[]) {
    insertOutbox(this.db, items, new Date());
  }

  async due(now: Date, limit: number): Promise<OutboxRecord[]> {
    const t = now.getTime();
    for (const [id, until] of this.leases) if (until <= t) this.leases.delete(id);
    const rows = (this.dueStmt.all(now.toISOString(), limit + this.leases.size) as Row[]).filter((r) => !this.leases.has(r.id)).slice(0, limit);
    for (const r of rows) this.leases.set(r.id, t + this.leaseMs);
    return rows.map((r) => ({
      id: r.id,
      channel: r.channel,
      paceKey: r.pace_key,
      payload: JSON.parse(r.payload),
      ticketId: r.ticket_id ?? undefined,
      attempts: r.attempts,
      createdAt: new Date(r.created_at),
    }));
  }

  async release(ids: number[]) {
    for (const id of ids) this.leases.delete(id);
  }

  async renew(ids: number[], now: Date) {
    // Only claims still held: a released or marked item has no lease to extend.
    const until = now.getTime() + this.leaseMs;
    for (const id of ids) if (this.leases.has(id)) this.leases.set(id, until);
  }

  async markSent(id: number, at: Date) {
    this.leases.delete(id);
    this.db.prepare(`UPDATE outbox SET status = 'sent', attempts = attempts + 1, done_at = ? WHERE id = ?`).run(at.toISOString(), id);
  }

  async markRetry(id: number, nextAttemptAt: Date, error: string) {
    this.leases.delete(id);
    this.db
      .prepare(`UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?`)
      .run(nextAttemptAt.toISOString(), error.slice(0, 500), id);
  }

  async markFailed(id: number, error: string, at: Date) {
    this.leases.delete(id);
    this.db
      .prepare(`UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ?, done_at = ? WHERE id = ?`)
      .run(error.slice(0, 500), at.toISOString(), id);
  }

  async backlog() {
    const r = this.db
      .prepare(
        `SELECT count(*) AS pending, min(created_at) AS oldest,
           (SELECT count(*) FROM outbox WHERE status = 'failed') AS failed,
           (SELECT last_error FROM outbox WHERE status = 'pending' AND last_error IS NOT NULL ORDER BY id DESC LIMIT 1) AS lastError
         FROM outbox WHERE status = 'pending'`,
      )
      .get() as { pending: number; oldest: string | null; failed: number; lastError: string | null };
    return { pending: r.pending, oldestPendingAt: r.oldest ? new Date(r.oldest) : null, failed: r.failed, lastError: r.lastError };
  }

  async enqueueCoalesced(items: OutboxItem[], inFlight: number[]) {
    const at = new Date().toISOString();
    const skip = inFlight.length ? ` AND id NOT IN (${inFlight.map(() => '?').join(',')})` : '';
    const pending = this.db.prepare(
      `SELECT 1 FROM outbox WHERE status = 'pending' AND pace_key = ? AND ticket_id IS ? AND payload = ?${skip} LIMIT 1`,
    );
    const insert = this.db.prepare(
      `INSERT INTO outbox (channel, pace_key, payload, ticket_id, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
    );
    return immediate(this.db, () => {
      let added = 0;
      for (const it of items) {
        const payload = JSON.stringify(it.payload);
        if (pending.get(it.paceKey, it.ticketId ?? null, payload, ...inFlight)) continue;
        insert.run(it.channel, it.paceKey, payload, it.ticketId ?? null, at, at);
        added++;
      }
      return added;
    });
  }

  async hasPendingReply(paceKey: string) {
    return !!this.db
      .prepare(`SELECT 1 FROM outbox WHERE pace_key = ? AND status = 'pending' AND payload LIKE '{"type":"turn_reply"%' LIMIT 1`)
      .get(paceKey);
  }

  async pendingCount() {
    return (this.db.prepare(`SELECT count(*) AS n FROM outbox WHERE status = 'pending'`).get() as { n: number }).n;
  }
}
