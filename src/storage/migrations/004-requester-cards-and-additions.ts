import type { Migration } from './index';

/**
 * The requester's confirmation card (for proactive position updates), additions of text
 * to an existing radicado (idempotency of the duplicate check), and indexes for queue positions and
 * attention-rate estimates. Plain DDL, so the PostgreSQL schema can mirror it.
 */
export const m004RequesterCardsAndAdditions: Migration = {
  name: '004-requester-cards-and-additions',
  up(db) {
    db.exec(`
      CREATE TABLE requester_cards (
        ticket_id INTEGER PRIMARY KEY REFERENCES tickets (id),
        conversation_id TEXT NOT NULL,
        activity_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );

      CREATE TABLE ticket_additions (
        submission_key TEXT PRIMARY KEY,
        ticket_id INTEGER NOT NULL REFERENCES tickets (id),
        at TEXT NOT NULL
      );

      CREATE INDEX tickets_waiting ON tickets (id) WHERE status = 'new' AND imported = 0;
      CREATE INDEX tickets_waiting_category ON tickets (category_id, id) WHERE status = 'new' AND imported = 0;
      CREATE INDEX ticket_events_kind ON ticket_events (kind, id);
    `);
  },
};
