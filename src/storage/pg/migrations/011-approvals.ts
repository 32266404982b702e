import type { PgMigration } from './index';

/** Mirrors SQLite's 011-approvals: the queue order, requests awaiting approval and their approvers. */
export const pg011Approvals: PgMigration = {
  name: '011-approvals',
  async up(c) {
    await c.query(`
      ALTER TABLE tickets ADD COLUMN queue_order BIGINT NOT NULL DEFAULT 0;
      UPDATE tickets SET queue_order = id;
      CREATE INDEX tickets_queue_order ON tickets (queue_order);
      DROP INDEX IF EXISTS tickets_waiting;
      DROP INDEX IF EXISTS tickets_waiting_route;
      CREATE INDEX tickets_waiting_order ON tickets (queue_order) WHERE status = 'new' AND imported = 0;
      CREATE INDEX tickets_waiting_route_order ON tickets (route_category_id, queue_order) WHERE status = 'new' AND imported = 0;
      CREATE INDEX tickets_open_order ON tickets (tenant_id, status, queue_order);
      CREATE TABLE ticket_approvals (
        ticket_id BIGINT PRIMARY KEY REFERENCES tickets (id),
        tenant_id TEXT NOT NULL,
        policy TEXT NOT NULL,
        step INTEGER NOT NULL DEFAULT 1,
        requested_at TIMESTAMPTZ NOT NULL,
        remind_at TIMESTAMPTZ,
        reminded_at TIMESTAMPTZ,
        escalate_at TIMESTAMPTZ,
        escalated_at TIMESTAMPTZ,
        decided_at TIMESTAMPTZ,
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
        ticket_id BIGINT NOT NULL REFERENCES tickets (id),
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
