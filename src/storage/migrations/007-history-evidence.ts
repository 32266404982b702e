import type { Db } from '../db';
import type { Migration } from './index';
import { AUDIT_COLUMNS, planBackfill, type AuditRow } from '../history-evidence';

/**
 * The history as evidence (see storage/history-evidence.ts): every event gets its position in the
 * ticket (`n`), a `seal` over the columns its hash does not cover (id, position, hash version, the
 * actor's name, the ticket's audited state, the first event's link in the chain of tickets); every
 * ticket row its event count and head hash; `history_chain` the newest ticket of the chain; a
 * redaction record the digest of the actor name it replaced.
 *
 * Existing rows are backfilled as they are (the database is trusted once, at this migration): the
 * tickets are chained in id order, and each ticket's last event records the ticket's current state
 * (earlier events have none). The update trigger is recreated to keep every new column unchangeable.
 */
export const m007HistoryEvidence: Migration = {
  name: '007-history-evidence',
  up(db) {
    db.exec(`
      ALTER TABLE ticket_events ADD COLUMN n INTEGER;
      ALTER TABLE ticket_events ADD COLUMN state TEXT;
      ALTER TABLE ticket_events ADD COLUMN link TEXT;
      ALTER TABLE ticket_events ADD COLUMN seal TEXT;
      ALTER TABLE tickets ADD COLUMN history_events INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE tickets ADD COLUMN history_head TEXT;
      ALTER TABLE ticket_event_redactions ADD COLUMN original_actor_sha256 TEXT;
      CREATE TABLE history_chain (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        tickets INTEGER NOT NULL,
        last_ticket_id INTEGER,
        last_radicado TEXT
      );
      DROP TRIGGER ticket_events_no_update;
    `);
    backfill(db);
    db.exec(`
      CREATE TRIGGER ticket_events_no_update BEFORE UPDATE ON ticket_events
        WHEN NOT (
          NEW.id = OLD.id AND NEW.ticket_id = OLD.ticket_id AND NEW.at = OLD.at
          AND NEW.actor_oid IS OLD.actor_oid AND NEW.kind = OLD.kind AND NEW.prev_hash = OLD.prev_hash
          AND NEW.hash = OLD.hash AND NEW.hv = OLD.hv AND NEW.n IS OLD.n AND NEW.state IS OLD.state
          AND NEW.link IS OLD.link AND NEW.seal IS OLD.seal
          AND EXISTS (SELECT 1 FROM ticket_event_redactions r WHERE r.event_id = OLD.id)
        )
        BEGIN SELECT RAISE(ABORT, 'ticket history is append-only'); END;
    `);
  },
};

function backfill(db: Db) {
  const tickets = new Map<number, AuditRow>();
  for (const t of db.prepare(`SELECT ${AUDIT_COLUMNS} FROM tickets`).iterate() as Iterable<AuditRow>) tickets.set(t.id, t);
  const rows = db.prepare('SELECT id, ticket_id, actor_name, hash, hv FROM ticket_events ORDER BY ticket_id, id').all() as Parameters<typeof planBackfill>[1];
  const plan = planBackfill(tickets, rows);
  const update = db.prepare('UPDATE ticket_events SET n = ?, state = ?, link = ?, seal = ? WHERE id = ?');
  for (const e of plan.events) update.run(e.n, e.state, e.link, e.seal, e.id);
  const head = db.prepare('UPDATE tickets SET history_events = ?, history_head = ? WHERE id = ?');
  for (const h of plan.heads) head.run(h.n, h.hash, h.ticketId);
  db.prepare('INSERT INTO history_chain (id, tickets, last_ticket_id, last_radicado) VALUES (1, ?, ?, ?)').run(plan.chain.tickets, plan.chain.last?.id ?? null, plan.chain.last?.radicado ?? null);
}
