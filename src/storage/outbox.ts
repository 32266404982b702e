/**
 * The persistent outbox, on either engine. Everything but the claims is written once here; how due
 * items are claimed (leases in memory on SQLite, in the rows on PostgreSQL) is in outbox-claims.ts.
 */
import { DEFAULT_OUTBOX_LEASE_MS } from '../domain/delivery';
import type { OutboxBacklog, OutboxItem, OutboxRecord, OutboxRepository } from '../domain/ports';
import { claimsFor, type OutboxClaims, type OutboxRow } from './outbox-claims';
import { insertOutbox, outboxWrites } from './outbox-insert';
import { placeholders, type Sql } from './sql';

export interface OutboxOptions {
  /** How long a claim lasts, unless renewed, before it may be handed out again. */
  leaseMs?: number;
  /** Minimum spacing between deliveries of one pace key, across all instances (PostgreSQL). */
  paceGapMs?: number;
}

/** Errors are stored cut to this length. */
const ERROR_CHARS = 500;

export class SqlOutbox implements OutboxRepository {
  readonly leaseMs: number;
  private readonly claims: OutboxClaims;

  constructor(private readonly q: Sql, opts: OutboxOptions = {}) {
    this.leaseMs = opts.leaseMs ?? DEFAULT_OUTBOX_LEASE_MS;
    this.claims = claimsFor(q, { leaseMs: this.leaseMs, paceGapMs: opts.paceGapMs ?? 0 });
  }

  async enqueue(items: OutboxItem[]) {
    if (!items.length) return;
    const at = new Date();
    // One item is one statement; more may take several, committed together.
    if (items.length === 1) await insertOutbox(this.q, items, at);
    else await this.q.tx((t) => insertOutbox(t, items, at));
  }

  writes() {
    return outboxWrites();
  }

  async due(now: Date, limit: number): Promise<OutboxRecord[]> {
    return (await this.claims.claim(now, limit)).map(toRecord);
  }

  release(ids: number[]) {
    return this.claims.release(ids);
  }

  renew(ids: number[], now: Date) {
    return this.claims.renew(ids, now);
  }

  markSent(id: number, at: Date) {
    return this.claims.mark(id, `status = 'sent', attempts = attempts + 1, done_at = ?`, [at]);
  }

  markRetry(id: number, nextAttemptAt: Date, error: string) {
    return this.claims.mark(id, `attempts = attempts + 1, next_attempt_at = ?, last_error = ?`, [nextAttemptAt, error.slice(0, ERROR_CHARS)]);
  }

  markFailed(id: number, error: string, at: Date) {
    return this.claims.mark(id, `status = 'failed', attempts = attempts + 1, last_error = ?, done_at = ?`, [error.slice(0, ERROR_CHARS), at]);
  }

  async backlog(): Promise<OutboxBacklog> {
    const r = (await this.q.one<{ pending: number; oldest: string | null; failed: number; last_error: string | null }>(
      `SELECT count(*) AS pending, min(created_at) AS oldest,
         (SELECT count(*) FROM outbox WHERE status = 'failed') AS failed,
         (SELECT last_error FROM outbox WHERE status = 'pending' AND last_error IS NOT NULL ORDER BY id DESC LIMIT 1) AS last_error
       FROM outbox WHERE status = 'pending'`,
    ))!;
    return { pending: r.pending, oldestPendingAt: r.oldest ? new Date(r.oldest) : null, failed: r.failed, lastError: r.last_error };
  }

  async enqueueCoalesced(items: OutboxItem[], inFlight: number[]) {
    if (!items.length) return 0;
    const at = new Date();
    const skip = inFlight.length ? ` AND id NOT IN (${placeholders(inFlight)})` : '';
    return this.q.tx(async (t) => {
      let added = 0;
      for (const it of items) {
        const payload = JSON.stringify(it.payload);
        // Serializes coalescing per pace key across instances (two could otherwise both insert).
        await t.lock(`outbox-coalesce:${it.paceKey}`);
        const dup = await t.one(
          `SELECT 1 AS dup FROM outbox WHERE status = 'pending' AND pace_key = ? AND ticket_id IS NOT DISTINCT FROM ? AND payload = ?${skip} LIMIT 1`,
          [it.paceKey, it.ticketId ?? null, payload, ...inFlight],
        );
        if (dup) continue;
        await insertOutbox(t, [it], at);
        added++;
      }
      return added;
    });
  }

  async hasPendingReply(paceKey: string) {
    return !!(await this.q.one(`SELECT 1 AS hit FROM outbox WHERE pace_key = ? AND status = 'pending' AND payload LIKE '{"type":"turn_reply"%' LIMIT 1`, [paceKey]));
  }

  async pendingCount() {
    return (await this.q.one<{ n: number }>(`SELECT count(*) AS n FROM outbox WHERE status = 'pending'`))!.n;
  }
}

function toRecord(r: OutboxRow): OutboxRecord {
  return {
    id: r.id,
    channel: r.channel,
    paceKey: r.pace_key,
    payload: JSON.parse(r.payload),
    ticketId: r.ticket_id ?? undefined,
    attempts: r.attempts,
    createdAt: new Date(r.created_at),
  };
}
