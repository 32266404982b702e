/**
 * Anonymising one closed ticket, once for both engines, in the caller's transaction: its row, its
 * history payloads (through redaction records, so the chain still verifies), its survey comment,
 * attachment names, outbox rows, and the chained 'anonymised' event that records it all.
 */
import type { AnonymisedTicket, Operator } from '../domain/personal-data';
import type { OutboxItem } from '../domain/ports';
import { actorNameDigest } from './history-evidence';
import { redactedDigest, sha256 } from './history-hash';
import { insertOutbox } from './outbox-insert';
import type { Sql } from './sql';
import { appendEvents } from './ticket-events';

/** Keys of history and outbox payloads that may carry what a person wrote or how to reach them. */
export const PERSONAL_KEYS = new Set(['text', 'note', 'message', 'description', 'phone', 'email', 'reason', 'comment']);

/** Replaces personal string values (by key) with the marker, recursively. */
export function redactValue(v: unknown, marker: string, key?: string): unknown {
  if (typeof v === 'string') {
    if (v === '' || key === undefined) return v;
    // 'to' is a status in history events and an address in mail payloads: only the address goes.
    return PERSONAL_KEYS.has(key) || (key === 'to' && v.includes('@')) ? marker : v;
  }
  if (Array.isArray(v)) return v.map((x) => redactValue(x, marker));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = redactValue(x, marker, k);
    return out;
  }
  return v;
}

/** JSON text as a value (text that is not JSON as itself). */
export function parse(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return json;
  }
}

export const CLOSED = `status IN ('closed', 'cancelled')`;

interface EventRow {
  id: number;
  at: string;
  actor_oid: string | null;
  actor_name: string | null;
  kind: string;
  data: string;
}

/** Null when the ticket is not closed/cancelled or was anonymised already. Runs inside `q.tx`. */
export async function anonymiseTicket(q: Sql, id: number, at: Date, by: Operator, marker: string, redraw: (t: AnonymisedTicket) => OutboxItem[]) {
  const t = await q.one<Record<string, unknown>>(`SELECT * FROM tickets WHERE id = ? AND ${CLOSED} AND anonymised_at IS NULL${q.forUpdate}`, [id]);
  if (!t) return null;
  const requester = t.requester_oid as string;

  // 1. The history: redact payloads (and the requester's name as actor), keeping each original
  //    payload's digest so the chain still verifies; the 'anonymised' event commits to the result.
  const events = await q.all<EventRow>('SELECT id, at, actor_oid, actor_name, kind, data FROM ticket_events WHERE ticket_id = ? ORDER BY id', [id]);
  const committed: Record<string, string> = {};
  for (const e of events) {
    const redacted = redactValue(parse(e.data), marker) as Record<string, unknown>;
    // An attached file's name may name the person (the engineer's name elsewhere is not theirs).
    if (e.kind === 'attachment_added' && typeof redacted?.name === 'string') redacted.name = marker;
    const data = JSON.stringify(redacted);
    const actorName = e.actor_oid === requester && e.actor_name !== null ? marker : e.actor_name;
    if (data === e.data && actorName === e.actor_name) continue;
    await q.run('INSERT INTO ticket_event_redactions (event_id, ticket_id, original_sha256, original_actor_sha256, redacted_at) VALUES (?, ?, ?, ?, ?)', [
      e.id,
      id,
      sha256(e.data),
      actorNameDigest(e.actor_name),
      at,
    ]);
    await q.run('UPDATE ticket_events SET data = ?, actor_name = ? WHERE id = ?', [data, actorName, e.id]);
    committed[e.id] = redactedDigest({ at: e.at, actorOid: e.actor_oid, kind: e.kind, data });
  }

  // 2. The ticket row.
  const fields = parse(t.field_values as string) as Record<string, unknown>;
  const redactedFields = Object.fromEntries(Object.entries(fields && typeof fields === 'object' ? fields : {}).map(([k, v]) => [k, v === '' ? '' : marker]));
  await q.run(
    `UPDATE tickets SET requester_name = ?, requester_email = NULL, requester_upn = NULL, phone = NULL,
       description = ?, field_values = ?, resolution_note = CASE WHEN resolution_note IS NULL THEN NULL ELSE ? END,
       mail_error = CASE WHEN mail_error IS NULL THEN NULL ELSE ? END,
       anonymised_at = ?, updated_at = ?, version = version + 1
     WHERE id = ?`,
    [marker, marker, JSON.stringify(redactedFields), marker, marker, at, at, id],
  );

  // The satisfaction survey's free-text comment (the score stays: it is not about the person).
  await q.run('UPDATE satisfaction_surveys SET comment = ? WHERE ticket_id = ? AND comment IS NOT NULL', [marker, id]);

  // Attachment names may name the person; the requester's name as uploader goes too. The files
  // they uploaded are marked deleted (the row stays); their bytes, content-addressed and maybe
  // shared, are deleted by the caller after this commits when no live row points at them.
  const deletedFiles = (
    await q.all<{ sha256: string }>('SELECT DISTINCT sha256 FROM attachments WHERE ticket_id = ? AND uploader_oid = ? AND deleted_at IS NULL', [id, requester])
  ).map((r) => r.sha256);
  await q.run(
    `UPDATE attachments SET name = ?, uploader_name = CASE WHEN uploader_oid = ? THEN ? ELSE uploader_name END,
       deleted_at = CASE WHEN uploader_oid = ? THEN COALESCE(deleted_at, ?) ELSE deleted_at END
     WHERE ticket_id = ?`,
    [marker, requester, marker, requester, at, id],
  );

  // 3. Its outbox rows: what was sent is redacted; what was still pending is not sent any more.
  const rows = await q.all<{ id: number; payload: string }>(`SELECT id, payload FROM outbox WHERE ticket_id = ?${q.forUpdate}`, [id]);
  for (const r of rows) {
    await q.run(
      `UPDATE outbox SET payload = ?, status = CASE WHEN status = 'pending' THEN 'cancelled' ELSE status END,
         last_error = CASE WHEN status = 'pending' THEN 'anonymised' ELSE last_error END WHERE id = ?`,
      [JSON.stringify(redactValue(parse(r.payload), marker)), r.id],
    );
  }
  // The cards already posted show the anonymised ticket from now on.
  await insertOutbox(q, redraw(anonymisedTicket(t)), at);

  // 4. The record, chained like every event.
  await appendEvents(q, id, [
    {
      at,
      actor: by,
      kind: 'anonymised',
      data: {
        fields: ['requester_name', 'requester_email', 'requester_upn', 'phone', 'description', 'field_values', 'resolution_note', 'messages'],
        redactedEvents: committed,
        outboxRows: rows.length,
        deletedFiles: deletedFiles.length,
      },
    },
  ]);
  return { radicado: t.radicado as string, redactedEvents: Object.keys(committed).length, deletedFiles };
}

/** The ticket row as the redraw of its posted cards needs it. */
function anonymisedTicket(t: Record<string, unknown>): AnonymisedTicket {
  return {
    id: Number(t.id),
    requesterOid: t.requester_oid as string,
    queueChannelId: t.queue_activity_id && t.queue_conversation_id ? (t.queue_conversation_id as string) : undefined,
  };
}
