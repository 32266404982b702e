/**
 * Inbound de-duplication (a retried activity is handled once), on either engine. The table is
 * `aux.inbound_activities` on both: on SQLite an attached database synced with NORMAL, on PostgreSQL
 * an UNLOGGED table in schema "aux", shared by every instance (a retry that reached another instance
 * is still a duplicate). A crash may forget the window, never a ticket.
 */
import type { InboundDedup } from '../domain/ports';
import type { Sql } from './sql';

/** How long an activity id is remembered. */
const KEEP_MS = 24 * 3600_000;
/** Old ids are pruned once every this many activities. */
const PRUNE_EVERY = 1000;

export class SqlInboundDedup implements InboundDedup {
  private count = 0;
  constructor(private readonly q: Sql, private readonly keepMs = KEEP_MS) {}

  async firstSeen(conversationId: string, activityId: string, at: Date) {
    const res = await this.q.run(
      'INSERT INTO aux.inbound_activities (conversation_id, activity_id, received_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
      [conversationId, activityId, at],
    );
    if (++this.count % PRUNE_EVERY === 0) {
      await this.q.run('DELETE FROM aux.inbound_activities WHERE received_at < ?', [new Date(at.getTime() - this.keepMs)]);
    }
    return res.changes === 1;
  }
}
