/**
 * Migration 007 on a database written before it: the existing history (hash chains only) is sealed,
 * counted, given the tickets' current state and chained as it is, so a legitimate database verifies
 * after the upgrade — and tampering after it is caught like on a new one.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { migrate, openDb } from '../../src/storage/db';
import { migrations } from '../../src/storage/migrations';
import { pgMigrations } from '../../src/storage/pg/migrations';
import { migratePg, openPgPool } from '../../src/storage/pg/pg-db';
import { verifyHistory } from '../../src/storage/history-check';
import { SqliteSql } from '../../src/storage/engines/sqlite';
import { PgSql } from '../../src/storage/engines/postgres';
import { eventHash } from '../../src/storage/history-hash';
import { createPgDatabase, ENGINE } from '../helpers/engine';

const OLD = migrations.findIndex((m) => m.name === '007-history-evidence');

/** Three tickets as the bot left them before 007: events chained by hash (version 2), one resolved. */
function oldRows() {
  const at = (m: number) => new Date(Date.UTC(2026, 2, 2, 15, m)).toISOString();
  const tickets = [1, 2, 3].map((id) => ({ id, radicado: `MDA-2026-00000${id}`, status: id === 1 ? 'resolved' : 'new', assignee: id === 1 ? 'Iván' : null }));
  const events: { id: number; ticket_id: number; at: string; actor_oid: string; actor_name: string; kind: string; data: string; prev_hash: string; hash: string }[] = [];
  let id = 0;
  const add = (ticket: number, kind: string, data: object, m: number) => {
    const prev = [...events].reverse().find((e) => e.ticket_id === ticket)?.hash ?? '';
    const row = { at: at(m), actorOid: 'oid-x', kind, data: JSON.stringify(data) };
    events.push({ id: ++id, ticket_id: ticket, at: row.at, actor_oid: row.actorOid, actor_name: 'X', kind, data: row.data, prev_hash: prev, hash: eventHash(prev, ticket, row) });
  };
  add(1, 'created', { radicado: tickets[0].radicado }, 0);
  add(2, 'created', { radicado: tickets[1].radicado }, 1);
  add(1, 'assigned', { to: 'Iván' }, 2);
  add(1, 'status_changed', { from: 'assigned', to: 'resolved' }, 3);
  add(3, 'created', { radicado: tickets[2].radicado }, 4);
  return { tickets, events };
}

const TICKET_SQL = `INSERT INTO tickets (id, radicado, tenant_id, requester_oid, requester_name, locale, contact_channel, category_id, service_id,
  template_id, field_values, description, priority, status, assignee_oid, assignee_name, created_at, updated_at)
  VALUES ($1, $2, 't', 'oid-ana', 'Ana', 'es', 'teams', 'c', 's', 'tpl', '{}', 'Mi problema', 'medium', $3, $4, $5, '2026-03-02T15:00:00.000Z', '2026-03-02T15:00:00.000Z')`;
const EVENT_SQL = `INSERT INTO ticket_events (id, ticket_id, at, actor_oid, actor_name, kind, data, prev_hash, hash, hv) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 2)`;

const itEngine = (engine: 'sqlite' | 'postgres') => (ENGINE === engine ? it : it.skip);

describe('migration 007 on an existing history', () => {
  itEngine('sqlite')('seals a SQLite history written before it, which then verifies, and catches tampering afterwards', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mesa-m007-')), 'old.db');
    const db = openDb(file);
    db.exec('CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
    for (const m of migrations.slice(0, OLD)) {
      m.up(db);
      db.prepare('INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)').run(m.name, new Date().toISOString());
    }
    const { tickets, events } = oldRows();
    const q = (s: string) => s.replace(/\$\d+/g, '?');
    for (const t of tickets) db.prepare(q(TICKET_SQL)).run(t.id, t.radicado, t.status, t.assignee ? 'oid-ivan' : null, t.assignee);
    for (const e of events) db.prepare(q(EVENT_SQL)).run(e.id, e.ticket_id, e.at, e.actor_oid, e.actor_name, e.kind, e.data, e.prev_hash, e.hash);
    expect(migrate(db).applied).toEqual(migrations.slice(OLD).map((m) => m.name));
    expect(await verifyHistory(new SqliteSql(db))).toMatchObject({ tickets: 3, events: 5, breaks: [], chain: { tickets: 3, lastRadicado: 'MDA-2026-000003' } });
    db.exec('DROP TRIGGER ticket_events_no_update');
    db.exec(`UPDATE tickets SET status = 'closed' WHERE id = 1`);
    db.exec(`UPDATE ticket_events SET actor_name = 'Otro' WHERE id = 2`);
    expect((await verifyHistory(new SqliteSql(db))).breaks).toEqual([
      expect.objectContaining({ ticketId: 1, eventId: 4, reason: 'state' }),
      expect.objectContaining({ ticketId: 2, eventId: 2, reason: 'seal' }),
    ]);
    db.close();
  });

  itEngine('postgres')('seals a PostgreSQL history written before it, which then verifies, and catches tampering afterwards', async () => {
    const created = await createPgDatabase();
    const pool = openPgPool(created.url, { max: 2 });
    try {
      const c = new pg.Client({ connectionString: created.url });
      await c.connect();
      await c.query('CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)');
      for (const m of pgMigrations.slice(0, OLD)) {
        await m.up(c as never);
        await c.query('INSERT INTO schema_migrations (name, applied_at) VALUES ($1, now())', [m.name]);
      }
      const { tickets, events } = oldRows();
      for (const t of tickets) await c.query(TICKET_SQL, [t.id, t.radicado, t.status, t.assignee ? 'oid-ivan' : null, t.assignee]);
      for (const e of events) await c.query(EVENT_SQL, [e.id, e.ticket_id, e.at, e.actor_oid, e.actor_name, e.kind, e.data, e.prev_hash, e.hash]);
      await c.end();
      await migratePg(pool);
      expect(await verifyHistory(new PgSql(pool))).toMatchObject({ tickets: 3, events: 5, breaks: [], chain: { tickets: 3, lastRadicado: 'MDA-2026-000003' } });
      await pool.query('DROP TRIGGER ticket_events_no_update ON ticket_events');
      await pool.query(`UPDATE tickets SET status = 'closed' WHERE id = 1`);
      await pool.query(`UPDATE ticket_events SET actor_name = 'Otro' WHERE id = 2`);
      expect((await verifyHistory(new PgSql(pool))).breaks).toEqual([
        expect.objectContaining({ ticketId: 1, eventId: 4, reason: 'state' }),
        expect.objectContaining({ ticketId: 2, eventId: 2, reason: 'seal' }),
      ]);
    } finally {
      await pool.end();
      await created.drop();
    }
  });
});
