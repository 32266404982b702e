import type { Migration } from './index';

/**
 * Approvals: a request may wait for an approver before it enters its support queue.
 * - `tickets.queue_order`: the FIFO order of the support queue. A ticket takes the next number when it
 *   enters a queue (filed, or approved later), so an approved request queues behind the tickets filed
 *   before its approval, not before those filed while it waited. Existing tickets keep their id's order.
 * - `ticket_approvals`: one row per request awaiting or decided (policy, step, reminder and escalation
 *   due times, the decision); `approval_approvers`: who may decide it (designated approvers and their
 *   delegates, by step) and where each one's card is, so it can be updated in place.
 */
export const m011Approvals: Migration = {
  name: '011-approvals',
  up(db) {
    db.exec(`
      ALTER TABLE tickets ADD COLUMN queue_order INTEGER NOT NULL DEFAULT 0;
      UPDATE tickets SET queue_order = id;
      CREATE INDEX tickets_queue_order ON tickets (queue_order);
      DROP INDEX IF EXISTS tickets_waiting;
      DROP INDEX IF EXISTS tickets_waiting_route;
      CREATE INDEX tickets_waiting_order ON tickets (queue_order) WHERE status = 'new' AND imported = 0;
      CREATE INDEX tickets_waiting_route_order ON tickets (route_category_id, queue_order) WHERE status = 'new' AND imported = 0;
      CREATE INDEX tickets_open_order ON tickets (tenant_id, status, queue_order);
      CREATE TABLE ticket_approvals (
        ticket_id INTEGER PRIMARY KEY REFERENCES tickets (id),
        tenant_id TEXT NOT NULL,
        policy TEXT NOT NULL,
        step INTEGER NOT NULL DEFAULT 1,
        requested_at TEXT NOT NULL,
        remind_at TEXT,
        reminded_at TEXT,
        escalate_at TEXT,
        escalated_at TEXT,
        decided_at TEXT,
        decision TEXT,
        decided_by_oid TEXT,
        decided_by_name TEXT,
        on_behalf_of_oid TEXT,
        on_behalf_of_name TEXT,
        reason TEXT
      );
      CREATE INDEX ticket_approvals_remind ON ticket_approvals (remind_at) WHERE decided_at IS NULL AND reminded_at IS NULL;
      CREATE INDEX ticket_approvals_escalate ON ticket_approvals (escalate_at) WHERE decided_at IS NULL AND escalated_at IS NULL;
      CREATE TABLE approval_approvers (
        ticket_id INTEGER NOT NULL REFERENCES tickets (id),
        oid TEXT NOT NULL,
        name TEXT NOT NULL,
        step INTEGER NOT NULL,
        for_oid TEXT,
        for_name TEXT,
        conversation_id TEXT,
        activity_id TEXT,
        PRIMARY KEY (ticket_id, oid)
      );
      CREATE INDEX approval_approvers_person ON approval_approvers (oid, ticket_id);
    `);
  },
};
