import type { PgMigration } from './index';

/** Mirrors SQLite's 004-requester-cards-and-additions: requesters' confirmation cards, additions to a radicado, queue indexes. */
export const pg004RequesterCardsAndAdditions: PgMigration = {
  name: '004-requester-cards-and-additions',
  async up(c) {
    await c.query(`
      CREATE TABLE requester_cards (
        ticket_id BIGINT PRIMARY KEY REFERENCES tickets (id),
        conversation_id TEXT NOT NULL,
        activity_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL
      );

      CREATE TABLE ticket_additions (
        submission_key TEXT PRIMARY KEY,
        ticket_id BIGINT NOT NULL REFERENCES tickets (id),
        at TIMESTAMPTZ NOT NULL
      );

      CREATE INDEX tickets_waiting ON tickets (id) WHERE status = 'new' AND imported = 0;
      CREATE INDEX tickets_waiting_category ON tickets (category_id, id) WHERE status = 'new' AND imported = 0;
      CREATE INDEX ticket_events_kind ON ticket_events (kind, id);
    `);
  },
};
