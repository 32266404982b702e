/**
 * Storage on the engine of this test run (SQLite, or PostgreSQL on the PostgreSQL pass): bot state
 * with eTags (the contract botbuilder's MemoryStorage and TeamsSSOTokenExchangeMiddleware rely on),
 * migrations, tickets with their tamper-evident history, and inbound de-duplication.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrate, openDb, type Db } from '../../src/storage/db';
import { migrations } from '../../src/storage/migrations';
import { SqlBotState } from '../../src/storage/bot-state';
import { SqliteSql } from '../../src/storage/engines/sqlite';
import { appendOldEvents } from '../helpers/old-schema-events';
import { SqlTicketRepository } from '../../src/storage/tickets';
import { eventHash } from '../../src/storage/history-hash';
import type { NewTicket } from '../../src/domain/tickets/model';
import { openStorage, type Storage } from '../../src/storage';
import { migratePg, openPgPool } from '../../src/storage/pg/pg-db';
import { pgMigrations } from '../../src/storage/pg/migrations';
import { createPgDatabase, describePg, describeSqlite, ENGINE, sql, sqlValue } from '../helpers/engine';

function memoryDb(): Db {
  const db = openDb(':memory:');
  migrate(db);
  return db;
}

/** A fresh, migrated storage on this run's engine: SQLite in memory, or a new PostgreSQL database. */
async function testStorage(): Promise<Storage> {
  if (ENGINE === 'sqlite') return openStorage({ dbPath: ':memory:' });
  const storage = openStorage({ dbPath: ':memory:', databaseUrl: (await createPgDatabase()).url });
  await storage.ready();
  return storage;
}

function tmpFile(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mesa-storage-')), 'nested', 'desk.db');
}

let submission = 0;
function newTicket(over: Partial<NewTicket> = {}): NewTicket {
  return {
    submissionKey: `sub-${++submission}`,
    requester: { oid: 'oid-ana', tenantId: 'tenant-1', name: 'Ana Empleada', email: 'ana@entidad.gov.co' },
    locale: 'es',
    contactChannel: 'teams',
    categoryId: 'primer-nivel',
    serviceId: 'acceso-remoto',
    templateId: 'vpn',
    fieldValues: { accessType: 'vpn' },
    description: 'Necesito VPN para trabajar desde casa.',
    priority: 'medium',
    createdAt: new Date('2026-03-02T15:00:00Z'),
    ...over,
  };
}

