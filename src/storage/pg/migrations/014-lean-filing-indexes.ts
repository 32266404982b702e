import type { PgMigration } from './index';

/**
 * Mirrors SQLite's 014-lean-filing-indexes: fewer index entries per filed ticket (partial indexes on
 * columns empty at filing, the requester's open tickets by id, the queue's takes by id). PostgreSQL's
 * outbox never had outbox_pace.
 */
export const pg014LeanFilingIndexes: PgMigration = {
  name: '014-lean-filing-indexes',
  async up(c) {
    await c.query(`
      DROP INDEX tickets_route_open;
      DROP INDEX tickets_resolved_at;
      CREATE INDEX tickets_resolved_at ON tickets (resolved_at) WHERE resolved_at IS NOT NULL;
      DROP INDEX tickets_closed_phone;
      CREATE INDEX tickets_closed_phone ON tickets (closed_at) WHERE phone IS NOT NULL AND closed_at IS NOT NULL;
      DROP INDEX tickets_queue_activity;
      CREATE INDEX tickets_queue_activity ON tickets (queue_activity_id) WHERE queue_activity_id IS NOT NULL;
      DROP INDEX tickets_requester;
      CREATE INDEX tickets_requester_open ON tickets (requester_oid, id) WHERE status IN ('new','assigned','in_progress','waiting_user');
      DROP INDEX ticket_events_kind;
      CREATE INDEX ticket_events_assigned ON ticket_events (id) WHERE kind = 'assigned';
    `);
  },
};
