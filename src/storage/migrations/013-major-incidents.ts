import type { Migration } from './index';

/**
 * Major incidents: one outage, many requesters, one voice.
 * - `major_incidents`: a ticket promoted to master (its title, affected services, current status
 *   text, who declared it and when, when it was resolved).
 * - `tickets.major_incident_id`: a ticket linked to a master (status 'linked': out of the FIFO
 *   queue and its SLA alerts; resolved with the master).
 * - `major_incident_updates`: the master's updates, numbered, each delivered once to every linked
 *   requester through the outbox.
 */
export const m013MajorIncidents: Migration = {
  name: '013-major-incidents',
  up(db) {
    db.exec(`
      CREATE TABLE major_incidents (
        master_ticket_id INTEGER PRIMARY KEY REFERENCES tickets (id),
        tenant_id TEXT NOT NULL,
        title TEXT NOT NULL,
        service_ids TEXT NOT NULL,
        status_text TEXT NOT NULL,
        declared_by_oid TEXT NOT NULL,
        declared_by_name TEXT NOT NULL,
        declared_at TEXT NOT NULL,
        resolved_at TEXT
      );
      CREATE INDEX major_incidents_open ON major_incidents (tenant_id) WHERE resolved_at IS NULL;
      CREATE TABLE major_incident_updates (
        master_ticket_id INTEGER NOT NULL REFERENCES tickets (id),
        seq INTEGER NOT NULL,
        text TEXT NOT NULL,
        by_oid TEXT NOT NULL,
        by_name TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (master_ticket_id, seq)
      );
      ALTER TABLE tickets ADD COLUMN major_incident_id INTEGER;
      CREATE INDEX tickets_major_incident ON tickets (major_incident_id) WHERE major_incident_id IS NOT NULL;
    `);
  },
};
