/**
 * The outbox on PostgreSQL, shared by every instance. `due()` claims the head of each pace key with
 * `FOR UPDATE SKIP LOCKED` and stamps a lease: no other instance takes a claimed item until it is
 * marked (sent, retry, failed) or the lease expires. The lease is short (DEFAULT_OUTBOX_LEASE_MS) and
 * renewed by the holder's heartbeat while the delivery runs, so a live holder keeps its claims however
 * long a delivery takes, and the claims of an instance that died are taken over within one lease.
 */
import { randomUUID } from 'node:crypto';
import { DEFAULT_OUTBOX_LEASE_MS } from '../../domain/delivery';
import type { OutboxItem, OutboxRecord, OutboxRepository } from '../../domain/ports';
import { pgTx, type PgPool, type PgQueryable } from './pg-db';

/** Inserts outbox items inside the caller's transaction. */
export async function insertOutboxPg(c: PgQueryable, items: OutboxItem[], at: Date): Promise<void> {
  if (!items.length) return;
  await c.query(
    `INSERT INTO outbox (channel, pace_key, payload, ticket_id, next_attempt_at, created_at)
     SELECT channel, pace_key, payload, ticket_id, $5, $5
     FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS i (channel, pace_key, payload, ticket_id)`,
    [items.map((i) => i.channel), items.map((i) => i.paceKey), items.map((i) => JSON.stringify(i.payload)), items.map((i) => i.ticketId ?? null), at],
  );
}

export interface PgOutboxOptions {
  /** How long a claim lasts, unless renewed, before another instance may take the item over. */
  leaseMs?: number;
  /** Minimum spacing between deliveries of one pace key, across all instances. */
  paceGapMs?: number;
}

interface Row {
  id: number;
  channel: 'teams' | 'mail';
  pace_key: string;
  payload: string;
  ticket_id: number | null;
  attempts: number;
  created_at: Date;
}

export class PgOutboxRepository implements OutboxRepository {
  /** This instance's name on its leases (diagnostics). */
  readonly owner = randomUUID();
  readonly leaseMs: number;
  private readonly paceGapMs: number;

  constructor(private readonly pool: PgPool, opts: PgOutboxOptions = {}) {
    this.leaseMs = opts.leaseMs ?? DEFAULT_OUTBOX_LEASE_MS;
    this.paceGapMs = opts.paceGapMs ?? 0;
  }

  async backlog() {
    const r = (
      await this.pool.query<{ pending: number; oldest: Date | null; failed: number; last_error: string | null }>(
        `SELECT count(*) AS pending, min(created_at) AS oldest,
           (SELECT count(*) FROM outbox WHERE status = 'failed') AS failed,
           (SELECT last_error FROM outbox WHERE status = 'pending' AND last_error IS NOT NULL ORDER BY id DESC LIMIT 1) AS last_error
         FROM outbox WHERE status = 'pending'`,
      )
    ).rows[0];
    return { pending: r.pending, oldestPendingAt: r.oldest ? new Date(r.oldest) : null, failed: r.failed, lastError: r.last_error };
  }

  async enqueue(items: OutboxItem[]) {
    await insertOutboxPg(this.pool, items, new Date());
  }

  async due(now: Date, limit: number): Promise<OutboxRecord[]> {
    // Only the head of each pace key is due (in order per conversation, across retries and instances);
    // a head leased by another instance keeps its whole pace key waiting.
    const rows = (
      await this.pool.query<Row>(
        `WITH heads AS (
           SELECT DISTINCT ON (pace_key) id FROM outbox WHERE status = 'pending' ORDER BY pace_key, id
         ), claim AS (
           SELECT o.id FROM outbox o JOIN heads h ON h.id = o.id
           WHERE o.status = 'pending' AND o.next_attempt_at <= $1 AND (o.lease_until IS NULL OR o.lease_until <= $1)
             AND ($4::int = 0 OR NOT EXISTS (
               SELECT 1 FROM outbox s WHERE s.pace_key = o.pace_key AND s.status = 'sent'
                 AND s.done_at > $1::timestamptz - make_interval(secs => $4::int / 1000.0)))
           ORDER BY o.id LIMIT $2
           FOR UPDATE OF o SKIP LOCKED
         )
         UPDATE outbox SET lease_until = $1::timestamptz + make_interval(secs => $5::int / 1000.0), lease_owner = $3
         FROM claim WHERE outbox.id = claim.id
         RETURNING outbox.id, outbox.channel, outbox.pace_key, outbox.payload, outbox.ticket_id, outbox.attempts, outbox.created_at`,
        [now, limit, this.owner, this.paceGapMs, this.leaseMs],
      )
    ).rows;
    return rows
      .sort((a, b) => a.id - b.id)
      .map((r) => ({
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
    if (ids.length) await this.pool.query(`UPDATE outbox SET lease_until = NULL WHERE id = ANY($1::bigint[]) AND lease_owner = $2`, [ids, this.owner]);
  }

  async renew(ids: number[], now: Date) {
    // Only claims still held: leased by this instance (not taken over after an expiry), pending, and
    // not given back (release and the mark* methods clear lease_until).
    if (!ids.length) return;
    await this.pool.query(
      `UPDATE outbox SET lease_until = $2::timestamptz + make_interval(secs => $4::int / 1000.0)
       WHERE id = ANY($1::bigint[]) AND lease_owner = $3 AND status = 'pending' AND lease_until IS NOT NULL`,
      [ids, now, this.owner, this.leaseMs],
    );
  }

  async markSent(id: number, at: Date) {
    await this.pool.query(`UPDATE outbox SET status = 'sent', attempts = attempts + 1, done_at = $1, lease_until = NULL WHERE id = $2`, [at, id]);
  }

  async markRetry(id: number, nextAttemptAt: Date, error: string) {
    await this.pool.query(`UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2, lease_until = NULL WHERE id = $3`, [
      nextAttemptAt,
      error.slice(0, 500),
      id,
    ]);
  }

  async markFailed(id: number, error: string, at: Date) {
    await this.pool.query(`UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = $1, done_at = $2, lease_until = NULL WHERE id = $3`, [
      error.slice(0, 500),
      at,
      id,
    ]);
  }

  async enqueueCoalesced(items: OutboxItem[], inFlight: number[]) {
    if (!items.length) return 0;
    return pgTx(this.pool, async (c) => {
      let added = 0;
      for (const it of items) {
        const payload = JSON.stringify(it.payload);
        // Serializes coalescing per pace key across instances (two could otherwise both insert).
        await c.query(`SELECT pg_advisory_xact_lock(hashtext('outbox-coalesce:' || $1))`, [it.paceKey]);
        const dup = await c.query(
          `SELECT 1 FROM outbox WHERE status = 'pending' AND pace_key = $1 AND ticket_id IS NOT DISTINCT FROM $2 AND payload = $3
             AND NOT (id = ANY($4::bigint[])) LIMIT 1`,
          [it.paceKey, it.ticketId ?? null, payload, inFlight],
        );
        if (dup.rowCount) continue;
        await insertOutboxPg(c, [it], new Date());
        added++;
      }
      return added;
    });
  }

  async hasPendingReply(paceKey: string) {
    const r = await this.pool.query(`SELECT 1 FROM outbox WHERE pace_key = $1 AND status = 'pending' AND payload LIKE '{"type":"turn_reply"%' LIMIT 1`, [paceKey]);
    return (r.rowCount ?? 0) > 0;
  }

  async pendingCount() {
    return (await this.pool.query<{ n: number }>(`SELECT count(*) AS n FROM outbox WHERE status = 'pending'`)).rows[0].n;
  }
}
