/**
 * Inbound de-duplication (a retried activity is handled once), on either engine. The table is
 * `aux.inbound_activities` on both: on SQLite an attached database synced with NORMAL, on PostgreSQL
 * an UNLOGGED table in schema "aux", shared by every instance (a retry that reached another instance
 * is still a duplicate). A crash may forget the window, never a ticket.
 *
 * The ids this process has seen are also kept in memory: a retry that reaches this process again is
 * caught there at once. On PostgreSQL one INSERT … ON CONFLICT DO NOTHING checks and records an id in
 * one round trip (as a check alone would), so a retry that reaches another instance is caught however
 * soon it comes. On SQLite the ids are written together a moment later (one statement for all that
 * arrived meanwhile), not one write per activity: the write was the dearest part of an ordinary
 * message (~60 µs of ~1 ms); a retry comes after Teams gave up waiting for the first answer
 * (seconds), long after the ids are written.
 */
import type { InboundDedup } from '../domain/ports';
import type { Sql } from './sql';

/** How long an activity id is remembered. */
const KEEP_MS = 24 * 3600_000;
/** Old ids are pruned once every this many activities. */
const PRUNE_EVERY = 1000;
/** Ids seen are written this long after the first of them, all in one statement. */
const WRITE_AFTER_MS = 100;
/** At most this many rows per statement (each row is three values). */
const WRITE_BATCH = 300;
/** Ids held in memory; the oldest are let go beyond this (the table still has them). */
const MEMORY_MAX = 10_000;

type Seen = { conversationId: string; activityId: string; at: Date };

export class SqlInboundDedup implements InboundDedup {
  private count = 0;
  /** conversation id + activity id → when it arrived (insertion order is arrival order). */
  private readonly recent = new Map<string, number>();
  private unwritten: Seen[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly q: Sql, private readonly keepMs = KEEP_MS) {}

  async firstSeen(conversationId: string, activityId: string, at: Date) {
    const key = `${conversationId}\u0000${activityId}`;
    if (this.recent.has(key)) return false;
    if (this.q.engine === 'postgres') {
      // One statement checks and records it (an UNLOGGED table: no wait for the disk), so a retry
      // that reaches another instance at once is caught as well; the same round trip as a check alone.
      this.remember(key, at.getTime());
      let inserted: { hit: number } | undefined;
      try {
        inserted = await this.q.one<{ hit: number }>(
          'INSERT INTO aux.inbound_activities (conversation_id, activity_id, received_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING RETURNING 1 AS hit',
          [conversationId, activityId, at],
        );
      } catch (err) {
        // Not recorded: Teams' retry of it must not be taken for a duplicate.
        this.recent.delete(key);
        throw err;
      }
      if (!inserted) return false;
    } else {
      // Handled by another instance (or before a restart)?
      const stored = await this.q.one<{ hit: number }>('SELECT 1 AS hit FROM aux.inbound_activities WHERE conversation_id = ? AND activity_id = ?', [conversationId, activityId]);
      if (stored || this.recent.has(key)) return false;
      this.remember(key, at.getTime());
      this.unwritten.push({ conversationId, activityId, at });
      if (this.unwritten.length >= WRITE_BATCH) void this.flush();
      else this.timer ??= setTimeout(() => void this.flush(), WRITE_AFTER_MS).unref();
    }
    if (++this.count % PRUNE_EVERY === 0) {
      await this.q.run('DELETE FROM aux.inbound_activities WHERE received_at < ?', [new Date(at.getTime() - this.keepMs)]);
    }
    return true;
  }

  /** Writes the ids not yet in the table (also on close). A failed write is tried again with the next batch. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.unwritten.splice(0, WRITE_BATCH);
    if (!batch.length) return this.writing;
    this.writing = this.writing.then(async () => {
      try {
        await this.q.run(
          `INSERT INTO aux.inbound_activities (conversation_id, activity_id, received_at) VALUES ${batch.map(() => '(?, ?, ?)').join(', ')} ON CONFLICT DO NOTHING`,
          batch.flatMap((s) => [s.conversationId, s.activityId, s.at]),
        );
      } catch {
        // The database is unavailable for a moment: the ids stay in memory and go with the next batch
        // (boundedly: during a long outage the oldest are only remembered in memory).
        if (this.unwritten.length < MEMORY_MAX) this.unwritten.unshift(...batch);
      }
    });
    if (this.unwritten.length) return this.flush();
    return this.writing;
  }

  private remember(key: string, at: number) {
    this.recent.set(key, at);
    if (this.recent.size <= MEMORY_MAX) return;
    const cutoff = at - this.keepMs;
    for (const [k, t] of this.recent) {
      if (this.recent.size <= MEMORY_MAX * 0.9 && t >= cutoff) break;
      this.recent.delete(k);
    }
  }
}
