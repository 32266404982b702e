import type { Migration } from './index';

/**
 * Every index a new ticket enters is one more page written to the log on each filing (measured on
 * this machine: about 15 µs of the commit per index). Indexes on columns that are empty when a ticket
 * is filed now hold only the rows that have a value (each query on them names a value, so they still
 * serve it); the requester's open tickets get their own small index read newest first (no sort);
 * the waiting queue is counted along its own partial index (ticket-queries.ts names it). Dropped:
 * tickets_route_open (no query chose it: the queue lists go along tickets_open_order and the waiting
 * partial indexes), outbox_pace (its queries all ask for pending items, which outbox_pending_pace
 * holds), ticket_events_kind (only the queue's takes look events up by kind; every other kind is
 * read along the ticket's own events).
 */
/** The ticket and event indexes, the same statements on both engines (PostgreSQL's 014 runs them too). */
export const LEAN_FILING_INDEXES = `
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
`;

export const m014LeanFilingIndexes: Migration = {
  name: '014-lean-filing-indexes',
  up(db) {
    db.exec(LEAN_FILING_INDEXES);
    // PostgreSQL's outbox never had this one.
    db.exec('DROP INDEX outbox_pace;');
  },
};
