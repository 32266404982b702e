import type { PgMigration } from './index';

/** Mirrors SQLite's 013-major-incidents: masters, their updates, and the tickets linked to them. */
export const pg013MajorIncidents: PgMigration = {
  name: '013-major-incidents',
  async up(c) {
    await c.query(`
      CREATE TABLE major_incidents (
        master_ticket_id BIGINT PRIMARY KEY REFERENCES tickets (id),
        tenant_id TEXT NOT NULL,
        title TEXT NOT NULL,
        service_ids TEXT NOT NULL,
        status_text TEXT NOT NULL,
        declared_by_oid TEXT NOT NULL,
        declared_by_name TEXT NOT NULL,
        declared_at TIMESTAMPTZ NOT NULL,
        resolved_at TIMESTAMPTZ
      );
      CREATE INDEX major_incidents_open ON major_incidents (tenant_id) WHERE resolved_at IS NULL;
      CREATE TABLE major_incident_updates (
        master_ticket_id BIGINT NOT NULL REFERENCES tickets (id),
        seq INTEGER NOT NULL,
        text TEXT NOT NULL,
        by_oid TEXT NOT NULL,
        by_name TEXT NOT NULL,
        at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (master_ticket_id, seq)
      );
      ALTER TABLE tickets ADD COLUMN major_incident_id BIGINT;
      CREATE INDEX tickets_major_incident ON tickets (major_incident_id) WHERE major_incident_id IS NOT NULL;
    `);
  },
};
