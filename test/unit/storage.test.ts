/**
 * SQLite storage: bot state with eTags (the contract botbuilder's MemoryStorage and
 * TeamsSSOTokenExchangeMiddleware rely on), migrations, tickets with their tamper-evident history,
 * and inbound de-duplication.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrate, openDb, type Db } from '../../src/storage/db';
import { migrations } from '../../src/storage/migrations';
import { SqliteBotStorage } from '../../src/storage/sqlite-bot-storage';
import { SqliteInboundDedup } from '../../src/storage/sqlite-misc';
import { eventHash, SqliteTicketRepository } from '../../src/storage/sqlite-tickets';
import type { NewTicket } from '../../src/domain/tickets/model';

function memoryDb(): Db {
  const db = openDb(':memory:');
  migrate(db);
  return db;
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

describe('SqliteBotStorage', () => {
  let db: Db;
  let storage: SqliteBotStorage;
  beforeEach(() => {
    db = memoryDb();
    storage = new SqliteBotStorage(db);
  });
  afterEach(() => db.close());

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

describe('migrations', () => {
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
    const { ticket } = await new SqliteTicketRepository(old).create(newTicket(), 'MDA', 2026, () => []);
    await new SqliteBotStorage(old).write({ 'conv/1': { step: 'form' } });
    old.close();

    const db = openDb(file);
    expect(migrate(db).applied).toEqual(names.slice(1));
    const repo = new SqliteTicketRepository(db);
    expect((await repo.getByRadicado(ticket.radicado))?.description).toBe(ticket.description);
    expect((await new SqliteBotStorage(db).read(['conv/1']))['conv/1'].step).toBe('form');
    expect(repo.verifyHistory()).toEqual([]);
    db.close();
  });
});

describe('SqliteTicketRepository', () => {
  let db: Db;
  let repo: SqliteTicketRepository;
  beforeEach(() => {
    db = memoryDb();
    repo = new SqliteTicketRepository(db);
  });
  afterEach(() => db.close());

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
    const rows = db.prepare('SELECT payload, ticket_id FROM outbox').all() as { payload: string; ticket_id: number }[];
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
    expect(() => db.prepare(`UPDATE ticket_events SET data = '{}' WHERE ticket_id = ?`).run(ticket.id)).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM ticket_events WHERE ticket_id = ?').run(ticket.id)).toThrow(/append-only/);
    expect(await repo.events(ticket.id)).toHaveLength(1);
    expect(repo.verifyHistory()).toEqual([]);
  });

  it('reports a break in the hash chain when someone drops the triggers and rewrites history', async () => {
    const { ticket } = await repo.create(newTicket(), 'MDA', 2026, () => []);
    const other = (await repo.create(newTicket(), 'MDA', 2026, () => [])).ticket;
    const at = new Date('2026-03-02T16:00:00Z');
    await repo.append(ticket.id, [{ at, actor: { oid: 'oid-ana', name: 'Ana' }, kind: 'message', data: { text: 'hola' } }], []);
    await repo.append(ticket.id, [{ at, actor: { oid: 'oid-ivan', name: 'Iván' }, kind: 'message', data: { text: 'listo' } }], []);
    expect(repo.verifyHistory()).toEqual([]);
    const ids = (db.prepare('SELECT id FROM ticket_events WHERE ticket_id = ? ORDER BY id').all(ticket.id) as { id: number }[]).map((r) => r.id);

    db.exec('DROP TRIGGER ticket_events_no_update; DROP TRIGGER ticket_events_no_delete;');
    db.prepare('UPDATE ticket_events SET data = ? WHERE id = ?').run(JSON.stringify({ text: 'nunca dije eso' }), ids[1]);
    expect(repo.verifyHistory()).toEqual([{ ticketId: ticket.id, eventId: ids[1] }]);

    // Recomputing the tampered row's own hash only moves the break to the next event.
    const row = db.prepare('SELECT * FROM ticket_events WHERE id = ?').get(ids[1]) as { at: string; actor_oid: string; kind: string; data: string; prev_hash: string };
    db.prepare('UPDATE ticket_events SET hash = ? WHERE id = ?').run(eventHash(row.prev_hash, ticket.id, { at: row.at, actorOid: row.actor_oid, kind: row.kind, data: row.data }), ids[1]);
    expect(repo.verifyHistory()).toEqual([{ ticketId: ticket.id, eventId: ids[2] }]);

    // Deleting an event is caught too; the other ticket's history is untouched throughout.
    db.prepare('DELETE FROM ticket_events WHERE id = ?').run(ids[0]);
    expect(repo.verifyHistory().map((b) => b.ticketId)).toContain(ticket.id);
    expect(repo.verifyHistory().some((b) => b.ticketId === other.id)).toBe(false);
  });
});

describe('SqliteInboundDedup', () => {
  it('sees an activity id first once per conversation', async () => {
    const db = memoryDb();
    const dedup = new SqliteInboundDedup(db);
    const at = new Date('2026-03-02T15:00:00Z');
    expect(await dedup.firstSeen('conv-1', 'act-1', at)).toBe(true);
    expect(await dedup.firstSeen('conv-1', 'act-1', at)).toBe(false);
    expect(await dedup.firstSeen('conv-2', 'act-1', at)).toBe(true);
    expect(await dedup.firstSeen('conv-1', 'act-2', at)).toBe(true);
    db.close();
  });
});
