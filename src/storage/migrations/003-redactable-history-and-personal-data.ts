import type { Migration } from './index';

/**
 * A history that can be redacted, and personal data (Ley 1581). Plain DDL, mirrored later by the PostgreSQL schema.
 *
 * - ticket_events.hv: hash version. 1 = events written before this migration, hashed over the raw
 *   `data`; 2 = hashed over sha256(data), so a payload can be redacted later while the chain stays
 *   verifiable (the digest of the original payload is kept in ticket_event_redactions).
 * - ticket_event_redactions: one append-only row per redacted event (anonymisation, Ley 1581).
 * - The no-update trigger is replaced by one that allows exactly one kind of change: `data` and
 *   `actor_name` of an event that has a redaction row; every hashed column must stay as it was.
 * - tickets.anonymised_at, tickets.phone_erased_at: when personal data left the ticket row.
 * - welcome_sent: one welcome per conversation within a short window (Teams sends both
 *   installationUpdate and conversationUpdate on install).
 */
export const m003RedactableHistory: Migration = {
  name: '003-redactable-history-and-personal-data',
  up(db) {
    db.exec(`
      ALTER TABLE ticket_events ADD COLUMN hv INTEGER NOT NULL DEFAULT 1;

      CREATE TABLE ticket_event_redactions (
        event_id INTEGER PRIMARY KEY REFERENCES ticket_events (id),
        ticket_id INTEGER NOT NULL REFERENCES tickets (id),
        original_sha256 TEXT NOT NULL,
        redacted_at TEXT NOT NULL
      );
      CREATE INDEX ticket_event_redactions_ticket ON ticket_event_redactions (ticket_id);
      CREATE TRIGGER ticket_event_redactions_no_update BEFORE UPDATE ON ticket_event_redactions
        BEGIN SELECT RAISE(ABORT, 'redaction records are append-only'); END;
      CREATE TRIGGER ticket_event_redactions_no_delete BEFORE DELETE ON ticket_event_redactions
        BEGIN SELECT RAISE(ABORT, 'redaction records are append-only'); END;

      DROP TRIGGER ticket_events_no_update;
      CREATE TRIGGER ticket_events_no_update BEFORE UPDATE ON ticket_events
        WHEN NOT (
          NEW.id = OLD.id AND NEW.ticket_id = OLD.ticket_id AND NEW.at = OLD.at
          AND NEW.actor_oid IS OLD.actor_oid AND NEW.kind = OLD.kind AND NEW.prev_hash = OLD.prev_hash
          AND NEW.hash = OLD.hash AND NEW.hv = OLD.hv
          AND EXISTS (SELECT 1 FROM ticket_event_redactions r WHERE r.event_id = OLD.id)
        )
        BEGIN SELECT RAISE(ABORT, 'ticket history is append-only'); END;

      ALTER TABLE tickets ADD COLUMN anonymised_at TEXT;
      ALTER TABLE tickets ADD COLUMN phone_erased_at TEXT;
      CREATE INDEX tickets_closed_phone ON tickets (closed_at) WHERE phone IS NOT NULL;

      CREATE TABLE welcome_sent (
        conversation_key TEXT PRIMARY KEY,
        sent_at TEXT NOT NULL
      );
    `);
  },
};
