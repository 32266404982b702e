/**
 * `npm run migrate-to-postgres`: a SQLite database used by the bot is copied into PostgreSQL and the bot
 * carries on there — same ids, radicados, counters, history hashes, outbox and bot state.
 * PostgreSQL pass only (it needs a server to copy into).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/migrate-to-postgres';
import { openStorage, type Storage } from '../../src/storage';
import type { NewTicket } from '../../src/domain/tickets/model';
import { createPgDatabase, describePg, sql } from '../helpers/engine';

let submission = 0;
const newTicket = (createdAt: Date, who = 'oid-ana'): NewTicket => ({
  submissionKey: `sub-${++submission}`,
  requester: { oid: who, tenantId: 'tenant-1', name: 'Ana Empleada', email: 'ana@entidad.gov.co' },
  locale: 'es',
  contactChannel: 'teams',
  categoryId: 'mesa-servicio-primer-nivel',
  serviceId: 'acceso-remoto',
  templateId: 'solicitud-acceso-remoto',
  fieldValues: { accessType: 'vpn' },
  description: 'Necesito VPN para trabajar desde casa.',
  priority: 'medium',
  createdAt,
});

async function everything(st: Storage) {
  return {
    tickets: await sql(st, 'SELECT id, radicado, submission_key, status, assignee_oid, version, description FROM tickets ORDER BY id'),
    events: await sql(st, 'SELECT id, ticket_id, at, actor_name, kind, data, prev_hash, hash, hv FROM ticket_events ORDER BY id'),
    redactions: await sql(st, 'SELECT event_id, ticket_id, original_sha256, redacted_at FROM ticket_event_redactions ORDER BY event_id'),
    counters: await sql(st, 'SELECT prefix, year, last FROM radicado_counters ORDER BY prefix, year'),
    outbox: (await sql(st, 'SELECT id, pace_key, payload, status, attempts FROM outbox ORDER BY id')),
    queues: await st.queues.list(),
    state: await st.botState.read(['conv/1', 'conv/2']),
  };
}

describePg('copying a SQLite database into PostgreSQL', () => {
  it('keeps ids, radicados, counters, history hashes, outbox and bot state, and the bot continues the numbering', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesa-copy-'));
    const file = path.join(dir, 'mesa.db');
    const lite = openStorage({ dbPath: file });
    const at = new Date('2026-03-02T15:00:00Z');
    await lite.queues.register({ tenantId: 'tenant-1', teamId: 'team-1', channelId: 'channel-1', categoryId: null, registeredBy: 'sofia' });
    const made = [];
    for (let i = 0; i < 30; i++) {
      const year = i < 5 ? 2025 : 2026;
      made.push((await lite.tickets.create(newTicket(new Date(at.getTime() + i * 1000), `oid-${i % 3}`), 'MDA', year, (t) => [{ channel: 'teams', paceKey: 'channel:1', ticketId: t.id, payload: { type: 'queue_post', ticketId: t.id } }])).ticket);
    }
    const t = made[7];
    const updated = await lite.tickets.update(t.id, t.version, { status: 'assigned', assignee: { oid: 'oid-ivan', name: 'Iván' }, updatedAt: at }, [{ at, actor: { oid: 'oid-ivan', name: 'Iván' }, kind: 'assigned', data: { by: 'Iván' } }], [
      { channel: 'teams', paceKey: 'user:oid-1', ticketId: t.id, payload: { type: 'user_message', userOid: 'oid-1', ticketId: t.id, notice: { kind: 'status_changed', status: 'assigned' } } },
    ]);
    expect(updated).not.toBeNull();
    await lite.tickets.append(t.id, [{ at, actor: { oid: 'oid-1', name: 'Ana' }, kind: 'message', data: { text: 'gracias, ¿cuándo?' } }], []);
    const [first] = await lite.outbox.due(new Date(at.getTime() + 60_000), 1);
    await lite.outbox.markSent(first.id, at);
    await lite.botState.write({ 'conv/1': { step: 'form', values: { a: 'ñ' } } });
    await lite.botState.write({ 'conv/1': { ...(await lite.botState.read(['conv/1']))['conv/1'], step: 'done' } });
    await lite.dedup.firstSeen('conv-1', 'act-1', at);
    // An attachment whose bytes the SQLite bot keeps on disk.
    const attachmentsDir = path.join(dir, 'attachments');
    const bytes = Buffer.from('captura de pantalla: error 809');
    const sha = await lite.blobs(attachmentsDir).put(bytes);
    const attached = await lite.attachments.addLinked(
      { tenantId: 'tenant-1', uploader: { oid: 'oid-1', name: 'Ana' }, name: 'captura.png', fileType: 'png', contentType: 'image/png', size: bytes.length, sha256: sha, source: 'teams_file', createdAt: at },
      made[3].id,
      () => [],
    );
    // A person's closed ticket anonymised (history redacted through redaction records, hash v2).
    const gone = made[10];
    await lite.tickets.append(gone.id, [{ at, actor: { oid: gone.requester.oid, name: 'Ana Empleada' }, kind: 'message', data: { text: 'mi celular es 300 555 0101' } }], []);
    await sql(lite, `UPDATE tickets SET status = 'closed', closed_at = ? WHERE id = ?`, at.toISOString(), gone.id);
    const anonymised = await lite.personalData.anonymiseTicket(gone.id, at, { oid: 'oid-sofia', name: 'Sofía' }, '[anonimizado]');
    expect(anonymised!.redactedEvents).toBeGreaterThanOrEqual(2);
    expect((await lite.verifyHistory()).breaks).toEqual([]);
    const before = await everything(lite);
    expect(before.redactions.length).toBe(anonymised!.redactedEvents);
    await lite.close();

    const target = await createPgDatabase();
    const lines: string[] = [];
    expect(await main(['--from', file, '--to', target.url, '--attachments', attachmentsDir], (l) => lines.push(l))).toBe(0);
    expect(lines.join('\n')).toContain('30 tickets');
    expect(lines.join('\n')).toContain('attachment files: 1 copied');

    const pgs = openStorage({ dbPath: ':memory:', databaseUrl: target.url });
    try {
      await pgs.ready();
      const after = await everything(pgs);
      expect(after).toEqual(before);
      expect(await pgs.tickets.verifyHistory()).toEqual([]);
      expect(await pgs.verifyHistory()).toMatchObject({ tickets: 30, redacted: before.redactions.length, breaks: [] });
      expect((await pgs.tickets.get(gone.id))!.anonymisedAt).toEqual(at);
      // The redacted history stays protected on PostgreSQL too.
      await expect(sql(pgs, 'UPDATE ticket_events SET kind = ? WHERE id = ?', 'status_changed', (before.redactions[0] as { event_id: number }).event_id)).rejects.toThrow(/append-only/);
      // The attachment and its bytes are served from PostgreSQL now.
      expect(await pgs.attachments.get(attached.id)).toEqual(attached);
      expect((await pgs.blobs(attachmentsDir).get(sha))!.equals(bytes)).toBe(true);
      expect(await pgs.dedup.firstSeen('conv-1', 'act-1', at)).toBe(false);
      // The bot goes on where SQLite stopped: next number of the year, next id, a working eTag.
      const next = await pgs.tickets.create(newTicket(at), 'MDA', 2026, () => []);
      expect(next.ticket.radicado).toBe('MDA-2026-000026');
      expect(next.ticket.id).toBe(31);
      expect((await pgs.tickets.create(newTicket(at), 'MDA', 2025, () => [])).ticket.radicado).toBe('MDA-2025-000006');
      const state = (await pgs.botState.read(['conv/1']))['conv/1'];
      await pgs.botState.write({ 'conv/1': { ...state, step: 'again' } });
      await expect(pgs.botState.write({ 'conv/1': { ...state, step: 'stale' } })).rejects.toThrow(/etag conflict/);
      // The pending outbox items are delivered from PostgreSQL now, in order.
      const due = await pgs.outbox.due(new Date(at.getTime() + 60_000), 100);
      const heads = new Map<string, number>();
      for (const o of before.outbox as { id: number; pace_key: string; status: string }[]) {
        if (o.status === 'pending' && !heads.has(o.pace_key)) heads.set(o.pace_key, o.id);
      }
      expect(heads.size).toBe(2);
      expect(due.map((d) => d.id)).toEqual([...heads.values()].sort((x, y) => x - y));
    } finally {
      await pgs.close();
    }

    // A second copy into the same database is refused, and nothing changes.
    const again: string[] = [];
    expect(await main(['--from', file, '--to', target.url], (l) => again.push(l))).toBe(1);
    expect(again.join('\n')).toMatch(/not empty/);
    expect(await main(['--from', file], () => undefined)).toBe(2);
  });
});
