/**
 * SQLite's query plans for what people wait on, and what a filing writes. A production database has
 * no statistics (nothing runs ANALYZE), so the planner goes by the schema alone: these reads must go
 * along an index — no sort of a requester's tickets, no read of every waiting ticket's row for a
 * queue position — and a filed ticket must enter only the indexes that need it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrate, openDb, type Db } from '../../src/storage/db';
import { SqliteSql } from '../../src/storage/engines/sqlite';
import { SqlTicketRepository } from '../../src/storage/tickets';
import { SqlPersonalData } from '../../src/storage/personal-data';
import { SqlIncidentRepository } from '../../src/storage/incidents';
import { SqlSlaRepository } from '../../src/storage/sla';
import { sqlArg } from '../../src/storage/sql';
import type { NewTicket, Ticket } from '../../src/domain/tickets/model';
import { describeSqlite } from '../helpers/engine';

let n = 0;
const newTicket = (over: Partial<NewTicket> = {}): NewTicket => ({
  submissionKey: `plan-${++n}`,
  requester: { oid: `oid-${n % 7}`, tenantId: 'tenant-1', name: 'Ana Empleada', email: 'ana@entidad.gov.co' },
  locale: 'es',
  contactChannel: 'teams',
  phone: '+573001234567',
  categoryId: n % 2 ? 'primer-nivel' : 'redes',
  serviceId: 'acceso-remoto',
  templateId: 'vpn',
  fieldValues: { accessType: 'vpn' },
  description: `Caso de prueba ${n}`,
  priority: 'medium',
  createdAt: new Date(Date.UTC(2026, 2, 2, 15, 0, n)),
  ...over,
});

describeSqlite('SQLite query plans (no statistics, as in production)', () => {
  let db: Db;
  let sql: SqliteSql;
  let tickets: SqlTicketRepository;
  let seen: { sql: string; args: readonly unknown[] }[];
  let last: Ticket;

  beforeAll(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesa-plans-'));
    db = openDb(path.join(dir, 'desk.db'));
    migrate(db);
    sql = new SqliteSql(db);
    tickets = new SqlTicketRepository(sql);
    for (let i = 0; i < 60; i++) last = (await tickets.create(newTicket(), 'MDA', 2026, () => [])).ticket;
    // Every statement the repositories run on this connection (inside transactions too).
    const record = <K extends 'one' | 'all' | 'run'>(k: K) => {
      const orig = sql[k].bind(sql) as (s: string, a?: readonly unknown[]) => Promise<unknown>;
      (sql as unknown as Record<string, unknown>)[k] = (s: string, a: readonly unknown[] = []) => {
        seen.push({ sql: s, args: a });
        return orig(s, a);
      };
    };
    record('one');
    record('all');
    record('run');
  });

  beforeEach(() => {
    seen = [];
  });

  afterAll(() => db.close());

  /** The plan of every SELECT recorded since the test began, matching `pick`. */
  function plans(pick: RegExp): string[][] {
    const out = seen
      .filter((s) => /^\s*SELECT/i.test(s.sql) && pick.test(s.sql))
      .map((s) => (db.prepare(`EXPLAIN QUERY PLAN ${s.sql}`).all(...s.args.map(sqlArg)) as { detail: string }[]).map((r) => r.detail));
    expect(out.length).toBeGreaterThan(0);
    return out;
  }

  test("a requester's open tickets (the duplicate check on every filing): their own index, newest first, no sort", async () => {
    const open = await tickets.listOpenByRequester(last.requester.oid, 5);
    expect(open.length).toBe(5);
    expect(open.map((t) => t.id)).toEqual([...open.map((t) => t.id)].sort((a, b) => b - a));
    for (const p of plans(/requester_oid/)) {
      expect(p.join(' | ')).toContain('USING INDEX tickets_requester_open');
      expect(p.join(' | ')).not.toContain('TEMP B-TREE');
    }
  });

  test('a place in the queue (the confirmation card, the status card): a count of index entries, never of rows', async () => {
    expect(await tickets.queuePosition(last)).toBe(60);
    expect(await tickets.queuePosition(last, { exclude: ['otra'] })).toBe(60);
    expect(await tickets.queuePosition(last, { include: [last.queueCategoryId] })).toBe(30);
    const counts = plans(/count\(\*\)/);
    expect(counts).toHaveLength(3);
    // The outer count reads only a covering partial index of waiting tickets (the inner look-up of
    // the ticket itself is by its id).
    for (const p of counts) expect(p.some((d) => /USING COVERING INDEX tickets_waiting_(route_)?order/.test(d))).toBe(true);
    for (const p of counts) expect(p.some((d) => /SCAN tickets$|USING INDEX tickets_open\b/.test(d))).toBe(false);
  });

  test("the queue's page (\"cola\", the tab) is read along the open tickets' index in queue order, no sort, then only its rows", async () => {
    const page = await tickets.listOpen({ tenantId: 'tenant-1', limit: 15, offset: 30 });
    expect(page.items.map((t) => t.radicado)).toEqual(Array.from({ length: 15 }, (_, i) => `MDA-2026-${String(31 + i).padStart(6, '0')}`));
    expect(page.total).toBe(60);
    const scoped = await tickets.listOpen({ tenantId: 'tenant-1', limit: 5, categoryIds: [last.queueCategoryId] });
    expect(scoped.items).toHaveLength(5);
    expect(scoped.items.every((t) => t.queueCategoryId === last.queueCategoryId)).toBe(true);
    for (const list of plans(/ORDER BY queue_order, id LIMIT/)) {
      expect(list.some((d) => /USING (COVERING )?INDEX tickets_open_queue \(tenant_id=\?\)/.test(d))).toBe(true);
      expect(list.some((d) => /SEARCH t USING INTEGER PRIMARY KEY/.test(d))).toBe(true);
      expect(list.join(' | ')).not.toContain('TEMP B-TREE');
    }
  });

  test('the retention of phones reads the closed tickets that still hold one, oldest first, along their index', async () => {
    const personal = new SqlPersonalData(sql);
    expect(await personal.erasePhones(new Date('2026-03-01T00:00:00Z'), new Date('2026-03-02T00:00:00Z'), 180, 10)).toEqual([]);
    for (const p of plans(/phone IS NOT NULL/)) {
      expect(p.join(' | ')).toContain('USING INDEX tickets_closed_phone');
      expect(p.join(' | ')).not.toContain('TEMP B-TREE');
    }
  });

  test('the major-incident pass (after every SLA check, once a minute) starts from the incidents, never from the closed tickets', async () => {
    const incidents = new SqlIncidentRepository(sql, tickets);
    // Closed tickets and no incident: the pass has nothing to settle, and must not read them to learn it.
    db.prepare("UPDATE tickets SET status = 'closed' WHERE id <= 20").run();
    try {
      expect(await incidents.unsettled(20)).toEqual([]);
      for (const p of plans(/major_incidents m/)) {
        expect(p[0]).toMatch(/^SCAN m\b/);
        expect(p.join(' | ')).toContain('SEARCH t USING INTEGER PRIMARY KEY');
        expect(p.some((d) => /^SEARCH t USING INDEX|^SCAN t\b/.test(d))).toBe(false);
      }
    } finally {
      db.prepare("UPDATE tickets SET status = 'new' WHERE id <= 20").run();
    }
  });

  test('the SLA pass (once a minute) compares the times of one range of ids per statement, along tickets_open, never of every running ticket at once', async () => {
    const sla = new SqlSlaRepository(sql);
    const at = (min: number) => new Date(Date.UTC(2026, 2, 2, 16, min)).toISOString();
    // Every ticket runs with targets far ahead, except: 5 warning due for the first response, 7 breached
    // resolution, one whose first response was already given (no alert), one already warned (its
    // breach not yet due: no alert), one paused (no alert).
    db.prepare('UPDATE tickets SET first_response_warn_at = ?, first_response_due_at = ?, resolution_warn_at = ?, resolution_due_at = ?').run(at(50), at(55), at(58), at(59));
    const set = (ids: number[], sqlSet: string, ...args: unknown[]) => db.prepare(`UPDATE tickets SET ${sqlSet} WHERE id IN (${ids.join(',')})`).run(...args);
    set([3, 4, 5, 6, 7], 'first_response_warn_at = ?', at(1));
    set([10, 11, 12, 13, 14, 15, 16], 'resolution_warn_at = ?, resolution_due_at = ?', at(1), at(2));
    set([20], 'first_response_warn_at = ?, first_response_at = ?', at(1), at(3));
    set([21], 'first_response_warn_at = ?, first_response_warned_at = ?', at(1), at(4));
    set([22], 'first_response_warn_at = ?, sla_paused_at = ?', at(1), at(4));
    try {
      const now = new Date(Date.UTC(2026, 2, 2, 16, 10));
      expect(await sla.lastTicketId()).toBe(last.id);
      expect((await sla.alertCandidates(now, 200, 0, last.id)).map((t) => t.id)).toEqual([3, 4, 5, 6, 7, 10, 11, 12, 13, 14, 15, 16]);
      // Paged by id within a range, and a range ends where it says.
      expect((await sla.alertCandidates(now, 4, 6, last.id)).map((t) => t.id)).toEqual([7, 10, 11, 12]);
      expect((await sla.alertCandidates(now, 200, 4, 11)).map((t) => t.id)).toEqual([5, 6, 7, 10, 11]);
      for (const p of plans(/sla_paused_at IS NULL/)) {
        expect(p.join(' | ')).toContain('USING INDEX tickets_open (status=? AND id>? AND id<?)');
        // The sort merges the three status runs of one range: at most a range's candidates.
        expect(p.some((d) => /^SCAN tickets/.test(d))).toBe(false);
      }
    } finally {
      db.prepare('UPDATE tickets SET first_response_warn_at = NULL, first_response_due_at = NULL, resolution_warn_at = NULL, resolution_due_at = NULL, first_response_at = NULL, first_response_warned_at = NULL, sla_paused_at = NULL').run();
    }
  });

  test('a filed ticket enters only the indexes that hold it (none for columns still empty at filing)', () => {
    // An index entry is a b-tree cell; the dbstat table counts the cells of each index.
    const cells = (name: string) => (db.prepare('SELECT sum(ncell) AS n FROM dbstat WHERE name = ? AND pagetype = ?').get(name, 'leaf') as { n: number | null }).n ?? 0;
    for (const empty of ['tickets_queue_activity', 'tickets_resolved_at', 'tickets_closed_phone', 'tickets_major_incident']) expect(cells(empty)).toBe(0);
    for (const full of ['tickets_requester_open', 'tickets_waiting_order', 'tickets_open_queue']) expect(cells(full)).toBe(60);
    // Events are found by kind only for the queue's takes: a 'created' event enters no kind index.
    expect(cells('ticket_events_assigned')).toBe(0);
    const indexes = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('tickets', 'ticket_events', 'outbox')").all() as { name: string }[]).map((r) => r.name);
    for (const gone of ['tickets_route_open', 'tickets_requester', 'outbox_pace', 'ticket_events_kind', 'tickets_open_order']) expect(indexes).not.toContain(gone);
  });
});
