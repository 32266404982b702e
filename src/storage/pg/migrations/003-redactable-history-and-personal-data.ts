import type { PgMigration } from './index';

/**
 * Mirrors SQLite's 003-redactable-history-and-personal-data:
 * - ticket_events.hv: hash version (1 = over the raw payload, 2 = over sha256(payload), redactable).
 * - ticket_event_redactions: append-only, one row per redacted event with its original payload digest.
 * - The append-only trigger now lets exactly one change through: `data` and `actor_name` of an event
 *   that has a redaction record; every hashed column must stay as it was. Deletes stay forbidden.
 * - tickets.anonymised_at, tickets.phone_erased_at; welcome_sent (welcome once per conversation).
 */
export const pg003RedactableHistory: PgMigration = {
  name: '003-redactable-history-and-personal-data',
  async up(c) {
    await c.query(`
      ALTER TABLE ticket_events ADD COLUMN hv INTEGER NOT NULL DEFAULT 1;

      CREATE TABLE ticket_event_redactions (
        event_id BIGINT PRIMARY KEY REFERENCES ticket_events (id),
        ticket_id BIGINT NOT NULL REFERENCES tickets (id),
        original_sha256 TEXT NOT NULL,
        redacted_at TEXT NOT NULL
      );
      CREATE INDEX ticket_event_redactions_ticket ON ticket_event_redactions (ticket_id);
      CREATE FUNCTION ticket_event_redactions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'redaction records are append-only'; END $$;
      CREATE TRIGGER ticket_event_redactions_no_update BEFORE UPDATE OR DELETE ON ticket_event_redactions
        FOR EACH ROW EXECUTE FUNCTION ticket_event_redactions_append_only();
      CREATE TRIGGER ticket_event_redactions_no_truncate BEFORE TRUNCATE ON ticket_event_redactions
        FOR EACH STATEMENT EXECUTE FUNCTION ticket_event_redactions_append_only();

      DROP TRIGGER ticket_events_no_update ON ticket_events;
      CREATE TRIGGER ticket_events_no_delete BEFORE DELETE ON ticket_events
        FOR EACH ROW EXECUTE FUNCTION ticket_events_append_only();
      CREATE FUNCTION ticket_events_redaction_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.id = OLD.id AND NEW.ticket_id = OLD.ticket_id AND NEW.at = OLD.at
             AND NEW.actor_oid IS NOT DISTINCT FROM OLD.actor_oid AND NEW.kind = OLD.kind
             AND NEW.prev_hash = OLD.prev_hash AND NEW.hash = OLD.hash AND NEW.hv = OLD.hv
             AND EXISTS (SELECT 1 FROM ticket_event_redactions r WHERE r.event_id = OLD.id) THEN
            RETURN NEW;
          END IF;
          RAISE EXCEPTION 'ticket history is append-only';
        END $$;
      CREATE TRIGGER ticket_events_no_update BEFORE UPDATE ON ticket_events
        FOR EACH ROW EXECUTE FUNCTION ticket_events_redaction_only();

      ALTER TABLE tickets ADD COLUMN anonymised_at TIMESTAMPTZ;
      ALTER TABLE tickets ADD COLUMN phone_erased_at TIMESTAMPTZ;
      CREATE INDEX tickets_closed_phone ON tickets (closed_at) WHERE phone IS NOT NULL;

      CREATE TABLE welcome_sent (
        conversation_key TEXT PRIMARY KEY,
        sent_at TIMESTAMPTZ NOT NULL
      );
    `);
  },
};
