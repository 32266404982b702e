import type { PgMigration } from './index';

/** Mirrors SQLite's 002-sla: SLA targets, due times, pause clock and alert state on the ticket; surveys. */
export const pg002SlaTargetsAndSurveys: PgMigration = {
  name: '002-sla-targets-and-surveys',
  async up(c) {
    await c.query(`
      ALTER TABLE tickets
        ADD COLUMN sla_first_response_minutes DOUBLE PRECISION,
        ADD COLUMN sla_resolution_minutes DOUBLE PRECISION,
        ADD COLUMN first_response_due_at TIMESTAMPTZ,
        ADD COLUMN first_response_warn_at TIMESTAMPTZ,
        ADD COLUMN resolution_due_at TIMESTAMPTZ,
        ADD COLUMN resolution_warn_at TIMESTAMPTZ,
        ADD COLUMN sla_paused_at TIMESTAMPTZ,
        ADD COLUMN sla_paused_minutes DOUBLE PRECISION NOT NULL DEFAULT 0,
        ADD COLUMN first_response_warned_at TIMESTAMPTZ,
        ADD COLUMN first_response_breached_at TIMESTAMPTZ,
        ADD COLUMN resolution_warned_at TIMESTAMPTZ,
        ADD COLUMN resolution_breached_at TIMESTAMPTZ;
      CREATE INDEX tickets_created_at ON tickets (created_at);
      CREATE INDEX tickets_resolved_at ON tickets (resolved_at);

      CREATE TABLE satisfaction_surveys (
        ticket_id BIGINT PRIMARY KEY REFERENCES tickets (id),
        requester_oid TEXT NOT NULL,
        score INTEGER NOT NULL,
        comment TEXT,
        answered_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        low_score_notified_at TIMESTAMPTZ
      );
    `);
  },
};
