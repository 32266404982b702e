/**
 * Anonymisation redacts history payloads without breaking the hash chain, and the verifier still
 * catches every way of abusing redaction: changing a redacted payload, or redacting without the
 * chained 'anonymised' event that records it.
 */
import { migrate, openDb, type Db } from '../../src/storage/db';
import { SqlitePersonalData } from '../../src/storage/sqlite-personal-data';
import { SqliteTicketRepository, verifyHistory } from '../../src/storage/sqlite-tickets';
import type { NewTicket } from '../../src/domain/tickets/model';

const at = new Date('2026-03-02T15:00:00Z');
const ana = { oid: 'oid-ana', name: 'Ana' };

function setup() {
  const db = openDb(':memory:');
  migrate(db);
  return { db, repo: new SqliteTicketRepository(db), pd: new SqlitePersonalData(db) };
}

function newTicket(key: string): NewTicket {
  return {
    submissionKey: key,
    requester: { oid: ana.oid, tenantId: 't', name: 'Ana', email: 'ana@entidad.gov.co' },
    locale: 'es',
    phone: '300 123 4567',
    contactChannel: 'phone',
    categoryId: 'c',
    serviceId: 's',
    templateId: 'tpl',
    fieldValues: { x: 'dato' },
    description: 'Mi problema',
    priority: 'medium',
    createdAt: at,
  };
}

async function closedWithMessage(db: Db, repo: SqliteTicketRepository, key: string) {
  const { ticket } = await repo.create(newTicket(key), 'MDA', 2026, () => []);
  await repo.append(ticket.id, [{ at, actor: ana, kind: 'message', data: { from: 'requester', text: 'llámeme al 300 123 4567' } }], []);
  await repo.update(ticket.id, ticket.version, { status: 'closed', closedAt: at, updatedAt: at }, [{ at, kind: 'status_changed', data: { from: 'new', to: 'closed' } }], []);
  return ticket;
}

const messageEvent = (db: Db, ticketId: number) =>
  db.prepare(`SELECT id FROM ticket_events WHERE ticket_id = ? AND kind = 'message'`).get(ticketId) as { id: number };

describe('history redaction', () => {
  it('keeps the chain verifiable after anonymisation, and the update trigger still refuses other changes', async () => {
    const { db, repo, pd } = setup();
    const t = await closedWithMessage(db, repo, 'k1');
    expect(await pd.anonymiseTicket(t.id, at, { oid: 'sup', name: 'Sofía' }, '[anonimizado]')).toMatchObject({ radicado: t.radicado, redactedEvents: 2 });
    expect(verifyHistory(db)).toMatchObject({ breaks: [], redacted: 2, tickets: 1 });
    // The status history is kept: only personal values were replaced.
    expect((await repo.events(t.id)).map((e) => e.data.to).filter(Boolean)).toEqual(['closed']);
    const ev = messageEvent(db, t.id);
    // A redacted event may not be changed in any hashed column, nor may an unredacted one at all.
    expect(() => db.prepare('UPDATE ticket_events SET kind = ? WHERE id = ?').run('created', ev.id)).toThrow(/append-only/);
    const created = db.prepare(`SELECT id FROM ticket_events WHERE ticket_id = ? AND kind = 'status_changed'`).get(t.id) as { id: number };
    expect(() => db.prepare(`UPDATE ticket_events SET data = '{}' WHERE id = ?`).run(created.id)).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM ticket_event_redactions').run()).toThrow(/append-only/);
    // A second anonymisation of the same ticket does nothing.
    expect(await pd.anonymiseTicket(t.id, at, { oid: 'sup', name: 'Sofía' }, '[anonimizado]')).toBeNull();
  });

  it('reports a redacted payload changed afterwards', async () => {
    const { db, repo, pd } = setup();
    const t = await closedWithMessage(db, repo, 'k1');
    await pd.anonymiseTicket(t.id, at, { oid: 'sup', name: 'Sofía' }, '[anonimizado]');
    const ev = messageEvent(db, t.id);
    // Allowed by the trigger (a redaction row exists), but not what the 'anonymised' event recorded.
    db.prepare('UPDATE ticket_events SET data = ? WHERE id = ?').run(JSON.stringify({ from: 'requester', text: 'otra cosa' }), ev.id);
    expect(verifyHistory(db).breaks).toEqual([expect.objectContaining({ ticketId: t.id, eventId: ev.id, reason: 'redaction_mismatch' })]);
  });

  it('reports a redaction that no anonymised event records (someone inserting a redaction row to rewrite history)', async () => {
    const { db, repo } = setup();
    const t = await closedWithMessage(db, repo, 'k1');
    const ev = messageEvent(db, t.id);
    const original = db.prepare('SELECT data FROM ticket_events WHERE id = ?').get(ev.id) as { data: string };
    const { sha256 } = require('../../src/storage/sqlite-tickets');
    db.prepare('INSERT INTO ticket_event_redactions (event_id, ticket_id, original_sha256, redacted_at) VALUES (?, ?, ?, ?)').run(ev.id, t.id, sha256(original.data), at.toISOString());
    db.prepare('UPDATE ticket_events SET data = ? WHERE id = ?').run(JSON.stringify({ from: 'requester', text: 'nunca dije eso' }), ev.id);
    expect(verifyHistory(db).breaks).toEqual([expect.objectContaining({ ticketId: t.id, eventId: ev.id, reason: 'redaction_unrecorded' })]);
  });

  it('does not anonymise an open ticket', async () => {
    const { db, repo, pd } = setup();
    const { ticket } = await repo.create(newTicket('k2'), 'MDA', 2026, () => []);
    expect(await pd.anonymiseTicket(ticket.id, at, { oid: 'sup', name: 'Sofía' }, '[anonimizado]')).toBeNull();
    expect((await repo.get(ticket.id))!.description).toBe('Mi problema');
    db.close();
  });
});
