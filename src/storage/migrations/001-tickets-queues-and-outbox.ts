import type { Migration } from './index';

export const m001TicketsQueuesAndOutbox: Migration = {
  name: '001-tickets-queues-and-outbox',
  up(db) {
    db.exec(`
      CREATE TABLE bot_state (
        key TEXT PRIMARY KEY,
        etag INTEGER NOT NULL,
        data TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );


      CREATE TABLE radicado_counters (
        prefix TEXT NOT NULL,
        year INTEGER NOT NULL,
        last INTEGER NOT NULL,
        PRIMARY KEY (prefix, year)
      ) WITHOUT ROWID;

      CREATE TABLE tickets (
        id INTEGER PRIMARY KEY,
        radicado TEXT NOT NULL UNIQUE,
        submission_key TEXT UNIQUE,
        tenant_id TEXT NOT NULL,
        requester_oid TEXT NOT NULL,
        requester_name TEXT NOT NULL,
        requester_email TEXT,
        requester_upn TEXT,
        requester_department TEXT,
        locale TEXT NOT NULL,
        phone TEXT,
        contact_channel TEXT NOT NULL,
        category_id TEXT NOT NULL,
        service_id TEXT NOT NULL,
        template_id TEXT NOT NULL,
        field_values TEXT NOT NULL,
        description TEXT NOT NULL,
        priority TEXT NOT NULL,
        status TEXT NOT NULL,
        assignee_oid TEXT,
        assignee_name TEXT,
        resolution_note TEXT,
        version INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        first_response_at TEXT,
        resolved_at TEXT,
        closed_at TEXT,
        queue_conversation_id TEXT,
        queue_activity_id TEXT,
        mail_error TEXT,
        imported INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX tickets_requester ON tickets (requester_oid, status, id);
      CREATE INDEX tickets_open ON tickets (status, id);
      CREATE INDEX tickets_queue_activity ON tickets (queue_activity_id);
      CREATE INDEX tickets_category_open ON tickets (category_id, status, id);

      CREATE TABLE ticket_events (
        id INTEGER PRIMARY KEY,
        ticket_id INTEGER NOT NULL REFERENCES tickets (id),
        at TEXT NOT NULL,
        actor_oid TEXT,
        actor_name TEXT,
        kind TEXT NOT NULL,
        data TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      );
      CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, id);
      CREATE TRIGGER ticket_events_no_update BEFORE UPDATE ON ticket_events
        BEGIN SELECT RAISE(ABORT, 'ticket history is append-only'); END;
      CREATE TRIGGER ticket_events_no_delete BEFORE DELETE ON ticket_events
        BEGIN SELECT RAISE(ABORT, 'ticket history is append-only'); END;

      CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        channel TEXT NOT NULL,
        pace_key TEXT NOT NULL,
        payload TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        last_error TEXT,
        ticket_id INTEGER,
        created_at TEXT NOT NULL,
        done_at TEXT
      );
      CREATE INDEX outbox_due ON outbox (status, next_attempt_at, id);
      CREATE INDEX outbox_pace ON outbox (pace_key, status, id);

      CREATE TABLE conversation_refs (
        key TEXT PRIMARY KEY,
        reference TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );

      CREATE TABLE support_queues (
        id INTEGER PRIMARY KEY,
        tenant_id TEXT NOT NULL,
        team_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        category_id TEXT,
        registered_by TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE UNIQUE INDEX support_queues_category ON support_queues (ifnull(category_id, '*'));

      CREATE TABLE team_members (
        team_id TEXT NOT NULL,
        oid TEXT NOT NULL,
        user_id TEXT NOT NULL,
        name TEXT NOT NULL,
        fetched_at TEXT NOT NULL,
        PRIMARY KEY (team_id, oid)
      ) WITHOUT ROWID;

      CREATE TABLE profiles (
        oid TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL,
        data TEXT NOT NULL,
        fetched_at TEXT NOT NULL
      );

      CREATE TABLE privacy_notices (
        oid TEXT PRIMARY KEY,
        shown_at TEXT NOT NULL
      );
    `);
  },
};
