import type { PgMigration } from './index';
import { AUDIT_COLUMNS, planBackfill, type AuditRow } from '../../history-evidence';

/**
 * Mirrors SQLite's 007-history-evidence: event positions, seals, recorded states and chain links, the
 * ticket rows' event count and head hash, history_chain, the redacted actor name's digest; existing
 * rows backfilled as they are; the update trigger keeps the new columns unchangeable.
 */
export const pg007HistoryEvidence: PgMigration = {
  name: '007-history-evidence',
  async up(c) {
    await c.query(`
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
        last_ticket_id BIGINT,
        last_radicado TEXT
      );
      CREATE OR REPLACE FUNCTION ticket_events_redaction_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.id = OLD.id AND NEW.ticket_id = OLD.ticket_id AND NEW.at = OLD.at
             AND NEW.actor_oid IS NOT DISTINCT FROM OLD.actor_oid AND NEW.kind = OLD.kind
             AND NEW.prev_hash = OLD.prev_hash AND NEW.hash = OLD.hash AND NEW.hv = OLD.hv
             AND NEW.n IS NOT DISTINCT FROM OLD.n AND NEW.state IS NOT DISTINCT FROM OLD.state
             AND NEW.link IS NOT DISTINCT FROM OLD.link AND NEW.seal IS NOT DISTINCT FROM OLD.seal
             AND EXISTS (SELECT 1 FROM ticket_event_redactions r WHERE r.event_id = OLD.id) THEN
            RETURN NEW;
          END IF;
          RAISE EXCEPTION 'ticket history is append-only';
        END $$;
      ALTER TABLE ticket_events DISABLE TRIGGER ticket_events_no_update;
    `);
    const tickets = new Map<number, AuditRow>();
    for (const t of (await c.query<AuditRow>(`SELECT ${AUDIT_COLUMNS} FROM tickets`)).rows) tickets.set(t.id, t);
    const rows = (await c.query('SELECT id, ticket_id, actor_name, hash, hv FROM ticket_events ORDER BY ticket_id, id')).rows as Parameters<typeof planBackfill>[1];
    const plan = planBackfill(tickets, rows);
    for (let i = 0; i < plan.events.length; i += 1000) {
      const batch = plan.events.slice(i, i + 1000);
      await c.query(
        `UPDATE ticket_events e SET n = v.n, state = v.state, link = v.link, seal = v.seal
         FROM unnest($1::bigint[], $2::int[], $3::text[], $4::text[], $5::text[]) AS v(id, n, state, link, seal) WHERE e.id = v.id`,
        [batch.map((e) => e.id), batch.map((e) => e.n), batch.map((e) => e.state), batch.map((e) => e.link), batch.map((e) => e.seal)],
      );
    }
    for (let i = 0; i < plan.heads.length; i += 1000) {
      const batch = plan.heads.slice(i, i + 1000);
      await c.query(
        `UPDATE tickets t SET history_events = v.n, history_head = v.hash
         FROM unnest($1::bigint[], $2::int[], $3::text[]) AS v(id, n, hash) WHERE t.id = v.id`,
        [batch.map((h) => h.ticketId), batch.map((h) => h.n), batch.map((h) => h.hash)],
      );
    }
    await c.query('INSERT INTO history_chain (id, tickets, last_ticket_id, last_radicado) VALUES (1, $1, $2, $3)', [plan.chain.tickets, plan.chain.last?.id ?? null, plan.chain.last?.radicado ?? null]);
    await c.query('ALTER TABLE ticket_events ENABLE TRIGGER ticket_events_no_update');
  },
};
