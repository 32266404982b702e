/**
 * History events as releases before the sealed history wrote them, for tests that build a database
 * of an old schema by hand: hash version 1 before migration 003, version 2 after (no position, state
 * or seal; migration 007 adds those when the database is opened by the current release).
 */
import type { Db } from '../../src/storage/db';
import type { NewEvent } from '../../src/domain/tickets/model';
import { eventHash, eventHashV1 } from '../../src/storage/history-hash';

export function appendOldEvents(db: Db, ticketId: number, events: NewEvent[]): void {
  const hv2 = !!db.prepare(`SELECT 1 FROM pragma_table_info('ticket_events') WHERE name = 'hv'`).get();
  const insert = hv2
    ? db.prepare(`INSERT INTO ticket_events (ticket_id, at, actor_oid, actor_name, kind, data, prev_hash, hash, hv) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 2)`)
    : db.prepare(`INSERT INTO ticket_events (ticket_id, at, actor_oid, actor_name, kind, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  let prev = (db.prepare('SELECT hash FROM ticket_events WHERE ticket_id = ? ORDER BY id DESC LIMIT 1').get(ticketId) as { hash: string } | undefined)?.hash ?? '';
  for (const e of events) {
    const row = { at: e.at.toISOString(), actorOid: e.actor?.oid ?? null, kind: e.kind, data: JSON.stringify(e.data) };
    const hash = hv2 ? eventHash(prev, ticketId, row) : eventHashV1(prev, ticketId, row);
    insert.run(ticketId, row.at, row.actorOid, e.actor?.name ?? null, e.kind, row.data, prev, hash);
    prev = hash;
  }
}