describe(`bot state storage (${ENGINE})`, () => {
  let st: Storage;
  let storage: Storage['botState'];
  beforeEach(async () => {
    st = await testStorage();
    storage = st.botState;
  });
  afterEach(() => st.close());

  it('writes a new key whatever eTag it carries and reads it back with a fresh eTag', async () => {
    await storage.write({ a: { count: 1 }, b: { eTag: 'anything', name: 'b' } });
    const read = await storage.read(['a', 'b', 'missing']);
    expect(Object.keys(read).sort()).toEqual(['a', 'b']);
    expect(read.a).toEqual({ count: 1, eTag: expect.any(String) });
    expect(read.b.name).toBe('b');
  });

  it('overwrites with the current eTag and changes the eTag on every write', async () => {
    await storage.write({ k: { v: 1 } });
    const first = (await storage.read(['k'])).k;
    await storage.write({ k: { ...first, v: 2 } });
    const second = (await storage.read(['k'])).k;
    expect(second.v).toBe(2);
    expect(second.eTag).not.toBe(first.eTag);
  });

  it('rejects a write with a stale eTag with an "etag conflict" error and keeps the stored value', async () => {
    await storage.write({ k: { v: 1 } });
    const stale = (await storage.read(['k'])).k;
    await storage.write({ k: { ...stale, v: 2 } });
    await expect(storage.write({ k: { ...stale, v: 3 } })).rejects.toThrow(/etag conflict/);
    expect((await storage.read(['k'])).k.v).toBe(2);
  });

  it('lets "*" or a missing eTag overwrite whatever is stored', async () => {
    await storage.write({ k: { v: 1 } });
    await storage.write({ k: { eTag: '*', v: 2 } });
    expect((await storage.read(['k'])).k.v).toBe(2);
    await storage.write({ k: { v: 3 } });
    expect((await storage.read(['k'])).k.v).toBe(3);
  });

  it('lets the same token exchange through only once, as TeamsSSOTokenExchangeMiddleware expects', async () => {
    const key = 'msteams/conversations/a:1/token-exchange/signin';
    await storage.write({ [key]: { eTag: 'exchange-123' } });
    const err = await storage.write({ [key]: { eTag: 'exchange-123' } }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    // The middleware lower-cases the message and looks for exactly this.
    expect((err as Error).message.toLowerCase()).toContain('etag conflict');
  });

  it('writes nothing of a batch when one of its items conflicts', async () => {
    await storage.write({ k: { v: 1 } });
    const stale = (await storage.read(['k'])).k;
    await storage.write({ k: { ...stale, v: 2 } });
    await expect(storage.write({ fresh: { v: 1 }, k: { ...stale, v: 3 } })).rejects.toThrow(/etag conflict/);
    expect(await storage.read(['fresh'])).toEqual({});
  });

  it('deletes keys', async () => {
    await storage.write({ a: { v: 1 }, b: { v: 2 } });
    await storage.delete(['a', 'missing']);
    expect(Object.keys(await storage.read(['a', 'b']))).toEqual(['b']);
  });
});

// Files, WAL and the SQLite migration runner: inherently SQLite (PostgreSQL has its own block below).
describeSqlite('migrations (SQLite)', () => {
  const names = migrations.map((m) => m.name);

  it('applies every migration on a fresh file, creating its folder, and nothing the second time', () => {
    const file = tmpFile();
    const db = openDb(file);
    expect(migrate(db).applied).toEqual(names);
    expect(migrate(db).applied).toEqual([]);
    db.close();
    const again = openDb(file);
    expect(migrate(again).applied).toEqual([]);
    const rows = again.prepare('SELECT name FROM schema_migrations ORDER BY name').all() as { name: string }[];
    expect(rows.map((r) => r.name)).toEqual([...names].sort());
    again.close();
  });

  it('opens file databases in WAL mode with foreign keys on', () => {
    const db = openDb(tmpFile());
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    db.close();
  });

  it('keeps the data of a database created by the first migration set when it is reopened and migrated', async () => {
    const file = tmpFile();
    // A database as the first release left it: only the first migration applied.
    const old = openDb(file);
    old.exec('CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
    migrations[0].up(old);
    old.prepare('INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)').run(migrations[0].name, new Date().toISOString());
    // A ticket as that release filed it: its number, its row and its 'created' event (hash version 1).
    const ticket = { ...newTicket(), radicado: 'MDA-2026-000001' };
    old.prepare(`INSERT INTO radicado_counters (prefix, year, last) VALUES ('MDA', 2026, 1)`).run();
    const created = old
      .prepare(
        `INSERT INTO tickets (radicado, submission_key, tenant_id, requester_oid, requester_name, requester_email, locale, contact_channel,
           category_id, service_id, template_id, field_values, description, priority, status, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'new', ?, ?)`,
      )
      .run(
        ticket.radicado, ticket.submissionKey, ticket.requester.tenantId, ticket.requester.oid, ticket.requester.name, ticket.requester.email ?? null,
        ticket.locale, ticket.contactChannel, ticket.categoryId, ticket.serviceId, ticket.templateId, JSON.stringify(ticket.fieldValues),
        ticket.description, ticket.priority, ticket.createdAt.toISOString(), ticket.createdAt.toISOString(),
      );
    appendOldEvents(old, Number(created.lastInsertRowid), [
      { at: ticket.createdAt, actor: ticket.requester, kind: 'created', data: { radicado: ticket.radicado, templateId: ticket.templateId, priority: ticket.priority } },
    ]);
    await new SqlBotState(new SqliteSql(old)).write({ 'conv/1': { step: 'form' } });
    old.close();

    const db = openDb(file);
    expect(migrate(db).applied).toEqual(names.slice(1));
    const repo = new SqlTicketRepository(new SqliteSql(db));
    expect((await repo.getByRadicado(ticket.radicado))?.description).toBe(ticket.description);
    expect((await new SqlBotState(new SqliteSql(db)).read(['conv/1']))['conv/1'].step).toBe('form');
    expect(await repo.verifyHistory()).toEqual([]);
    db.close();
  });
});

describe(`ticket repository (${ENGINE})`, () => {
  let st: Storage;
  let repo: Storage['tickets'];
  beforeEach(async () => {
    st = await testStorage();
    repo = st.tickets;
  });
  afterEach(() => st.close());

  it('numbers radicados with one counter per prefix and year', async () => {
    const r = async (prefix: string, year: number) => (await repo.create(newTicket(), prefix, year, () => [])).ticket.radicado;
    expect(await r('MDA', 2025)).toBe('MDA-2025-000001');
    expect(await r('MDA', 2025)).toBe('MDA-2025-000002');
    expect(await r('MDA', 2026)).toBe('MDA-2026-000001');
    expect(await r('MDA', 2025)).toBe('MDA-2025-000003');
    expect(await r('TIC', 2026)).toBe('TIC-2026-000001');
  });

  it('gives the same ticket for the same submission without spending a number', async () => {
    const input = newTicket();
    const first = await repo.create(input, 'MDA', 2026, () => []);
    const again = await repo.create(input, 'MDA', 2026, () => []);
    expect(first.created).toBe(true);
    expect(again).toEqual({ ticket: first.ticket, created: false });
    expect((await repo.create(newTicket(), 'MDA', 2026, () => [])).ticket.radicado).toBe('MDA-2026-000002');
  });

  it('writes the outbox effects of a creation in the same transaction', async () => {
    const { ticket } = await repo.create(newTicket(), 'MDA', 2026, (t) => [
      { channel: 'teams', paceKey: 'queue', payload: { type: 'queue_post', ticketId: t.id }, ticketId: t.id },
    ]);
    const rows = await sql<{ payload: string; ticket_id: number }>(st, 'SELECT payload, ticket_id FROM outbox');
    expect(rows).toEqual([{ payload: JSON.stringify({ type: 'queue_post', ticketId: ticket.id }), ticket_id: ticket.id }]);
  });

  it('updates with the expected version and returns null on a version conflict, changing nothing', async () => {
    const { ticket } = await repo.create(newTicket(), 'MDA', 2026, () => []);
    const at = new Date('2026-03-02T16:00:00Z');
    const assignee = { oid: 'oid-ivan', name: 'Iván Ingeniero' };
    const updated = await repo.update(ticket.id, ticket.version, { status: 'assigned', assignee, updatedAt: at }, [{ at, actor: assignee, kind: 'assigned', data: {} }], []);
    expect(updated).toMatchObject({ status: 'assigned', assignee, version: ticket.version + 1 });

    const stale = await repo.update(ticket.id, ticket.version, { status: 'resolved', updatedAt: at }, [{ at, kind: 'status_changed', data: { to: 'resolved' } }], []);
    expect(stale).toBeNull();
    expect((await repo.get(ticket.id))?.status).toBe('assigned');
    expect((await repo.events(ticket.id)).map((e) => e.kind)).toEqual(['created', 'assigned']);
  });

  it('keeps the history append-only: UPDATE and DELETE on ticket_events fail', async () => {
    const { ticket } = await repo.create(newTicket(), 'MDA', 2026, () => []);
    await expect(sql(st, `UPDATE ticket_events SET data = '{}' WHERE ticket_id = ?`, ticket.id)).rejects.toThrow(/append-only/);
    await expect(sql(st, 'DELETE FROM ticket_events WHERE ticket_id = ?', ticket.id)).rejects.toThrow(/append-only/);
    expect(await repo.events(ticket.id)).toHaveLength(1);
    expect(await repo.verifyHistory()).toEqual([]);
  });

  it('reports a break in the hash chain when someone drops the triggers and rewrites history', async () => {
    const { ticket } = await repo.create(newTicket(), 'MDA', 2026, () => []);
    const other = (await repo.create(newTicket(), 'MDA', 2026, () => [])).ticket;
    const at = new Date('2026-03-02T16:00:00Z');
    await repo.append(ticket.id, [{ at, actor: { oid: 'oid-ana', name: 'Ana' }, kind: 'message', data: { text: 'hola' } }], []);
    await repo.append(ticket.id, [{ at, actor: { oid: 'oid-ivan', name: 'Iván' }, kind: 'message', data: { text: 'listo' } }], []);
    expect(await repo.verifyHistory()).toEqual([]);
    const ids = (await sql<{ id: number }>(st, 'SELECT id FROM ticket_events WHERE ticket_id = ? ORDER BY id', ticket.id)).map((r) => r.id);

    if (st.engine === 'sqlite') st.db.exec('DROP TRIGGER ticket_events_no_update; DROP TRIGGER ticket_events_no_delete;');
    else await st.pool.query('DROP TRIGGER ticket_events_no_update ON ticket_events; DROP TRIGGER ticket_events_no_delete ON ticket_events');
    await sql(st, 'UPDATE ticket_events SET data = ? WHERE id = ?', JSON.stringify({ text: 'nunca dije eso' }), ids[1]);
    expect(await repo.verifyHistory()).toEqual([expect.objectContaining({ ticketId: ticket.id, eventId: ids[1], reason: 'hash' })]);

    // Recomputing the tampered row's own hash only moves the break to the next event.
    const [row] = await sql<{ at: string; actor_oid: string; kind: string; data: string; prev_hash: string }>(st, 'SELECT * FROM ticket_events WHERE id = ?', ids[1]);
    await sql(st, 'UPDATE ticket_events SET hash = ? WHERE id = ?', eventHash(row.prev_hash, ticket.id, { at: row.at, actorOid: row.actor_oid, kind: row.kind, data: row.data }), ids[1]);
    expect(await repo.verifyHistory()).toEqual([expect.objectContaining({ ticketId: ticket.id, eventId: ids[2], reason: 'link' })]);

    // Deleting an event is caught too; the other ticket's history is untouched throughout.
    await sql(st, 'DELETE FROM ticket_events WHERE id = ?', ids[0]);
    expect((await repo.verifyHistory()).map((b) => b.ticketId)).toContain(ticket.id);
    expect((await repo.verifyHistory()).some((b) => b.ticketId === other.id)).toBe(false);
  });

  it('files a submission sent twice at the same moment once, with one number', async () => {
    const input = newTicket();
    const [a, b] = await Promise.all([repo.create(input, 'MDA', 2026, () => []), repo.create(input, 'MDA', 2026, () => [])]);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    expect(a.ticket).toEqual(b.ticket);
    expect((await repo.create(newTicket(), 'MDA', 2026, () => [])).ticket.radicado).toBe('MDA-2026-000002');
  });

  it('checks a history longer than one page of the check, every event once', async () => {
    const { ticket } = await repo.create(newTicket(), 'MDA', 2026, () => []);
    const at = new Date('2026-03-02T16:00:00Z');
    await repo.append(ticket.id, Array.from({ length: 5001 }, (_, i) => ({ at, kind: 'message' as const, data: { text: `m${i}` } })), []);
    const other = (await repo.create(newTicket(), 'MDA', 2026, () => [])).ticket;
    await repo.append(other.id, [{ at, kind: 'message', data: { text: 'hola' } }], []);
    expect(await st.verifyHistory()).toMatchObject({ tickets: 2, events: 5004, breaks: [] });
  });
});

describeSqlite('support queues kept in memory (SQLite)', () => {
  it('sees at once a queue registered here or by another connection to the same file, and what changed it', async () => {
    const file = tmpFile();
    const here = openStorage({ dbPath: file });
    const there = openStorage({ dbPath: file });
    try {
      expect(await here.queues.list()).toEqual([]);
      expect(await here.queues.forCategory('redes')).toBeNull();
      // Another process (another bot, a CLI tool) registers the general queue.
      await there.queues.register({ tenantId: 'tenant-1', teamId: 'team-1', channelId: 'general', categoryId: null, registeredBy: 'oid-sofia' });
      expect((await here.queues.forCategory('redes'))?.channelId).toBe('general');
      await here.queues.register({ tenantId: 'tenant-1', teamId: 'team-1', channelId: 'chan-redes', categoryId: 'redes', registeredBy: 'oid-sofia' });
      expect((await here.queues.forCategory('redes'))?.channelId).toBe('chan-redes');
      expect((await there.queues.forCategory('redes'))?.channelId).toBe('chan-redes');
      // Moved to another channel by the other one; and what a caller does to its copy changes nothing.
      await there.queues.register({ tenantId: 'tenant-1', teamId: 'team-1', channelId: 'chan-redes-2', categoryId: 'redes', registeredBy: 'oid-sofia' });
      const seen = await here.queues.list();
      expect(seen.map((q) => q.channelId)).toEqual(['general', 'chan-redes-2']);
      seen[0].channelId = 'changed';
      expect((await here.queues.byChannel('general')).length).toBe(1);
    } finally {
      await here.close();
      await there.close();
    }
  });
});

describe(`inbound de-duplication (${ENGINE})`, () => {
  it('sees an activity id first once per conversation', async () => {
    const st = await testStorage();
    const dedup = st.dedup;
    const at = new Date('2026-03-02T15:00:00Z');
    expect(await dedup.firstSeen('conv-1', 'act-1', at)).toBe(true);
    expect(await dedup.firstSeen('conv-1', 'act-1', at)).toBe(false);
    expect(await dedup.firstSeen('conv-2', 'act-1', at)).toBe(true);
    expect(await dedup.firstSeen('conv-1', 'act-2', at)).toBe(true);
    await st.close();
  });

  it('tells a retry that reaches another instance, or this one after a restart, and the same activity twice at once', async () => {
    // Two instances (processes) on one database: a SQLite file, or one PostgreSQL database.
    const where = ENGINE === 'sqlite' ? { dbPath: tmpFile() } : { dbPath: ':memory:', databaseUrl: (await createPgDatabase()).url };
    const open = async () => {
      const st = openStorage(where);
      await st.ready();
      return st;
    };
    const a = await open();
    const b = await open();
    const at = new Date('2026-03-02T15:00:00Z');
    const both = await Promise.all([a.dedup.firstSeen('conv-1', 'act-1', at), a.dedup.firstSeen('conv-1', 'act-1', at)]);
    expect(both.sort()).toEqual([false, true]);
    if (ENGINE === 'postgres') {
      // Recorded by the same statement that checks it: a retry that reaches the other instance at once is caught too.
      expect(await a.dedup.firstSeen('conv-0', 'act-0', at)).toBe(true);
      expect(await b.dedup.firstSeen('conv-0', 'act-0', at)).toBe(false);
      const racing = await Promise.all([a.dedup.firstSeen('conv-0', 'act-00', at), b.dedup.firstSeen('conv-0', 'act-00', at)]);
      expect(racing.sort()).toEqual([false, true]);
    }
    for (let i = 2; i <= 5; i++) expect(await a.dedup.firstSeen('conv-1', `act-${i}`, at)).toBe(true);
    // Teams retries after it gave up waiting for the first answer (seconds); the ids are written well before.
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 1; i <= 5; i++) expect(await b.dedup.firstSeen('conv-1', `act-${i}`, at)).toBe(false);
    expect(await b.dedup.firstSeen('conv-1', 'act-6', at)).toBe(true);
    // Seen just before a shutdown: written on close, still a duplicate after the restart.
    expect(await a.dedup.firstSeen('conv-1', 'act-7', at)).toBe(true);
    await a.close();
    await b.close();
    const again = await open();
    expect(await again.dedup.firstSeen('conv-1', 'act-7', at)).toBe(false);
    expect(await again.dedup.firstSeen('conv-1', 'act-6', at)).toBe(false);
    expect(await again.dedup.firstSeen('conv-1', 'act-8', at)).toBe(true);
    await again.close();
  });
});

/** Two instances (processes) on one database: a SQLite file, or one PostgreSQL database. */
async function twoInstances(): Promise<[Storage, Storage]> {
  const where = ENGINE === 'sqlite' ? { dbPath: tmpFile() } : { dbPath: ':memory:', databaseUrl: (await createPgDatabase()).url };
  const both: [Storage, Storage] = [openStorage(where), openStorage(where)];
  await Promise.all(both.map((st) => st.ready()));
  return both;
}

describe(`conversation references (${ENGINE})`, () => {
  afterEach(() => jest.restoreAllMocks());

  it('stores a changed reference; an unchanged one costs no statement while recent, and is checked again after a minute', async () => {
    const [a, b] = await twoInstances();
    const ref = { channelId: 'msteams', serviceUrl: 'https://smba.trafficmanager.net/amer/', conversation: { id: 'a:1' }, locale: 'es-CO' };
    const english = { ...ref, locale: 'en-US' };
    await a.refs.save('user:1', ref, new Date());
    const reads = jest.spyOn(a.sql, 'one');
    const writes = jest.spyOn(a.sql, 'runRelaxed');
    await a.refs.save('user:1', { ...ref }, new Date());
    expect(reads).not.toHaveBeenCalled();
    expect(writes).not.toHaveBeenCalled();
    await a.refs.save('user:1', english, new Date());
    expect(writes).toHaveBeenCalledTimes(1);
    expect(await b.refs.get('user:1')).toEqual(english);
    // Another instance stores an older reference; this one's next save after the minute puts the latest back.
    await b.refs.save('user:1', ref, new Date());
    const later = Date.now() + 61_000;
    jest.spyOn(Date, 'now').mockReturnValue(later);
    await a.refs.save('user:1', english, new Date(later));
    expect(await b.refs.get('user:1')).toEqual(english);
    await a.close();
    await b.close();
  });
});

describe(`directory profiles (${ENGINE})`, () => {
  afterEach(() => jest.restoreAllMocks());

  it('reads a profile once a minute at most, gives what was saved, frozen, and sees another instance\'s refetch after the minute', async () => {
    const [a, b] = await twoInstances();
    const ana = { oid: 'oid-ana', tenantId: 'tenant-1', name: 'Ana Empleada', email: 'ana@entidad.gov.co', roles: ['employee' as const] };
    const at = new Date('2026-03-02T15:00:00.123Z');
    expect(await a.profiles.get(ana.oid)).toBeNull();
    await a.profiles.save(ana, at);
    const reads = jest.spyOn(a.sql, 'one');
    const first = await a.profiles.get(ana.oid);
    expect(first).toEqual({ profile: ana, fetchedAt: at });
    expect(await a.profiles.get(ana.oid)).toEqual(first);
    expect(reads).not.toHaveBeenCalled();
    expect(() => (first!.profile.roles as string[]).push('supervisor')).toThrow(TypeError);
    // Another instance refetches the directory: this one sees it once its minute is over.
    const promoted = { ...ana, roles: ['employee' as const, 'supervisor' as const] };
    const later = new Date(at.getTime() + 3600_000);
    await b.profiles.save(promoted, later);
    jest.spyOn(Date, 'now').mockReturnValue(Date.now() + 61_000);
    expect(await a.profiles.get(ana.oid)).toEqual({ profile: promoted, fetchedAt: later });
    expect(reads).toHaveBeenCalledTimes(1);
    await a.close();
    await b.close();
  });
});

describePg('migrations (PostgreSQL)', () => {
  it('applies every migration once even when two instances start at the same moment', async () => {
    const { url } = await createPgDatabase();
    const pools = [openPgPool(url), openPgPool(url)];
    try {
      const results = await Promise.all(pools.map((p) => migratePg(p)));
      const names = pgMigrations.map((m) => m.name);
      // One instance applied everything, the other waited on the advisory lock and found nothing to do.
      expect(results.map((r) => r.applied.length).sort()).toEqual([0, names.length]);
      expect((await pools[0].query('SELECT name FROM schema_migrations ORDER BY name')).rows.map((r) => r.name)).toEqual([...names].sort());
      expect((await migratePg(pools[1])).applied).toEqual([]);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it('mirrors every SQLite migration by name', () => {
    expect(pgMigrations.map((m) => m.name)).toEqual(migrations.map((m) => m.name));
  });
});

describe(`outbox claims (${ENGINE})`, () => {
  const item = (paceKey: string, n: number) => ({ channel: 'teams' as const, paceKey, payload: { type: 'queue_update' as const, ticketId: n } });

  it('does not hand out a claimed item again until it is marked, released, or its lease expires', async () => {
    const st = await testStorage();
    try {
      await st.outbox.enqueue([item('a', 1), item('a', 2), item('b', 3)]);
      const now = new Date(Date.now() + 1000);
      const first = await st.outbox.due(now, 10);
      // Only the head of each pace key.
      expect(first.map((r) => (r.payload as { ticketId: number }).ticketId)).toEqual([1, 3]);
      expect(await st.outbox.due(now, 10)).toEqual([]);
      await st.outbox.release([first[1].id]);
      expect((await st.outbox.due(now, 10)).map((r) => r.id)).toEqual([first[1].id]);
      await st.outbox.markSent(first[0].id, now);
      expect((await st.outbox.due(now, 10)).map((r) => (r.payload as { ticketId: number }).ticketId)).toEqual([2]);
      // Item 3 is still claimed; a lease and a bit later its lease has expired.
      const later = new Date(now.getTime() + st.outbox.leaseMs + 1000);
      expect((await st.outbox.due(later, 10)).map((r) => (r.payload as { ticketId: number }).ticketId)).toEqual([2, 3]);
    } finally {
      await st.close();
    }
  });

  it('does not hand out an item being marked while another transaction holds the database', async () => {
    const st = await testStorage();
    try {
      await st.outbox.enqueue([item('a', 1), item('a', 2)]);
      const now = new Date(Date.now() + 1000);
      const [head] = await st.outbox.due(now, 10);
      // A claim and a mark of the claimed head, both waiting for the same transaction to end.
      let done!: () => void;
      let held!: Promise<void>;
      await new Promise<void>((started) => {
        held = st.sql.tx(() => {
          started();
          return new Promise<void>((resolve) => (done = resolve));
        });
      });
      const claim = st.outbox.due(now, 10);
      const mark = st.outbox.markSent(head.id, now);
      done();
      await held;
      const claimed = await claim;
      await mark;
      // The marked head is never handed out again; the next item is, once (by the racing claim if the
      // mark was seen first, as on PostgreSQL's separate connections, else by the next claim).
      const next = await st.outbox.due(now, 10);
      expect([...claimed, ...next].map((r) => (r.payload as { ticketId: number }).ticketId)).toEqual([2]);
    } finally {
      await st.close();
    }
  });
});

describe(`outbox lease renewal (${ENGINE})`, () => {
  const item = (paceKey: string, n: number) => ({ channel: 'teams' as const, paceKey, payload: { type: 'queue_update' as const, ticketId: n } });
  const ticketIds = (rs: { payload: unknown }[]) => rs.map((r) => (r.payload as { ticketId: number }).ticketId);

  it('leases for 20 s by default, or for outboxLeaseMs', async () => {
    const st = await testStorage();
    try {
      expect(st.outbox.leaseMs).toBe(20_000);
    } finally {
      await st.close();
    }
    const short = ENGINE === 'sqlite' ? openStorage({ dbPath: ':memory:' }, { outboxLeaseMs: 1500 }) : openStorage({ dbPath: ':memory:', databaseUrl: (await createPgDatabase()).url }, { outboxLeaseMs: 1500 });
    try {
      expect(short.outbox.leaseMs).toBe(1500);
    } finally {
      await short.close();
    }
  });

  it('extends only the claims still held: not released ones, not marked ones, not unclaimed ones', async () => {
    const st = await testStorage();
    try {
      const lease = st.outbox.leaseMs;
      await st.outbox.enqueue([item('a', 1), item('b', 2), item('c', 3), item('d', 4)]);
      const now = new Date(Date.now() + 1000);
      const claimed = await st.outbox.due(now, 3);
      expect(ticketIds(claimed)).toEqual([1, 2, 3]);
      const [held, released, retried] = claimed.map((r) => r.id);
      const unclaimed = (await sql<{ id: number }>(st, `SELECT id FROM outbox WHERE payload LIKE '%"ticketId":4%'`))[0].id;
      await st.outbox.release([released]);
      await st.outbox.markRetry(retried, now, 'HTTP 503');
      // Three quarters of a lease later the holder's heartbeat renews all four ids it is asked about.
      await st.outbox.renew([held, released, retried, unclaimed], new Date(now.getTime() + (lease * 3) / 4));
      // After the first lease: the renewed claim is still held; the others are due as if never renewed
      // (a renewal neither re-claims a given-back item nor claims one it never had).
      const afterFirst = new Date(now.getTime() + lease + 100);
      expect(ticketIds(await st.outbox.due(afterFirst, 10))).toEqual([2, 3, 4]);
      // After the renewed lease the claim expires like any other.
      const afterRenewed = new Date(now.getTime() + (lease * 7) / 4 + 100);
      expect(ticketIds(await st.outbox.due(afterRenewed, 10))).toEqual([1]);
      await st.outbox.renew([], afterRenewed); // nothing to renew is fine
    } finally {
      await st.close();
    }
  });
});

describePg('PostgreSQL shared by two instances', () => {
  it('gives each due outbox item to one instance only, and a dead instance’s items to the other after its lease', async () => {
    const { url } = await createPgDatabase();
    const a = openStorage({ dbPath: ':memory:', databaseUrl: url });
    const b = openStorage({ dbPath: ':memory:', databaseUrl: url });
    try {
      await Promise.all([a.ready(), b.ready()]);
      const items = Array.from({ length: 200 }, (_, i) => ({ channel: 'teams' as const, paceKey: `conv-${i}`, payload: { type: 'queue_update' as const, ticketId: i } }));
      await a.outbox.enqueue(items);
      const now = new Date(Date.now() + 1000);
      const claims = await Promise.all([a, b, a, b].map((s) => s.outbox.due(now, 60)));
      const ids = claims.flat().map((r) => r.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBe(200);
      // Instance a dies without marking anything: after the lease, b delivers a's items.
      const ofA = [...claims[0], ...claims[2]].map((r) => r.id).sort((x, y) => x - y);
      expect(await b.outbox.due(now, 500)).toEqual([]);
      const takeover = await b.outbox.due(new Date(now.getTime() + 121_000), 500);
      expect(takeover.map((r) => r.id).filter((id) => ofA.includes(id))).toEqual(ofA);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('renews only the leases an instance holds itself: a renewal by another, or by a holder that was taken over, changes nothing', async () => {
    const { url } = await createPgDatabase();
    const a = openStorage({ dbPath: ':memory:', databaseUrl: url });
    const b = openStorage({ dbPath: ':memory:', databaseUrl: url });
    try {
      await Promise.all([a.ready(), b.ready()]);
      const lease = a.outbox.leaseMs;
      await a.outbox.enqueue([
        { channel: 'teams', paceKey: 'kept', payload: { type: 'queue_update', ticketId: 1 } },
        { channel: 'teams', paceKey: 'lost', payload: { type: 'queue_update', ticketId: 2 } },
      ]);
      const now = new Date(Date.now() + 1000);
      const [kept, lost] = (await a.outbox.due(now, 10)).map((r) => r.id);
      const leaseOf = async (id: number) =>
        (await sql<{ lease_until: Date; lease_owner: string }>(a, 'SELECT lease_until, lease_owner FROM outbox WHERE id = ?', id))[0];
      // b cannot extend a's claims.
      const before = await leaseOf(lost);
      await b.outbox.renew([kept, lost], new Date(now.getTime() + lease / 2));
      expect(await leaseOf(lost)).toEqual(before);
      // a's heartbeat keeps `kept`; `lost` is not renewed (a stalled) and b takes it over after the lease.
      await a.outbox.renew([kept], new Date(now.getTime() + lease / 2));
      const expired = new Date(now.getTime() + lease + 100);
      expect((await b.outbox.due(expired, 10)).map((r) => r.id)).toEqual([lost]);
      const takenOver = await leaseOf(lost);
      // a comes back and renews both: only its own claim moves; b's claim is left as it was.
      await a.outbox.renew([kept, lost], new Date(expired.getTime() + 50));
      expect(await leaseOf(lost)).toEqual(takenOver);
      expect(new Date((await leaseOf(kept)).lease_until).getTime()).toBe(expired.getTime() + 50 + lease);
      expect(await b.outbox.due(new Date(expired.getTime() + lease / 2), 10)).toEqual([]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('lets a new bot-state key be created by only one of two instances writing it at once (token exchange de-duplication)', async () => {
    const { url } = await createPgDatabase();
    const a = openStorage({ dbPath: ':memory:', databaseUrl: url });
    const b = openStorage({ dbPath: ':memory:', databaseUrl: url });
    try {
      await Promise.all([a.ready(), b.ready()]);
      for (let i = 0; i < 20; i++) {
        const key = `msteams/conversations/a:1/token-exchange/${i}`;
        const results = await Promise.allSettled([a.botState.write({ [key]: { eTag: `x-${i}` } }), b.botState.write({ [key]: { eTag: `x-${i}` } })]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        expect(String((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason.message)).toMatch(/etag conflict/);
      }
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('records an SLA alert once when two instances record it at the same moment', async () => {
    const { url } = await createPgDatabase();
    const a = openStorage({ dbPath: ':memory:', databaseUrl: url });
    const b = openStorage({ dbPath: ':memory:', databaseUrl: url });
    try {
      await Promise.all([a.ready(), b.ready()]);
      const at = new Date('2026-03-02T20:00:00Z');
      for (let i = 0; i < 10; i++) {
        const { ticket } = await a.tickets.create(newTicket(), 'MDA', 2026, () => []);
        const record = (s: Storage) =>
          s.sla.recordAlert(ticket.id, 'first_response_breach', at, [{ at, kind: 'sla_breached', data: { target: 'first_response' } } as any], [
            { channel: 'teams', paceKey: 'channel:x', ticketId: ticket.id, payload: { type: 'queue_update', ticketId: ticket.id } },
          ]);
        const results = await Promise.all([record(a), record(b)]);
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await sqlValue(a, 'SELECT count(*) AS n FROM outbox WHERE ticket_id = ?', ticket.id)).toBe(1);
      }
      expect(await a.tickets.verifyHistory()).toEqual([]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('numbers radicados without duplicate or gap when two instances file at once, and one submission twice gives one ticket', async () => {
    const { url } = await createPgDatabase();
    const a = openStorage({ dbPath: ':memory:', databaseUrl: url, databasePoolSize: 4 });
    const b = openStorage({ dbPath: ':memory:', databaseUrl: url, databasePoolSize: 4 });
    try {
      await Promise.all([a.ready(), b.ready()]);
      const jobs: Promise<{ ticket: { radicado: string }; created: boolean }>[] = [];
      for (let i = 0; i < 100; i++) {
        const input = newTicket();
        // Every submission is sent to both instances at once (a retried card submit on another instance).
        jobs.push(a.tickets.create(input, 'MDA', 2026, () => []), b.tickets.create(input, 'MDA', 2026, () => []));
      }
      const out = await Promise.all(jobs);
      expect(out.filter((o) => o.created)).toHaveLength(100);
      const numbers = [...new Set(out.map((o) => o.ticket.radicado))].map((r) => Number(r.slice(-6))).sort((x, y) => x - y);
      expect(numbers).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    } finally {
      await a.close();
      await b.close();
    }
  });
});
