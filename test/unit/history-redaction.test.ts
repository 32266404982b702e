/**
 * Anonymisation redacts history payloads without breaking the hash chain, and the verifier still
 * catches every way of abusing redaction: changing a redacted payload, or redacting without the
 * chained 'anonymised' event that records it.
 */
import { openStorage, type Storage } from '../../src/storage';
import type { TicketRepository } from '../../src/domain/ports';
import type { NewTicket } from '../../src/domain/tickets/model';
import { sha256 } from '../../src/storage/history-hash';
import { createPgDatabase, ENGINE, sql } from '../helpers/engine';

const at = new Date('2026-03-02T15:00:00Z');
const ana = { oid: 'oid-ana', name: 'Ana' };

// On the engine of the run: an in-memory SQLite database, or a fresh PostgreSQL database (same trigger semantics).
const opened: { st: Storage; drop?: () => Promise<void> }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0)) {
    await o.st.close();
    await o.drop?.();
  }
});

async function setup() {
  const pgdb = ENGINE === 'postgres' ? await createPgDatabase() : undefined;
  const st = openStorage({ dbPath: ':memory:', databaseUrl: pgdb?.url });
  await st.ready();
  opened.push({ st, drop: pgdb?.drop });
  return { db: st, repo: st.tickets, pd: st.personalData };
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

async function closedWithMessage(db: Storage, repo: TicketRepository, key: string) {
  const { ticket } = await repo.create(newTicket(key), 'MDA', 2026, () => []);
  await repo.append(ticket.id, [{ at, actor: ana, kind: 'message', data: { from: 'requester', text: 'llámeme al 300 123 4567' } }], []);
  await repo.update(ticket.id, ticket.version, { status: 'closed', closedAt: at, updatedAt: at }, [{ at, kind: 'status_changed', data: { from: 'new', to: 'closed' } }], []);
  return ticket;
}

const messageEvent = async (db: Storage, ticketId: number) =>
  (await sql<{ id: number }>(db, `SELECT id FROM ticket_events WHERE ticket_id = ? AND kind = 'message'`, ticketId))[0];

describe('history redaction', () => {
  it('keeps the chain verifiable after anonymisation, and the update trigger still refuses other changes', async () => {
    const { db, repo, pd } = await setup();
    const t = await closedWithMessage(db, repo, 'k1');
    expect(await pd.anonymiseTicket(t.id, at, { oid: 'sup', name: 'Sofía' }, '[anonimizado]')).toMatchObject({ radicado: t.radicado, redactedEvents: 2 });
    expect(await db.verifyHistory()).toMatchObject({ breaks: [], redacted: 2, tickets: 1 });
    // The status history is kept: only personal values were replaced.
    expect((await repo.events(t.id)).map((e) => e.data.to).filter(Boolean)).toEqual(['closed']);
    const ev = await messageEvent(db, t.id);
    // A redacted event may not be changed in any hashed column, nor may an unredacted one at all.
    await expect(sql(db, 'UPDATE ticket_events SET kind = ? WHERE id = ?', 'created', ev.id)).rejects.toThrow(/append-only/);
    const [created] = await sql<{ id: number }>(db, `SELECT id FROM ticket_events WHERE ticket_id = ? AND kind = 'status_changed'`, t.id);
    await expect(sql(db, `UPDATE ticket_events SET data = '{}' WHERE id = ?`, created.id)).rejects.toThrow(/append-only/);
    await expect(sql(db, 'DELETE FROM ticket_event_redactions')).rejects.toThrow(/append-only/);
    await expect(sql(db, 'DELETE FROM ticket_events WHERE id = ?', ev.id)).rejects.toThrow(/append-only/);
    // A second anonymisation of the same ticket does nothing.
    expect(await pd.anonymiseTicket(t.id, at, { oid: 'sup', name: 'Sofía' }, '[anonimizado]')).toBeNull();
  });

  it('reports a redacted payload changed afterwards', async () => {
    const { db, repo, pd } = await setup();
    const t = await closedWithMessage(db, repo, 'k1');
    await pd.anonymiseTicket(t.id, at, { oid: 'sup', name: 'Sofía' }, '[anonimizado]');
    const ev = await messageEvent(db, t.id);
    // Allowed by the trigger (a redaction row exists), but not what the 'anonymised' event recorded.
    await sql(db, 'UPDATE ticket_events SET data = ? WHERE id = ?', JSON.stringify({ from: 'requester', text: 'otra cosa' }), ev.id);
    expect((await db.verifyHistory()).breaks).toEqual([expect.objectContaining({ ticketId: t.id, eventId: ev.id, reason: 'redaction_mismatch' })]);
  });

  it('reports a redaction that no anonymised event records (someone inserting a redaction row to rewrite history)', async () => {
    const { db, repo } = await setup();
    const t = await closedWithMessage(db, repo, 'k1');
    const ev = await messageEvent(db, t.id);
    const [original] = await sql<{ data: string }>(db, 'SELECT data FROM ticket_events WHERE id = ?', ev.id);
    await sql(db, 'INSERT INTO ticket_event_redactions (event_id, ticket_id, original_sha256, redacted_at) VALUES (?, ?, ?, ?)', ev.id, t.id, sha256(original.data), at.toISOString());
    await sql(db, 'UPDATE ticket_events SET data = ? WHERE id = ?', JSON.stringify({ from: 'requester', text: 'nunca dije eso' }), ev.id);
    expect((await db.verifyHistory()).breaks).toEqual([expect.objectContaining({ ticketId: t.id, eventId: ev.id, reason: 'redaction_unrecorded' })]);
  });

  it('does not anonymise an open ticket', async () => {
    const { db, repo, pd } = await setup();
    const { ticket } = await repo.create(newTicket('k2'), 'MDA', 2026, () => []);
    expect(await pd.anonymiseTicket(ticket.id, at, { oid: 'sup', name: 'Sofía' }, '[anonimizado]')).toBeNull();
    expect((await repo.get(ticket.id))!.description).toBe('Mi problema');
  });
});
