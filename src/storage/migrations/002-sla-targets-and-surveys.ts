import type { Migration } from './index';

/**
 * SLAs: targets and due times stored on the ticket, the pause clock (waiting for the user),
 * the alert state of the scheduler (each alert fired once), and the satisfaction survey.
 * Plain DDL so that the PostgreSQL schema can mirror it column for column.
 */
export const m002SlaTargetsAndSurveys: Migration = {
  name: '002-sla-targets-and-surveys',
  up(db) {
    db.exec(`
      ALTER TABLE tickets ADD COLUMN sla_first_response_minutes REAL;
      ALTER TABLE tickets ADD COLUMN sla_resolution_minutes REAL;
      ALTER TABLE tickets ADD COLUMN first_response_due_at TEXT;
      ALTER TABLE tickets ADD COLUMN first_response_warn_at TEXT;
      ALTER TABLE tickets ADD COLUMN resolution_due_at TEXT;
      ALTER TABLE tickets ADD COLUMN resolution_warn_at TEXT;
      ALTER TABLE tickets ADD COLUMN sla_paused_at TEXT;
      ALTER TABLE tickets ADD COLUMN sla_paused_minutes REAL NOT NULL DEFAULT 0;
      ALTER TABLE tickets ADD COLUMN first_response_warned_at TEXT;
      ALTER TABLE tickets ADD COLUMN first_response_breached_at TEXT;
      ALTER TABLE tickets ADD COLUMN resolution_warned_at TEXT;
      ALTER TABLE tickets ADD COLUMN resolution_breached_at TEXT;
      CREATE INDEX tickets_created_at ON tickets (created_at);
      CREATE INDEX tickets_resolved_at ON tickets (resolved_at);

      CREATE TABLE satisfaction_surveys (
        ticket_id INTEGER PRIMARY KEY REFERENCES tickets (id),
        requester_oid TEXT NOT NULL,
        score INTEGER NOT NULL,
        comment TEXT,
        answered_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        low_score_notified_at TEXT
      );
    `);
  },
};
